/**
 * The drift statistics behind Evidently 0.7's stat tests (evidently/legacy/calculations/stattests/*.py), each
 * reproducing the scipy/numpy call Evidently makes. Inputs are already cleaned (no null / NaN / ±inf).
 * Categorical values are compared by identity (`Map` keys: 1 and "1" differ, like pandas object values).
 */
import gammainc from '@stdlib/math-base-special-gammainc';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';

type Key = number | string;

/** Value → count, in first-seen order. */
export function countValues(values: readonly Key[]): Map<Key, number> {
  const counts = new Map<Key, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

/** Distinct values of both samples (Evidently `get_unique_not_nan_values_list_from_series`). */
function unionKeys(ref: Map<Key, number>, cur: Map<Key, number>): Key[] {
  const keys = new Set<Key>(ref.keys());
  for (const k of cur.keys()) keys.add(k);
  return [...keys];
}

/** `scipy.stats.chi2.sf(x, df)` = Q(df/2, x/2), the regularized upper incomplete gamma function. */
export function chi2Sf(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return NaN;
  if (x === Infinity) return 0;
  if (x <= 0) return 1;
  return gammainc(x / 2, df / 2, true, true);
}

/**
 * Evidently `chisquare`: expected frequencies are the reference counts scaled to the current size
 * (`ref_count · n_cur / n_ref`) over the union of categories; p = `scipy.stats.chisquare(f_obs, f_exp)`
 * (df = k − 1). A category seen only in current has expected 0 → statistic ∞ → p = 0, as in scipy.
 * With a single category scipy returns NaN (df = 0); we return 1 (both samples are identical).
 */
export function chiSquarePvalue(reference: readonly Key[], current: readonly Key[]): number {
  const refCounts = countValues(reference);
  const curCounts = countValues(current);
  const keys = unionKeys(refCounts, curCounts);
  if (keys.length < 2) return 1;
  const kNorm = current.length / reference.length;
  let stat = 0;
  for (const key of keys) {
    const exp = (refCounts.get(key) ?? 0) * kNorm;
    const obs = curCounts.get(key) ?? 0;
    stat += ((obs - exp) * (obs - exp)) / exp;
  }
  return chi2Sf(stat, keys.length - 1);
}

/**
 * Evidently `z`: two-proportion Z test of "value ≠ first sorted category" between the samples, pooled
 * variance, p = 2·(1 − Φ(|z|)) exactly as Evidently writes it (so p is 0, not tiny, beyond |z| ≈ 8.3).
 * Both samples constant and equal → p = 1. Which category is "first" only flips the sign of z.
 */
export function zTestPvalue(reference: readonly Key[], current: readonly Key[]): number {
  const refCounts = countValues(reference);
  const curCounts = countValues(current);
  if (refCounts.size === 1 && curCounts.size === 1 && refCounts.keys().next().value === curCounts.keys().next().value) {
    return 1;
  }
  const keys = unionKeys(refCounts, curCounts).sort(compareKeys);
  const first = keys[0] as Key;
  const n1 = reference.length;
  const n2 = current.length;
  const p1 = (n1 - (refCounts.get(first) ?? 0)) / n1;
  const p2 = (n2 - (curCounts.get(first) ?? 0)) / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2));
  return 2 * (1 - normalCdf(Math.abs(z), 0, 1));
}

function compareKeys(a: Key, b: Key): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Population standard deviation (`np.std`, ddof 0), two-pass. */
export function stdPopulation(values: ArrayLike<number>): number {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i] as number;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / n);
}

/**
 * `scipy.stats.wasserstein_distance(u, v)` (1-D, unweighted): ∫|F_u − F_v| over the merged sorted values.
 * O((n+m) log(n+m)) for the sorts, then one merge walk.
 */
export function wassersteinDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  const a = Float64Array.from(u).sort();
  const b = Float64Array.from(v).sort();
  const n = a.length;
  const m = b.length;
  // Merge the two sorted samples (scipy sorts their concatenation; same result, O(n + m)).
  const all = new Float64Array(n + m);
  for (let x = 0, y = 0, k = 0; k < n + m; k++) {
    all[k] = y >= m || (x < n && (a[x] as number) <= (b[y] as number)) ? (a[x++] as number) : (b[y++] as number);
  }
  let i = 0;
  let j = 0;
  let total = 0;
  for (let k = 0; k < all.length - 1; k++) {
    const x = all[k] as number;
    while (i < n && (a[i] as number) <= x) i++;
    while (j < m && (b[j] as number) <= x) j++;
    total += Math.abs(i / n - j / m) * ((all[k + 1] as number) - x);
  }
  return total;
}

/** Evidently `wasserstein`: Wasserstein distance divided by max(std(reference, ddof 0), 0.001). */
export function wassersteinNormed(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const norm = Math.max(stdPopulation(reference), 0.001);
  return wassersteinDistance(reference, current) / norm;
}

