/** The `model.encoder` parameters of the tree backends (validated by each backend's own schema). */
import { z } from 'zod';

const bins = z.number().int().min(2).max(256).default(255);
const minSamplesLeaf = z.number().int().min(1).max(100_000).default(20);

export const forestParamsSchema = z.strictObject({
  type: z.literal('forest'),
  trees: z.number().int().min(1).max(5000).default(100),
  max_depth: z.number().int().min(1).max(30).default(8),
  min_samples_leaf: minSamplesLeaf,
  /**
   * Features drawn per split: a share of them (0 < x ≤ 1), `sqrt` or `log2` of their number.
   * 1/3 is Breiman's default for regression forests.
   */
  max_features: z.union([z.enum(['sqrt', 'log2']), z.number().gt(0).max(1)]).default(1 / 3),
  /** Quantile bins per feature (the candidate thresholds), computed on the training rows. */
  bins,
});

export const gbdtParamsSchema = z.strictObject({
  type: z.literal('gbdt'),
  /** Boosting rounds at most; early stopping (trainer.early_stopping_patience, counted in rounds) may stop sooner. */
  rounds: z.number().int().min(1).max(10_000).default(100),
  learning_rate: z.number().gt(0).max(1).default(0.1),
  max_depth: z.number().int().min(1).max(16).default(6),
  min_samples_leaf: minSamplesLeaf,
  /** Share of the training rows each round's tree sees (seeded; 1 = all). */
  subsample: z.number().gt(0).max(1).default(1),
  /** L2 penalty on leaf values (XGBoost's λ). */
  l2: z.number().min(0).max(1000).default(1),
  bins,
});

export type ForestParams = z.output<typeof forestParamsSchema>;
export type GbdtParams = z.output<typeof gbdtParamsSchema>;

export function featuresPerSplit(maxFeatures: ForestParams['max_features'], d: number): number {
  const m = maxFeatures === 'sqrt' ? Math.sqrt(d) : maxFeatures === 'log2' ? Math.log2(d) : maxFeatures * d;
  return Math.min(d, Math.max(1, Math.round(m)));
}
