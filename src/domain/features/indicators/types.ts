import type { Bar } from '../../market/types.ts';

/** Bar fields beyond `close` an indicator needs; close-only series cannot feed those indicators. */
export type BarField = 'open' | 'high' | 'low' | 'volume';

/**
 * A streaming feature: fed one bar at a time in date order, it returns one value per column,
 * `null` while warming up. Streaming makes look-ahead impossible by construction: a value for
 * day t can only depend on bars already seen.
 */
export interface StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires: readonly BarField[];
  update(bar: Bar): readonly (number | null)[];
}

/** Pull a required field; the matrix builder never feeds a bar missing a required field. */
export function field(bar: Bar, name: BarField): number {
  const v = bar[name];
  if (v === null) throw new Error(`bar ${bar.date} has no ${name}`);
  return v;
}

/** A fixed-size ring of recent numbers with O(1) running sum and sum of squares. */
export class RollingWindow {
  private readonly buf: number[] = [];
  private head = 0;
  private sum = 0;
  private sumSq = 0;
  constructor(readonly size: number) {}
  push(x: number): void {
    if (this.buf.length < this.size) {
      this.buf.push(x);
    } else {
      const old = this.buf[this.head] as number;
      this.sum -= old;
      this.sumSq -= old * old;
      this.buf[this.head] = x;
      this.head = (this.head + 1) % this.size;
    }
    this.sum += x;
    this.sumSq += x * x;
  }
  get full(): boolean {
    return this.buf.length === this.size;
  }
  get mean(): number {
    return this.sum / this.buf.length;
  }
  /** Sample standard deviation (n − 1), recomputed exactly to avoid drift from running sums. */
  sampleStd(): number {
    const n = this.buf.length;
    if (n < 2) return 0;
    const m = this.buf.reduce((a, b) => a + b, 0) / n;
    let ss = 0;
    for (const x of this.buf) ss += (x - m) * (x - m);
    return Math.sqrt(ss / (n - 1));
  }
  /** Oldest value in the window (the one that falls out next). */
  oldest(): number {
    return (this.buf.length < this.size ? this.buf[0] : this.buf[this.head]) as number;
  }
}
