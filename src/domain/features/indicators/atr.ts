import { getTrueRange, WSMA } from 'trading-signals';
import type { Bar } from '../../market/types.ts';
import { defineFeature, periods } from '../factory.ts';
import { field, missing, type StreamingIndicator } from './types.ts';

/**
 * Wilder's average true range as a fraction of the close. Needs high and low. True ranges start at the
 * second bar (a true range needs the previous close); the first ATR is their mean over p bars, then
 * Wilder smoothing. On trading-signals' true range and WSMA, not its ATR, which counts the first
 * bar's high − low as a true range and so seeds one bar early.
 */
export class AtrPct implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = ['high', 'low'] as const;
  readonly name: string;
  private readonly wsma: WSMA;
  private prevClose: number | null = null;
  constructor(readonly period: number) {
    this.columns = [`atr_${period}_pct`];
    this.name = `atr ${period}`;
    this.wsma = new WSMA(period);
  }
  update(bar: Bar): readonly (number | null)[] {
    const prev = this.prevClose;
    this.prevClose = bar.close;
    if (prev === null) return [null];
    const v = this.wsma.add(getTrueRange({ high: field(bar, 'high'), low: field(bar, 'low'), close: bar.close }, prev));
    return [v === null ? null : v / bar.close];
  }
}

/** ATR(p) / close in one pass (first value at index p). */
export function atrPctColumn(high: Float64Array, low: Float64Array, close: Float64Array, p: number): Float64Array {
  const out = missing(close.length);
  const f = 1 / p;
  let a = 0;
  for (let i = 1; i < close.length; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const pc = close[i - 1]!;
    const tr = Math.max(h - l, Math.abs(h - pc), Math.abs(l - pc));
    if (i < p) {
      a += tr;
      continue;
    }
    a = i === p ? (a + tr) / p : (tr - a) * f + a;
    out[i] = a / close[i]!;
  }
  return out;
}

export const atrFeature = defineFeature({
  kind: 'bars',
  key: 'atr',
  schema: periods,
  requires: ['high', 'low'],
  columns: (ps) => ps.map((p) => `atr_${p}_pct`),
  make: (ps) => ps.map((p) => new AtrPct(p)),
  batch: (ps, bars) => ps.map((p) => atrPctColumn(bars.high, bars.low, bars.close, p)),
});
