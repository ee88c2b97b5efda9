/**
 * The declarative model spec under `model:` in the team YAML, in the spirit of Ludwig:
 * input features, one output feature, an encoder and a trainer, plus a seed.
 */
import { z } from 'zod';
import { searchSpaceIssues } from './search-space.ts';
import { forestParamsSchema, gbdtParamsSchema } from './tree-params.ts';

const positiveInt = z.number().int().positive();

/**
 * Where a linear/MLP network trains: `auto` picks by size (engine rule in adapters/models/index.ts),
 * `js` forces our dense kernel, `tfjs` TensorFlow.js (native TensorFlow when installed).
 */
const engine = z.enum(['auto', 'js', 'tfjs']).default('auto');

/** A team's own model family: `encoder: { module: ./teams/green/model.ts, ...params }` (checked by its schema at load). */
const pluginEncoder = z.looseObject({ type: z.literal('plugin'), module: z.string().min(1) });

export const encoderUnion = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('linear'), engine }),
  z.strictObject({
    type: z.literal('mlp'),
    engine,
    hidden: z.array(positiveInt.max(1024)).min(1).max(6),
    activation: z.enum(['relu', 'tanh', 'elu']).default('relu'),
    /** L2 weight decay. (tfjs dropout with a fixed seed reuses one mask; without a seed it is not reproducible.) */
    l2: z.number().min(0).max(1).default(0),
  }),
  z.strictObject({
    type: z.literal('lstm'),
    units: positiveInt.max(512),
    /** Trading days per input sequence. */
    window: z.number().int().min(2).max(120),
  }),
  forestParamsSchema,
  gbdtParamsSchema,
  pluginEncoder,
]);

/** The encoder: a built-in family by `type`, or a plug-in by `module` (its `type` is then `plugin`). */
export const encoderSchema = z.preprocess(
  (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) && 'module' in v && !('type' in v) ? { ...v, type: 'plugin' } : v),
  encoderUnion,
);

export const trainerSchema = z.strictObject({
  epochs: positiveInt,
  batch_size: positiveInt.max(65_536).default(64),
  learning_rate: z.number().positive().max(1).default(0.001),
  /** Stop when validation loss has not improved for this many epochs (0 = never). */
  early_stopping_patience: z.number().int().min(0).default(5),
  /** Share of the training window, taken from its end (time-ordered), used for early stopping. */
  validation_split: z.number().min(0).max(0.5).default(0.2),
  /** Continue from the champion's weights instead of a fresh initialisation. */
  warm_start: z.boolean().default(false),
});

/** A hyper-parameter range: `path` is a dotted path inside `model` (e.g. `trainer.learning_rate`). */
const rangeSchema = z.union([
  z.strictObject({ uniform: z.tuple([z.number(), z.number()]) }),
  z.strictObject({ log_uniform: z.tuple([z.number().positive(), z.number().positive()]) }),
  z.strictObject({ int: z.tuple([z.number().int(), z.number().int()]) }),
  z.strictObject({ choice: z.array(z.unknown()).min(1) }),
]);

export const searchSchema = z.strictObject({
  trials: z.number().int().min(1).max(1000),
  /** Successive halving: keep the best 1/eta after each rung (1 = plain random search). */
  eta: z.number().int().min(1).max(10).default(1),
  space: z.record(z.string(), rangeSchema),
});

/** The spec without its cross-field checks (the search space is checked against it). */
export const modelSpecObject = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'letters, digits, - and _').optional(),
  /** `all` or a list of feature columns (see `arena features`). */
  input_features: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).default('all'),
  output: z.strictObject({
    /** `return` / `close` → regression (numerical); `direction` → up/down classification (binary). */
    feature: z.enum(['return', 'close', 'direction']),
  }),
  encoder: encoderSchema,
  trainer: trainerSchema,
  seed: z.number().int().min(0).default(42),
  search: searchSchema.optional(),
});

export type ModelSpec = z.infer<typeof modelSpecObject>;

/**
 * A search-space path that does not name a field of this spec, or whose range produces invalid
 * values, fails at config load with the field named, not halfway through a training run.
 */
export const modelSpecSchema = modelSpecObject.superRefine((spec, ctx) => {
  const validate = (candidate: unknown): string | null => {
    const { search: _search, ...rest } = candidate as ModelSpec;
    const r = modelSpecObject.safeParse(rest);
    if (r.success) return null;
    const i = r.error.issues[0];
    return i ? `${i.path.join('.')}: ${i.message}` : 'invalid';
  };
  for (const issue of searchSpaceIssues(spec, validate)) ctx.addIssue({ code: 'custom', path: ['search', 'space', issue.path], message: issue.message, input: spec.search?.space[issue.path] });
});
export type EncoderSpec = z.output<typeof encoderSchema>;
export type TrainerSpec = z.infer<typeof trainerSchema>;
export type SearchSpec = z.infer<typeof searchSchema>;
export type OutputKind = 'numerical' | 'binary';

export const outputKind = (spec: Pick<ModelSpec, 'output'>): OutputKind =>
  spec.output.feature === 'direction' ? 'binary' : 'numerical';
