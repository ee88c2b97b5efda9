import { missing } from './types.ts';

/**
 * Trailing-window statistics, one implementation for both paths: the streaming indicators push one
 * value a day into a `RollingWindow`, the batch kernels below push a whole column through the same
 * class, so the two agree bit for bit.
 *
 * O(1) per value: sums of (x − k) and (x − k)² slide in and out, with the shift k (a recent value)
 * keeping the cancellation in Σ(x−k)² − (Σ(x−k))²/p small. Both sums are recomputed exactly every p
 * values, so rounding cannot accumulate, and at once when a value entering or leaving is far from k
 * next to the window's spread (a jump in level), where the cancellation would cost digits: the
 * spread stays within ~1e-12 of the window's own two-pass value. A window of p equal values is flat
 * exactly (spread 0), whatever the rounding. A non-finite value makes the window unready until p
 * finite values follow, as a window holding it would be undefined.
 */
/** How far (squared, in window variances) a value may sit from the shift before the sums are redone. */
const FAR = 1e3;

export class RollingWindow {
  private readonly buf: Float64Array;
  private head = 0;
  /** Finite values pushed in a row: the window is full when this reaches its size. */
  private run = 0;
  /** Values equal to the latest, in a row: the window is flat when this reaches its size. */
  private equal = 0;
  private last = NaN;
  private shift = 0;
  private s1 = 0;
  private s2 = 0;
  private sinceExact = 0;

  constructor(readonly size: number) {
    this.buf = new Float64Array(size);
  }

  push(x: number): void {
    const size = this.size;
    const old = this.buf[this.head]!;
    this.buf[this.head] = x;
    this.head = this.head + 1 === size ? 0 : this.head + 1;
    // x − x is 0 for every finite x, NaN for NaN and ±Infinity.
    if (x - x !== 0) {
      this.run = 0;
      this.equal = 0;
      this.last = NaN;
      return;
    }
    this.equal = x === this.last ? this.equal + 1 : 1;
    this.last = x;
    if (++this.run < size) return;
    if (this.run === size || ++this.sinceExact === size) return this.exact(x);
    const a = x - this.shift;
    const b = old - this.shift;
    const s1 = this.s1 + (a - b);
    const s2 = this.s2 + (a * a - b * b);
    // Far values next to the spread: Σ(x−k)² − (Σ(x−k))²/p would cancel most digits, so sum afresh.
    if ((a * a + b * b) * size > FAR * (s2 - (s1 * s1) / size)) return this.exact(x);
    this.s1 = s1;
    this.s2 = s2;
  }

  /** Both sums afresh over the window (oldest first), around the newest value. */
  private exact(shift: number): void {
    let s1 = 0;
    let s2 = 0;
    const size = this.size;
    for (let k = 0, i = this.head; k < size; k++, i = i + 1 === size ? 0 : i + 1) {
      const d = this.buf[i]! - shift;
      s1 += d;
      s2 += d * d;
    }
    this.shift = shift;
    this.s1 = s1;
    this.s2 = s2;
    this.sinceExact = 0;
  }

  /** The last `size` values are all finite. */
  get full(): boolean {
    return this.run >= this.size;
  }

  /** The last `size` values are all equal. */
  get flat(): boolean {
    return this.equal >= this.size;
  }

  /** Mean of the window (when full). */
  get mean(): number {
    return this.shift + this.s1 / this.size;
  }

  /** Σ (x − mean)² over the window (when full); exactly 0 when flat. */
  private squaredDeviations(): number {
    if (this.flat) return 0;
    const ss = this.s2 - (this.s1 * this.s1) / this.size;
    return ss > 0 ? ss : 0;
  }

  /** Sample standard deviation (n − 1) of the window (when full, size ≥ 2). */
  sampleStd(): number {
    return Math.sqrt(this.squaredDeviations() / (this.size - 1));
  }

  /** Population standard deviation (n) of the window (when full). */
  populationStd(): number {
    return Math.sqrt(this.squaredDeviations() / this.size);
  }

