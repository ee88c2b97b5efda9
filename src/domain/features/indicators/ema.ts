import { EMA, SMA } from 'trading-signals';
import type { Bar } from '../../market/types.ts';
import { defineFeature, periods } from '../factory.ts';
import { missing, type StreamingIndicator } from './types.ts';

/**
 * EMA(p) seeded with the SMA of the first p values (k = 2 / (p + 1)), on trading-signals' SMA and EMA.
 * Hand-seeded because trading-signals' EMA starts from the first value instead of the SMA (the
 * textbook and TA-Lib seed); feeding that EMA the SMA as its first input gives the seeded recursion.
 */
export class SeededEma {
  private readonly seed: SMA;
  private readonly ema: EMA;
  private seeded = false;
  constructor(readonly period: number) {
    this.seed = new SMA(period);
    this.ema = new EMA(period);
  }
  /** The EMA after this value; null for the first p − 1 values. */
  add(x: number): number | null {
    if (this.seeded) return this.ema.add(x);
    const s = this.seed.add(x);
    if (s === null) return null;
    this.seeded = true;
    return this.ema.add(s);
  }
}

/** Batch form of SeededEma over a column, in the same arithmetic; NaN inputs before the first value are skipped. */
export function emaColumn(x: Float64Array, p: number, start = 0): Float64Array {
  const out = missing(x.length);
  const k = 2 / (p + 1);
  const first = start + p - 1;
  if (first >= x.length) return out;
  let s = 0;
  for (let i = start; i <= first; i++) s += x[i]!;
  s /= p;
  let prev = s * k + s * (1 - k);
  out[first] = prev;
  for (let i = first + 1; i < x.length; i++) out[i] = prev = x[i]! * k + prev * (1 - k);
  return out;
}

/** Close as a relative distance from its EMA, so one pooled model can serve symbols at any price level. */
export class EmaGap implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = [] as const;
  readonly name: string;
  private readonly ema: SeededEma;
  constructor(readonly period: number) {
    this.columns = [`ema_${period}_gap`];
    this.name = `ema ${period}`;
    this.ema = new SeededEma(period);
  }
  update(bar: Bar): readonly (number | null)[] {
    const v = this.ema.add(bar.close);
    return [v === null ? null : bar.close / v - 1];
  }
}

export function emaGapColumn(close: Float64Array, p: number): Float64Array {
  const e = emaColumn(close, p);
  for (let i = p - 1; i < e.length; i++) e[i] = close[i]! / e[i]! - 1;
  return e;
}

export const emaFeature = defineFeature({
  kind: 'bars',
  key: 'ema',
  schema: periods,
  requires: [],
  columns: (ps) => ps.map((p) => `ema_${p}_gap`),
  make: (ps) => ps.map((p) => new EmaGap(p)),
  batch: (ps, bars) => ps.map((p) => emaGapColumn(bars.close, p)),
});
