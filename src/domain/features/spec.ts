/**
 * Which features a team's model sees, as written in the team YAML under `features:`.
 * Every key is optional; an empty section means no features of that kind.
 */
import { z } from 'zod';
import { avColumns, avIndicatorSchema } from './alphavantage.ts';
import type { FeatureFactory } from './factory.ts';
import { BUILT_IN_FEATURES } from './indicators/index.ts';
import type { FeatureRegistry } from './registry.ts';

/**
 * Indicators computed by Alpha Vantage's technical endpoints (only with `data.provider: alphavantage`),
 * e.g. `- { function: RSI, time_period: 14 }` → column `av_rsi_14`; see features/alphavantage.ts.
 */
const alphavantageSchema = z
  .array(avIndicatorSchema)
  .min(1)
  .max(20)
  .superRefine((list, ctx) => {
    // Two entries giving the same columns would spend the request budget twice for one column.
    const seen = new Map<string, number>();
    list.forEach((ind, i) => {
      const cols = avColumns(ind).map((c) => c.column);
      const clash = cols.find((c) => seen.has(c));
      if (clash !== undefined) ctx.addIssue({ code: 'custom', path: [i], message: `an indicator not already listed (entry [${seen.get(clash)}] gives ${clash} too)`, input: ind });
      for (const c of cols) if (!seen.has(c)) seen.set(c, i);
    });
  });

type BuiltIn = (typeof BUILT_IN_FEATURES)[number];
/** One optional key per built-in family, typed by its factory's schema. */
type BuiltInShape = { [F in BuiltIn as F['key']]: z.ZodOptional<F['schema']> };

function shapeOf(factories: readonly FeatureFactory[]): Record<string, z.ZodOptional<z.ZodType>> {
  return Object.fromEntries(factories.map((f) => [f.key, f.schema.optional()]));
}

/**
 * `features:` in the team YAML: one optional key per registered family (its factory's schema gives the
 * value's shape and the error messages), plus `alphavantage`. Every key is optional; an empty section
 * means no features of that kind.
 */
/** `features.custom`: a team's own families, `{ module: ./teams/green/feature.ts, ...params }` each (config/load.ts loads them). */
const customSchema = z.array(z.looseObject({ module: z.string().min(1) })).min(1).max(20);

export const featureSpecSchema = z
  .object({ ...(shapeOf(BUILT_IN_FEATURES) as BuiltInShape), alphavantage: alphavantageSchema.optional(), custom: customSchema.optional() })
  .strict();

/** The same schema over a registry with plug-in families (their keys are accepted too). */
export function featureSpecSchemaFor(registry: FeatureRegistry) {
  return z.object({ ...shapeOf(registry.list()), alphavantage: alphavantageSchema.optional(), custom: customSchema.optional() }).strict();
}

export type FeatureSpec = z.infer<typeof featureSpecSchema>;

/** The default set: every indicator family at common periods. */
export const DEFAULT_FEATURES: FeatureSpec = {
  rsi: [14],
  ema: [12, 26],
  sma: [10, 50],
  macd: { fast: 12, slow: 26, signal: 9 },
  bollinger: { period: 20, stddev: 2 },
  atr: [14],
  stochastic: { period: 14, signal: 3 },
  obv: [20],
  returns: [1, 5, 20],
  volatility: [20],
  volume_z: [20],
  calendar: ['day_of_week', 'month'],
  lags: { columns: ['ret_1'], count: 5 },
};

/** Labels, one per row: all three are computed; the model's output picks one. */
export const TARGET_COLUMNS = ['target_return', 'target_close', 'target_direction'] as const;
export type TargetColumn = (typeof TARGET_COLUMNS)[number];