  /** x (the newest value) as a z-score within the window (sample std); 0 when the window is flat. */
  zScore(x: number): number {
    const sd = this.sampleStd();
    return sd === 0 ? 0 : (x - this.shift - this.s1 / this.size) / sd;
  }
}

/**
 * Mean of each trailing window of p values (NaN until the window holds p finite values): the sum of
 * (x − k) slides in O(1) and is recomputed exactly every p values, as in RollingWindow (without its
 * spread, which a mean does not need).
 */
export function windowMeans(x: Float64Array, p: number): Float64Array {
  const n = x.length;
  const out = missing(n);
  let run = 0;
  let since = 0;
  let shift = 0;
  let s1 = 0;
  for (let t = 0; t < n; t++) {
    const v = x[t]!;
    if (v - v !== 0) {
      run = 0;
      continue;
    }
    if (++run < p) continue;
    const a = v - shift;
    const b = x[t - p]! - shift;
    // Afresh every p values, and when a value entering or leaving is 100× the level away from the shift
    // (a jump in level), where the sliding sum would lose digits of the mean.
    if (run === p || ++since === p || Math.abs(a) + Math.abs(b) > 100 * Math.abs(v)) {
      shift = v;
      s1 = 0;
      for (let k = t - p + 1; k <= t; k++) s1 += x[k]! - shift;
      since = 0;
    } else s1 += a - b;
    out[t] = shift + s1 / p;
  }
  return out;
}

/** Sample standard deviation over each trailing window of p values (p ≥ 2). */
export function rollingSampleStd(x: Float64Array, p: number): Float64Array {
  const out = missing(x.length);
  const w = new RollingWindow(p);
  for (let t = 0; t < x.length; t++) {
    w.push(x[t]!);
    if (w.full) out[t] = w.sampleStd();
  }
  return out;
}

/** x[t] as a z-score within its trailing window of p values (sample std, p ≥ 2); 0 when the window is flat. */
export function rollingZScore(x: Float64Array, p: number): Float64Array {
  const out = missing(x.length);
  const w = new RollingWindow(p);
  for (let t = 0; t < x.length; t++) {
    const v = x[t]!;
    w.push(v);
    if (w.full) out[t] = w.zScore(v);
  }
  return out;
}

/**
 * Highest and lowest of each trailing window of p values, O(1) per value whatever p (van Herk /
 * Gil-Werman: running extremes within blocks of p, forwards, then backwards; a window spans at most two
 * blocks). Exact: a max is a max in any order.
 */
export function windowExtremes(high: Float64Array, low: Float64Array, p: number): { highest: Float64Array; lowest: Float64Array } {
  const n = high.length;
  // Forwards: extremes from the start of each block to i (kept in the outputs, then combined in place).
  const highest = new Float64Array(n);
  const lowest = new Float64Array(n);
  let hi = -Infinity;
  let lo = Infinity;
  for (let i = 0; i < n; i++) {
    if (i % p === 0) {
      hi = -Infinity;
      lo = Infinity;
    }
    const h = high[i]!;
    const l = low[i]!;
    if (h > hi) hi = h;
    if (l < lo) lo = l;
    highest[i] = hi;
    lowest[i] = lo;
  }
  // Backwards: extremes from a to the end of its block, combined with the forward ones at t = a + p − 1.
  for (let a = n - 1; a >= 0; a--) {
    if (a === n - 1 || (a + 1) % p === 0) {
      hi = -Infinity;
      lo = Infinity;
    }
    const h = high[a]!;
    const l = low[a]!;
    if (h > hi) hi = h;
    if (l < lo) lo = l;
    const t = a + p - 1;
    if (t < n) {
      if (hi > highest[t]!) highest[t] = hi;
      if (lo < lowest[t]!) lowest[t] = lo;
    }
  }
  highest.fill(NaN, 0, Math.min(p - 1, n));
  lowest.fill(NaN, 0, Math.min(p - 1, n));
  return { highest, lowest };
}
