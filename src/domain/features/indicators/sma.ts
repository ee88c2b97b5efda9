import { SMA } from 'trading-signals';
import type { Bar } from '../../market/types.ts';
import { defineFeature, periods } from '../factory.ts';
import type { StreamingIndicator } from './types.ts';
import { windowMeans } from './window.ts';

/** Simple moving average (the seeds' "DMA"), as the close's relative distance from it; on trading-signals' SMA. */
export class SmaGap implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = [] as const;
  readonly name: string;
  private readonly sma: SMA;
  constructor(readonly period: number) {
    this.columns = [`sma_${period}_gap`];
    this.name = `sma ${period}`;
    this.sma = new SMA(period);
  }
  update(bar: Bar): readonly (number | null)[] {
    const v = this.sma.add(bar.close);
    return [v === null ? null : bar.close / v - 1];
  }
}

/** close / SMA(p) − 1; each window summed afresh in date order, as trading-signals does. */
export function smaGapColumn(close: Float64Array, p: number): Float64Array {
  const out = windowMeans(close, p);
  for (let i = 0; i < out.length; i++) out[i] = close[i]! / out[i]! - 1;
  return out;
}

export const smaFeature = defineFeature({
  kind: 'bars',
  key: 'sma',
  schema: periods,
  requires: [],
  columns: (ps) => ps.map((p) => `sma_${p}_gap`),
  make: (ps) => ps.map((p) => new SmaGap(p)),
  batch: (ps, bars) => ps.map((p) => smaGapColumn(bars.close, p)),
});
