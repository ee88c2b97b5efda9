/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, as `scipy.stats.ks_2samp(a, b)` (default `method='auto'`,
 * scipy 1.17): exact p-value when both samples have at most 10,000 values, otherwise `kstwo.sf(d, round(en))`
 * with `en = n1·n2/(n1+n2)`. Evidently's `ks` test calls exactly this and uses the p-value.
 */
import { kolmogorovSf } from './kolmogorov.ts';

/** scipy's `MAX_AUTO_N`: above this many values in either sample 'auto' switches to the asymptotic p-value. */
const MAX_AUTO_N = 10_000;

export interface KsResult {
  statistic: number;
  pvalue: number;
  method: 'exact' | 'asymp';
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** numpy's `round` (half to even), used by scipy for the effective sample size. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The KS statistic of two ascending-sorted samples: max |F1 − F2| over all data points, where F is the
 * right-continuous ECDF (scipy evaluates `searchsorted(side='right')/n` at every point; walking the merged
 * distinct values gives the same extremes in O(n1 + n2)).
 */
export function ksStatistic(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxS = -Infinity;
  let minS = Infinity;
  while (i < n1 || j < n2) {
    const v = i < n1 && (j >= n2 || (a[i] as number) <= (b[j] as number)) ? (a[i] as number) : (b[j] as number);
    while (i < n1 && (a[i] as number) <= v) i++;
    while (j < n2 && (b[j] as number) <= v) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxS) maxS = diff;
    if (diff < minS) minS = diff;
  }
  const minClipped = Math.min(Math.max(-minS, 0), 1);
  return minClipped > maxS ? minClipped : maxS;
}

/**
 * Pr(D ≥ h/n) for two samples of equal size n: scipy `_compute_prob_outside_square` (a Horner-like
 * evaluation of 2·Σ ±binom(2n, n−kh)/binom(2n, n)). Same operation order as scipy, for bit-level parity.
 */
function probOutsideSquare(n: number, h: number): number {
  let P = 0.0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1.0;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1.0 - P);
    k -= 1;
  }
  return 2 * P;
}

/**
 * Hand-written because no JavaScript statistics library implements the exact two-sample KS distribution:
 * this is scipy's `_compute_outer_prob_inside_method` (Hodges' lattice-path "inside" method with
 * Viehmann's recursion for 1 − p), ported line by line so p-values agree with scipy to rounding.
 * Returns the proportion of lattice paths from (0,0) to (m,n) that leave |x/m − y/n| < h/lcm(m,n).
 */
function outerProbInsideMethod(m0: number, n0: number, g: number, h: number): number {
  let m = m0;
  let n = n0;
  if (m < n) [m, n] = [n, m];
  const mg = Math.floor(m / g);
  const ng = Math.floor(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1.0;
    let val = minj === 0 ? 0.0 : 1.0;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = ((A[jj + minj - lastminj] as number) * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1] as number;
}

/**
 * The exact p-value depends only on (n1, n2, h). A monitor tests the same sample sizes day after day
 * (one reference window per champion, a current window of fixed length) and h takes few values, so the
 * O(n1·n2) lattice walk is remembered: a bounded memo of a pure function, cleared when full.
 */
const EXACT_MEMO_LIMIT = 20_000;
const exactMemo = new Map<string, number | null>();

/** scipy `_attempt_exact_2kssamp` for the two-sided alternative; `null` when scipy would fall back to asymp. */
function exactPvalue(n1: number, n2: number, d: number): number | null {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = Math.round(d * lcm);
  if (h === 0) return 1.0;
  const key = `${n1},${n2},${h}`;
  const known = exactMemo.get(key);
  if (known !== undefined) return known;
  const prob = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInsideMethod(n1, n2, g, h);
  const p = !Number.isFinite(prob) || !(prob >= 0 && prob <= 1) ? null : prob;
  if (exactMemo.size >= EXACT_MEMO_LIMIT) exactMemo.clear();
  exactMemo.set(key, p);
  return p;
}

/** `scipy.stats.ks_2samp(a, b)` two-sided with `method='auto'`. Inputs must be finite; they are sorted here. */
export function ks2samp(reference: ArrayLike<number>, current: ArrayLike<number>): KsResult {
  return ks2sampSorted(Float64Array.from(reference).sort(), Float64Array.from(current).sort());
}

/** `ks2samp` of two samples already sorted ascending (a reference sorted once and tested every day). */
export function ks2sampSorted(a: Float64Array, b: Float64Array): KsResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new Error('ks2samp: samples must not be empty');
  const d = ksStatistic(a, b);
  if (Math.max(n1, n2) <= MAX_AUTO_N) {
    const p = exactPvalue(n1, n2, d);
    if (p !== null) return { statistic: d, pvalue: Math.min(Math.max(p, 0), 1), method: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  const p = kolmogorovSf(roundHalfEven(en), d);
  return { statistic: d, pvalue: Math.min(Math.max(p, 0), 1), method: 'asymp' };
}
