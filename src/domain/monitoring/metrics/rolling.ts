/**
 * Rolling-window and per-group application of any metric over aligned arrays (target, prediction, …).
 * Generic on purpose: every metric in this folder has the shape `(a, b) => T`.
 */

export type PairMetric<A, B, T> = (a: readonly A[], b: readonly B[]) => T;

export interface RollingOptions {
  /** Fewest rows a window needs before the metric is computed; default the full window. */
  minPeriods?: number;
}

/**
 * `rolling(metric, window)(a, b)[i]` is the metric over rows max(0, i−window+1)..i — a trailing window
 * ending at row i, like pandas' `rolling(window, min_periods)` — or `null` while fewer than `minPeriods`
 * rows are available. Cost is O(n·window) metric work, fine for daily data.
 */
export function rolling<A, B, T>(
  metric: PairMetric<A, B, T>,
  window: number,
  opts: RollingOptions = {},
): (a: readonly A[], b: readonly B[]) => (T | null)[] {
  if (!Number.isInteger(window) || window < 1) throw new Error(`rolling: window must be a positive integer, got ${window}`);
  const minPeriods = opts.minPeriods ?? window;
  if (!Number.isInteger(minPeriods) || minPeriods < 1 || minPeriods > window) {
    throw new Error(`rolling: minPeriods must be an integer in 1..${window}, got ${minPeriods}`);
  }
  return (a, b) => {
    if (a.length !== b.length) throw new Error(`rolling: inputs differ in length (${a.length} vs ${b.length})`);
    const out: (T | null)[] = [];
    for (let i = 0; i < a.length; i++) {
      const start = Math.max(0, i - window + 1);
      out.push(i - start + 1 < minPeriods ? null : metric(a.slice(start, i + 1), b.slice(start, i + 1)));
    }
    return out;
  };
}

/**
 * The metric per group (e.g. per symbol), keyed by group in first-seen order, and pooled over all rows.
 * `groups[i]` labels row i of `a` and `b`.
 */
export function byGroup<A, B, T>(
  metric: PairMetric<A, B, T>,
  groups: readonly string[],
  a: readonly A[],
  b: readonly B[],
): { groups: Record<string, T>; pooled: T } {
  if (groups.length !== a.length || a.length !== b.length) {
    throw new Error(`byGroup: groups, a and b differ in length (${groups.length}, ${a.length}, ${b.length})`);
  }
  const rows = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const list = rows.get(g);
    if (list) list.push(i);
    else rows.set(g, [i]);
  });
  const out: Record<string, T> = {};
  for (const [g, idx] of rows) {
    out[g] = metric(
      idx.map((i) => a[i] as A),
      idx.map((i) => b[i] as B),
    );
  }
  return { groups: out, pooled: metric(a, b) };
}

/** Unweighted mean of numeric per-group values, skipping NaN (a "macro" average across symbols). */
export function macroAverage(values: Record<string, number>): number {
  const xs = Object.values(values).filter((v) => !Number.isNaN(v));
  return xs.length === 0 ? NaN : xs.reduce((s, v) => s + v, 0) / xs.length;
}
