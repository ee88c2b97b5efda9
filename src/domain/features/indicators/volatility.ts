import type { Bar } from '../../market/types.ts';
import { defineFeature, windows } from '../factory.ts';
import { missing, type StreamingIndicator } from './types.ts';
import { RollingWindow, rollingSampleStd } from './window.ts';

/** Rolling volatility: sample standard deviation of daily log returns over `period` days (not annualised). */
export class Volatility implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = [] as const;
  readonly name: string;
  private prev: number | null = null;
  private readonly window: RollingWindow;
  constructor(readonly period: number) {
    this.columns = [`vol_${period}`];
    this.name = `volatility ${period}`;
    this.window = new RollingWindow(period);
  }
  update(bar: Bar): readonly (number | null)[] {
    const prev = this.prev;
    this.prev = bar.close;
    if (prev === null) return [null];
    this.window.push(Math.log(bar.close / prev));
    return [this.window.full ? this.window.sampleStd() : null];
  }
}

/** Daily log returns (NaN at the first bar). */
export function logReturns(close: Float64Array): Float64Array {
  const out = missing(close.length);
  for (let i = 1; i < close.length; i++) out[i] = Math.log(close[i]! / close[i - 1]!);
  return out;
}

export const volatilityFeature = defineFeature({
  kind: 'bars',
  key: 'volatility',
  schema: windows,
  requires: [],
  columns: (ps) => ps.map((p) => `vol_${p}`),
  make: (ps) => ps.map((p) => new Volatility(p)),
  batch: (ps, bars) => {
    const lr = logReturns(bars.close);
    return ps.map((p) => rollingSampleStd(lr, p));
  },
});
