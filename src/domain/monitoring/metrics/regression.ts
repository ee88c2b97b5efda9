/**
 * Regression quality as Evidently 0.7.23 computes it (legacy/calculations/regression_performance.py
 * `_calculate_quality_metrics`, legacy/metrics/regression_performance/regression_quality.py, sklearn for
 * RMSE and R²). The error is `prediction − target`. Rows where target or prediction is missing, NaN or ±inf
 * are dropped first (Evidently `_prepare_dataset`).
 */

export type MaybeNumber = number | null | undefined;

/** numpy's float64 machine epsilon, Evidently's default MAPE epsilon. */
export const FLOAT64_EPS = 2.220446049250313e-16;

export interface Pairs {
  target: Float64Array;
  prediction: Float64Array;
}

const finite = (v: MaybeNumber): v is number => typeof v === 'number' && Number.isFinite(v);

/** Keeps the rows where both target and prediction are finite numbers. Lengths must match. */
export function cleanPairs(target: readonly MaybeNumber[], prediction: readonly MaybeNumber[]): Pairs {
  if (target.length !== prediction.length) {
    throw new Error(`target and prediction differ in length (${target.length} vs ${prediction.length})`);
  }
  const t: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < target.length; i++) {
    const a = target[i];
    const b = prediction[i];
    if (finite(a) && finite(b)) {
      t.push(a);
      p.push(b);
    }
  }
  return { target: Float64Array.from(t), prediction: Float64Array.from(p) };
}

function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return s / xs.length;
}

/** Errors `prediction − target` of the clean rows. */
export function errors(target: readonly MaybeNumber[], prediction: readonly MaybeNumber[]): Float64Array {
  const { target: t, prediction: p } = cleanPairs(target, prediction);
  return p.map((v, i) => v - (t[i] as number));
}

/** Mean error (bias), mean(prediction − target). NaN when no row is left. */
export function meanError(target: readonly MaybeNumber[], prediction: readonly MaybeNumber[]): number {
  return mean(errors(target, prediction));
}

/** Mean absolute error. */
export function meanAbsoluteError(target: readonly MaybeNumber[], prediction: readonly MaybeNumber[]): number {
  return mean(errors(target, prediction).map(Math.abs));
}

/** Root mean squared error (sklearn `root_mean_squared_error`). */
export function rootMeanSquaredError(target: readonly MaybeNumber[], prediction: readonly MaybeNumber[]): number {
  return Math.sqrt(mean(errors(target, prediction).map((e) => e * e)));
}

export interface MapeOptions {
  /**
   * `'evidently'` (default): |err| / max(target, eps) — Evidently's exact formula. Note it is *not* |target|:
   * a negative target divides by eps and yields an enormous percentage (e.g. 1e16 for daily returns).
   * `'abs'`: |err| / max(|target|, eps), the textbook MAPE.
   */
  denominator?: 'evidently' | 'abs';
  /** Values with |target| ≤ eps count as "near zero". Default `FLOAT64_EPS` (Evidently's default). */
  epsilon?: number;
  /**
   * Near-zero targets: `'replace'` (default, Evidently's choice for current data) uses `replaceValue` as the
   * row's fraction (1.0 = 100 %); `'drop'` leaves the row out (Evidently's choice for reference data);
   * `'none'` keeps the raw quotient.
   */
  zeroHandling?: 'replace' | 'drop' | 'none';
  replaceValue?: number;
}

/** Mean absolute percentage error in percent, 100·mean(|err| / max(target, eps)) with Evidently's zero handling. */
export function meanAbsolutePercentageError(
  target: readonly MaybeNumber[],
  prediction: readonly MaybeNumber[],
  opts: MapeOptions = {},
): number {
  const eps = opts.epsilon ?? FLOAT64_EPS;
  const handling = opts.zeroHandling ?? 'replace';
  const replaceValue = opts.replaceValue ?? 1.0;
  const absDenominator = opts.denominator === 'abs';
  const { target: t, prediction: p } = cleanPairs(target, prediction);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < t.length; i++) {
    const y = t[i] as number;
    const nearZero = !(Math.abs(y) > eps);
    if (nearZero && handling === 'drop') continue;
    const ape = nearZero && handling === 'replace' ? replaceValue : Math.abs((p[i] as number) - y) / Math.max(absDenominator ? Math.abs(y) : y, eps);
    sum += ape;
    n++;
  }
  return n === 0 ? NaN : (100.0 * sum) / n;
}

