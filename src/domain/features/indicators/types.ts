import type { Bar } from '../../market/types.ts';

/** Bar fields beyond `close` an indicator needs; close-only series cannot feed those indicators. */
export type BarField = 'open' | 'high' | 'low' | 'volume';

/**
 * A streaming feature: fed one bar at a time in date order, it returns one value per column,
 * `null` while warming up. Streaming makes look-ahead impossible by construction: a value for
 * day t can only depend on bars already seen. The live cycle appends one bar a day this way.
 */
export interface StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires: readonly BarField[];
  /** How a feature plan names it when it is dropped (e.g. `atr 14`); the factory's key when absent. */
  readonly name?: string;
  update(bar: Bar): readonly (number | null)[];
}

/** A streaming transform of one feature column (e.g. its lags): fed that column's value at each row. */
export interface StreamingTransform {
  readonly columns: readonly string[];
  update(value: number | null): readonly (number | null)[];
}

/**
 * One symbol's bars as columns, the batch path's input: typed arrays, one entry per bar, ascending
 * by date. A missing field (close-only series) is NaN.
 */
export interface OhlcvColumns {
  readonly length: number;
  readonly dates: readonly string[];
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** Bars → columns (NaN where a bar has no value). */
export function ohlcvColumns(bars: readonly Bar[]): OhlcvColumns {
  const n = bars.length;
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  const dates = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const b = bars[i]!;
    dates[i] = b.date;
    open[i] = b.open ?? NaN;
    high[i] = b.high ?? NaN;
    low[i] = b.low ?? NaN;
    close[i] = b.close;
    volume[i] = b.volume ?? NaN;
  }
  return { length: n, dates, open, high, low, close, volume };
}

/** Row i of the columns as a bar (null for NaN): the streaming fallback of a factory without a batch form. */
export function barAt(c: OhlcvColumns, i: number): Bar {
  const v = (x: number) => (Number.isNaN(x) ? null : x);
  return { date: c.dates[i]!, open: v(c.open[i]!), high: v(c.high[i]!), low: v(c.low[i]!), close: c.close[i]!, volume: v(c.volume[i]!) };
}

/** A column of n values, all missing (NaN) until written. */
export const missing = (n: number): Float64Array => new Float64Array(n).fill(NaN);

/** Pull a required field; the matrix builder never feeds a bar missing a required field. */
export function field(bar: Bar, name: BarField): number {
  const v = bar[name];
  if (v === null) throw new Error(`bar ${bar.date} has no ${name}`);
  return v;
}
