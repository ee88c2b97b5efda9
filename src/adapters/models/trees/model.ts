/**
 * A fitted tree ensemble and its one file.
 *
 * Format `paper-arena/forest@1` / `paper-arena/gbdt@1`, everything in `model.json`: the parameters,
 * the output kind, the target scale, the base score, the spec, the input columns and the trees, each
 * as three pre-order arrays (`feature`: −1 for a leaf; `value`: the split's threshold as a raw float,
 * or the leaf's output; `right`: the right child's index, 0 for a leaf — the left child is the next
 * node). JSON numbers round-trip doubles exactly (zeros are stored unsigned), so a reloaded model
 * predicts bit-identically.
 */
import { z } from 'zod';
import type { Sample } from '../../../domain/models/dataset.ts';
import type { ModelFiles, TrainedModel } from '../../../domain/models/model.ts';
import { outputKind, type ModelSpec, type OutputKind } from '../../../domain/models/spec.ts';
import { forestParamsSchema, gbdtParamsSchema, type ForestParams, type GbdtParams } from '../../../domain/models/tree-params.ts';
import { predictTree, type Tree } from './tree.ts';

export const MODEL_FILE = 'model.json';
export const formatOf = (kind: 'forest' | 'gbdt') => `paper-arena/${kind}@1` as const;

export interface TargetScale {
  mean: number;
  std: number;
}

export type EnsembleParams = ForestParams | GbdtParams;

export interface EnsembleParts {
  spec: ModelSpec;
  columns: string[];
  params: EnsembleParams;
  trees: Tree[];
  /** Gradient boosting: the starting score (a logit for binary outputs); a forest: 0. */
  base: number;
  /** Numerical outputs are learnt as (y − mean) / std; identity for binary. */
  yScale: TargetScale;
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export class TreeEnsembleModel implements TrainedModel {
  readonly backend = 'js';
  readonly spec: ModelSpec;
  readonly columns: string[];
  readonly params: EnsembleParams;
  readonly trees: readonly Tree[];
  readonly base: number;
  readonly yScale: TargetScale;
  readonly output: OutputKind;

  constructor(p: EnsembleParts) {
    this.spec = p.spec;
    this.columns = p.columns;
    this.params = p.params;
    this.trees = p.trees;
    this.base = p.base;
    this.yScale = p.yScale;
    this.output = outputKind(p.spec);
  }

  /**
   * The ensemble's score for one row: the mean of the trees (forest) or base + their sum (boosting),
   * in the learnt units (standardised target, P(up) for a forest, a logit for boosting).
   */
  score(x: ArrayLike<number>, offset = 0): number {
    let s = 0;
    for (const t of this.trees) s += predictTree(t, x, offset);
    return this.params.type === 'forest' ? s / this.trees.length : this.base + s;
  }

  /** A score in target units: a return / close ratio, or P(up). */
  toOutput(score: number): number {
    if (this.output === 'binary') return this.params.type === 'gbdt' ? sigmoid(score) : score;
    return score * this.yScale.std + this.yScale.mean;
  }

  predict(samples: readonly Sample[]): number[] {
    const d = this.columns.length;
    return samples.map((s) => {
      if (s.x.length !== d) throw new Error(`the model takes ${d} inputs (${this.columns.join(', ')}); a sample has ${s.x.length}`);
      return this.toOutput(this.score(s.x));
    });
  }

  async save(): Promise<ModelFiles> {
    const json = {
      format: formatOf(this.params.type),
      backend: this.backend,
      output: this.output,
      params: this.params,
      base: this.base,
      yScale: this.yScale,
      spec: this.spec,
      columns: this.columns,
      trees: this.trees.map((t) => ({ feature: Array.from(t.feature), value: Array.from(t.value), right: Array.from(t.right) })),
    };
    return { [MODEL_FILE]: new TextEncoder().encode(JSON.stringify(json)) };
  }

  dispose(): void {}
}

const treeSchema = z
  .object({ feature: z.array(z.number().int().min(-1)), value: z.array(z.number()), right: z.array(z.number().int().min(0)) })
  .refine((t) => t.feature.length > 0 && t.value.length === t.feature.length && t.right.length === t.feature.length, 'a tree needs feature, value and right arrays of one length');

const fileSchema = z.object({
  format: z.enum([formatOf('forest'), formatOf('gbdt')]),
  backend: z.literal('js'),
  output: z.enum(['numerical', 'binary']),
  params: z.discriminatedUnion('type', [forestParamsSchema, gbdtParamsSchema]),
  base: z.number(),
  yScale: z.object({ mean: z.number(), std: z.number() }),
  spec: z.unknown(),
  columns: z.array(z.string()),
  trees: z.array(treeSchema).min(1),
});

export async function loadEnsemble(kind: 'forest' | 'gbdt', files: ModelFiles, meta: { spec: ModelSpec; columns: string[] }): Promise<TreeEnsembleModel> {
  const bytes = files[MODEL_FILE];
  if (!bytes) throw new Error(`a ${kind} model needs ${MODEL_FILE}; got ${Object.keys(files).join(', ') || 'no files'}`);
  const parsed = fileSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
  if (!parsed.success) throw new Error(`${MODEL_FILE}: not a paper-arena tree model file (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message ?? 'invalid'})`);
  const m = parsed.data;
  if (m.format !== formatOf(kind) || m.params.type !== kind) throw new Error(`${MODEL_FILE}: a ${m.params.type} model, not a ${kind} model`);
  if (m.columns.join('\u0000') !== meta.columns.join('\u0000')) throw new Error(`${MODEL_FILE}: the model was trained on columns [${m.columns.join(', ')}], not [${meta.columns.join(', ')}]`);
  if (m.output !== outputKind(meta.spec)) throw new Error(`${MODEL_FILE}: a ${m.output} model cannot serve a ${outputKind(meta.spec)} spec`);
  const d = m.columns.length;
  const trees = m.trees.map((t, ti): Tree => {
    const n = t.feature.length;
    t.feature.forEach((f, i) => {
      if (f >= d) throw new Error(`${MODEL_FILE}: tree ${ti} node ${i} splits on input ${f}; the model has ${d}`);
      if (f >= 0 && ((t.right[i] as number) <= i + 1 || (t.right[i] as number) >= n)) throw new Error(`${MODEL_FILE}: tree ${ti} node ${i} has no valid right child`);
    });
    return { feature: Int32Array.from(t.feature), value: Float64Array.from(t.value), right: Int32Array.from(t.right) };
  });
  return new TreeEnsembleModel({ spec: meta.spec, columns: meta.columns, params: m.params, trees, base: m.base, yScale: m.yScale });
}