/**
 * `np.histogram_bin_edges(values, bins='sturges')`: n_bins = ceil(ptp / (ptp / (log2(n) + 1))) (computed
 * as numpy does, so the float rounding of the ratio is the same), edges = `np.linspace(min, max, n_bins+1)`
 * (i·step + min, last edge exactly max). Integer-only data gets a bin width of at least 1, like numpy does
 * for integer arrays.
 */
export function sturgesEdges(values: ArrayLike<number>): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  let allInt = true;
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
    if (allInt && !Number.isInteger(x)) allInt = false;
  }
  const ptp = hi - lo;
  let first = lo;
  let last = hi;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  let nBins = 1;
  let width = ptp / (Math.log2(values.length) + 1.0);
  if (width) {
    if (allInt && width < 1) width = 1;
    nBins = Math.ceil((last - first) / width);
  }
  const num = nBins + 1;
  const delta = last - first;
  const step = delta / nBins;
  const edges = new Float64Array(num);
  for (let i = 0; i < num; i++) edges[i] = step === 0 ? ((i / nBins) * delta) + first : i * step + first;
  edges[num - 1] = last;
  return edges;
}

/**
 * `np.histogram(values, edges)[0]`: bin i holds edges[i] ≤ x < edges[i+1], the last bin also holds x = max
 * edge; values outside are not counted.
 */
export function histogramCounts(values: ArrayLike<number>, edges: Float64Array): Float64Array {
  const nb = edges.length - 1;
  const counts = new Float64Array(nb);
  const lo = edges[0] as number;
  const hi = edges[nb] as number;
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    if (x < lo || x > hi) continue;
    // Binary search for the last edge ≤ x (searchsorted semantics); x === hi goes to the last bin.
    let a = 0;
    let b = nb;
    while (b - a > 1) {
      const mid = (a + b) >> 1;
      if ((edges[mid] as number) <= x) a = mid;
      else b = mid;
    }
    counts[a] = (counts[a] as number) + 1;
  }
  return counts;
}

/**
 * Evidently `get_binned_data`: numerical columns with more than 20 distinct *reference* values are binned
 * with Sturges edges over reference ∪ current; anything else uses per-category shares over the union of
 * categories. With `fillZeroes` (PSI), zero shares become min(non-zero share)/1e6 when that minimum is
 * ≤ 1e-4, else 1e-4 — separately for each side.
 */
export function binnedShares(
  reference: readonly Key[],
  current: readonly Key[],
  numerical: boolean,
  fillZeroes: boolean,
): { ref: Float64Array; cur: Float64Array } {
  const refCounts = countValues(reference);
  let ref: Float64Array;
  let cur: Float64Array;
  if (numerical && refCounts.size > 20) {
    const r = reference as readonly number[];
    const c = current as readonly number[];
    const combined = new Float64Array(r.length + c.length);
    combined.set(r);
    combined.set(c, r.length);
    const edges = sturgesEdges(combined);
    ref = histogramCounts(r, edges).map((x) => x / r.length);
    cur = histogramCounts(c, edges).map((x) => x / c.length);
  } else {
    const curCounts = countValues(current);
    const keys = unionKeys(refCounts, curCounts);
    ref = Float64Array.from(keys, (k) => (refCounts.get(k) ?? 0) / reference.length);
    cur = Float64Array.from(keys, (k) => (curCounts.get(k) ?? 0) / current.length);
  }
  if (fillZeroes) {
    fillZeros(ref);
    fillZeros(cur);
  }
  return { ref, cur };
}

function fillZeros(shares: Float64Array): void {
  let min = Infinity;
  for (const s of shares) if (s !== 0 && s < min) min = s;
  if (min === Infinity) return;
  const fill = min <= 0.0001 ? min / 10 ** 6 : 0.0001;
  for (let i = 0; i < shares.length; i++) if (shares[i] === 0) shares[i] = fill;
}

/** Evidently `psi`: Σ (r − c)·ln(r / c) over zero-filled shares. */
export function psi(reference: readonly Key[], current: readonly Key[], numerical: boolean): number {
  const { ref, cur } = binnedShares(reference, current, numerical, true);
  let total = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] as number;
    const c = cur[i] as number;
    total += (r - c) * Math.log(r / c);
  }
  return total;
}

/** `scipy.spatial.distance.jensenshannon(p, q)` (natural log): sqrt of the JS divergence. */
export function jensenShannonDistance(p: Float64Array, q: Float64Array): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i] as number;
    sq += q[i] as number;
  }
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = (p[i] as number) / sp;
    const qi = (q[i] as number) / sq;
    const m = (pi + qi) / 2.0;
    if (pi > 0) left += pi * Math.log(pi / m);
    if (qi > 0) right += qi * Math.log(qi / m);
  }
  return Math.sqrt((left + right) / 2.0);
}

/** Evidently `jensenshannon`: JS distance of the binned shares (no zero filling). */
export function jensenShannon(reference: readonly Key[], current: readonly Key[], numerical: boolean): number {
  const { ref, cur } = binnedShares(reference, current, numerical, false);
  return jensenShannonDistance(ref, cur);
}