/**
 * R² (sklearn `r2_score`): 1 − SS_res/SS_tot. A constant target gives 1 when predictions are perfect and 0
 * otherwise (sklearn's `force_finite`); fewer than two rows give NaN (sklearn warns and returns NaN).
 */
export function r2Score(target: readonly MaybeNumber[], prediction: readonly MaybeNumber[]): number {
  const { target: t, prediction: p } = cleanPairs(target, prediction);
  if (t.length < 2) return NaN;
  const m = mean(t);
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < t.length; i++) {
    const y = t[i] as number;
    const e = y - (p[i] as number);
    ssRes += e * e;
    ssTot += (y - m) * (y - m);
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

/**
 * Share of rows where sign(prediction) = sign(target) (not an Evidently metric). Zeros are a sign of their
 * own: a zero prediction is right only for a zero target, and a zero target is matched only by a zero
 * prediction — so "no move" predicted for a move counts as wrong.
 */
export function directionalAccuracy(target: readonly MaybeNumber[], prediction: readonly MaybeNumber[]): number {
  const { target: t, prediction: p } = cleanPairs(target, prediction);
  if (t.length === 0) return NaN;
  let hits = 0;
  for (let i = 0; i < t.length; i++) if (Math.sign(t[i] as number) === Math.sign(p[i] as number)) hits++;
  return hits / t.length;
}

/** Quantile of sorted values with linear interpolation (numpy's default, "type 7"). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const frac = pos - lo;
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return frac === 0 ? a : a + (b - a) * frac;
}

/** Probabilities used by `errorQuantiles` unless others are given (min, 5 %, quartiles, 95 %, max). */
export const DEFAULT_ERROR_QUANTILES: readonly number[] = [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1];

/** Quantiles of the error `prediction − target`, for an error-distribution chart: `[{ q, value }]`. */
export function errorQuantiles(
  target: readonly MaybeNumber[],
  prediction: readonly MaybeNumber[],
  probs: readonly number[] = DEFAULT_ERROR_QUANTILES,
): { q: number; value: number }[] {
  const sorted = errors(target, prediction).sort();
  return probs.map((q) => ({ q, value: quantileSorted(sorted, q) }));
}

export interface RegressionMetrics {
  /** Rows used (both values finite). */
  n: number;
  me: number;
  mae: number;
  rmse: number;
  /** Percent. Formula per `MapeOptions` (Evidently's by default). */
  mape: number;
  r2: number;
  directional_accuracy: number;
  error_quantiles: { q: number; value: number }[];
}

/**
 * All regression metrics in one pass over the clean rows (what the reports use; the single-metric functions
 * above are for `rolling` and per-group use). O(n log n) for the quantiles, O(n) otherwise.
 */
export function regressionMetrics(
  target: readonly MaybeNumber[],
  prediction: readonly MaybeNumber[],
  opts: { mape?: MapeOptions; quantiles?: readonly number[] } = {},
): RegressionMetrics {
  const { target: t, prediction: p } = cleanPairs(target, prediction);
  const n = t.length;
  const err = new Float64Array(n);
  let sumErr = 0;
  let sumAbs = 0;
  let sumSq = 0;
  let sumT = 0;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const y = t[i] as number;
    const e = (p[i] as number) - y;
    err[i] = e;
    sumErr += e;
    sumAbs += Math.abs(e);
    sumSq += e * e;
    sumT += y;
    if (Math.sign(y) === Math.sign(p[i] as number)) hits++;
  }
  const tMean = sumT / n;
  let ssTot = 0;
  for (let i = 0; i < n; i++) ssTot += ((t[i] as number) - tMean) ** 2;
  const r2 = n < 2 ? NaN : ssTot === 0 ? (sumSq === 0 ? 1 : 0) : 1 - sumSq / ssTot;
  const tArr = Array.from(t);
  const pArr = Array.from(p);
  err.sort();
  return {
    n,
    me: n ? sumErr / n : NaN,
    mae: n ? sumAbs / n : NaN,
    rmse: n ? Math.sqrt(sumSq / n) : NaN,
    mape: meanAbsolutePercentageError(tArr, pArr, opts.mape),
    r2,
    directional_accuracy: n ? hits / n : NaN,
    error_quantiles: (opts.quantiles ?? DEFAULT_ERROR_QUANTILES).map((q) => ({ q, value: quantileSorted(err, q) })),
  };
}
