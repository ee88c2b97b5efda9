/**
 * Permutation feature importance on out-of-sample rows: shuffle one input column (seeded) across
 * the rows, predict again, and measure how much the primary metric gets worse. For an LSTM the
 * column is permuted across every time step of the window together (row i gets row π(i)'s whole
 * history of that feature), so the sequence stays intact and only its link to the target breaks.
 * Pure except for the `predict` callback it is given.
 */
import type { Sample } from './dataset.ts';
import { seededRandom, shuffledIndices } from './rng.ts';

export interface FeatureImportanceRow {
  feature: string;
  /** Mean worsening of the primary metric over the repeats (positive = the model relies on it). */
  mean: number;
  /** Standard deviation of that worsening over the repeats. */
  std: number;
  /** Regression only: mean drop in directional accuracy (null for classification). */
  directional_accuracy_drop: number | null;
}

export interface FeatureImportance {
  /** `mae` (importance = MAE increase) or `accuracy` (importance = accuracy drop). */
  metric: 'mae' | 'accuracy';
  /** The metric with no column permuted. */
  baseline: number;
  repeats: number;
  rows: number;
  /** Sorted by `mean`, most important first. */
  features: FeatureImportanceRow[];
  notes: string[];
}

export interface Scorer {
  metric: 'mae' | 'accuracy';
  higherIsBetter: boolean;
  score(y: readonly number[], p: readonly number[]): { primary: number; da: number | null };
}

export interface ImportanceOptions {
  samples: readonly Sample[];
  columns: readonly string[];
  /** Time steps per sample (1 unless LSTM). */
  window: number;
  /** The primary metric of targets vs predictions, and directional accuracy when it applies. */
  scorer: Scorer;
  /** Raw model outputs in target units for the given samples, in order. */
  predict: (samples: readonly Sample[]) => number[];
  repeats?: number;
  seed?: number;
  /** Cost bound: at most this many features (in column order) are permuted. */
  maxFeatures?: number;
  /** Cost bound: the most recent rows only. */
  maxRows?: number;
}

/** Cost bounds: (features × repeats) predictions of at most `maxRows` rows each. */
export const IMPORTANCE_DEFAULTS = { repeats: 5, maxFeatures: 64, maxRows: 2000 } as const;

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
const std = (xs: readonly number[]): number => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

const metricsOf = (samples: readonly Sample[], p: readonly number[], scorer: Scorer) =>
  scorer.score(
    samples.map((s) => s.y as number),
    p,
  );

/**
 * Per-repeat worsening for every feature (one entry per repeat); `permutationImportance` summarises
 * it. Exposed separately so walk-forward folds can be pooled before averaging.
 */
export function permutationDrops(o: ImportanceOptions): { baseline: number; rows: number; drops: Map<string, { primary: number[]; da: number[] }>; notes: string[] } {
  const repeats = o.repeats ?? IMPORTANCE_DEFAULTS.repeats;
  const maxFeatures = o.maxFeatures ?? IMPORTANCE_DEFAULTS.maxFeatures;
  const maxRows = o.maxRows ?? IMPORTANCE_DEFAULTS.maxRows;
  const notes: string[] = [];
  const labelled = o.samples.filter((s) => s.y !== null);
  const samples = labelled.slice(Math.max(0, labelled.length - maxRows));
  if (samples.length < labelled.length) notes.push(`importance on the last ${samples.length} of ${labelled.length} test rows`);
  const drops = new Map<string, { primary: number[]; da: number[] }>();
  if (samples.length < 2) return { baseline: NaN, rows: samples.length, drops, notes: [...notes, 'too few test rows for permutation importance'] };
  const d = o.columns.length;
  const higher = o.scorer.higherIsBetter;
  const base = metricsOf(samples, o.predict(samples), o.scorer);
  const features = o.columns.slice(0, maxFeatures);
  if (features.length < d) notes.push(`only the first ${features.length} of ${d} features were permuted (cost bound)`);
  const random = seededRandom(o.seed ?? 1);
  features.forEach((feature, j) => {
    const acc = { primary: [] as number[], da: [] as number[] };
    const batches: Sample[][] = [];
    for (let r = 0; r < repeats; r++) {
      const perm = shuffledIndices(samples.length, random);
      batches.push(
        samples.map((s, i) => {
          const donor = samples[perm[i] as number] as Sample;
          const x = s.x.slice();
          for (let k = 0; k < o.window; k++) x[k * d + j] = donor.x[k * d + j] as number;
          return { ...s, x };
        }),
      );
    }
    // One prediction call for all repeats of a feature: per-call overhead dominates small test windows.
    const all = o.predict(batches.flat());
    batches.forEach((permuted, r) => {
      const m = metricsOf(permuted, all.slice(r * samples.length, (r + 1) * samples.length), o.scorer);
      acc.primary.push(higher ? base.primary - m.primary : m.primary - base.primary);
      if (base.da !== null && m.da !== null) acc.da.push(base.da - m.da);
    });
    drops.set(feature, acc);
  });
  return { baseline: base.primary, rows: samples.length, drops, notes };
}

/** Summarise per-repeat drops (possibly pooled over folds) into a sorted table. */
export function summarizeImportance(parts: readonly ReturnType<typeof permutationDrops>[], scorer: Scorer, repeats: number): FeatureImportance {
  const pooled = new Map<string, { primary: number[]; da: number[] }>();
  for (const p of parts)
    for (const [f, v] of p.drops) {
      const cur = pooled.get(f) ?? { primary: [], da: [] };
      cur.primary.push(...v.primary);
      cur.da.push(...v.da);
      pooled.set(f, cur);
    }
  const rows = parts.reduce((a, p) => a + p.rows, 0);
  const baseline = rows ? parts.reduce((a, p) => a + (Number.isFinite(p.baseline) ? p.baseline * p.rows : 0), 0) / rows : NaN;
  const binary = scorer.metric === 'accuracy';
  const features = [...pooled].map(([feature, v]) => ({ feature, mean: mean(v.primary), std: std(v.primary), directional_accuracy_drop: binary || v.da.length === 0 ? null : mean(v.da) }));
  features.sort((a, b) => b.mean - a.mean || a.feature.localeCompare(b.feature));
  return { metric: scorer.metric, baseline, repeats, rows, features, notes: [...new Set(parts.flatMap((p) => p.notes))] };
}

export function permutationImportance(o: ImportanceOptions): FeatureImportance {
  return summarizeImportance([permutationDrops(o)], o.scorer, o.repeats ?? IMPORTANCE_DEFAULTS.repeats);
}
