import type { Bar } from '../../market/types.ts';
import { defineFeature, periods } from '../factory.ts';
import { missing, type StreamingIndicator } from './types.ts';

/** Simple returns over n days: close_t / close_{t−n} − 1. */
export class Returns implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = [] as const;
  readonly name = 'returns';
  private readonly closes: number[] = [];
  private readonly max: number;
  constructor(readonly periods: readonly number[]) {
    this.columns = periods.map((n) => `ret_${n}`);
    this.max = Math.max(...periods);
  }
  update(bar: Bar): readonly (number | null)[] {
    this.closes.push(bar.close);
    if (this.closes.length > this.max + 1) this.closes.shift();
    const last = this.closes.length - 1;
    return this.periods.map((n) => {
      const past = this.closes[last - n];
      return past === undefined ? null : bar.close / past - 1;
    });
  }
}

export function returnsColumn(close: Float64Array, n: number): Float64Array {
  const out = missing(close.length);
  for (let i = n; i < close.length; i++) out[i] = close[i]! / close[i - n]! - 1;
  return out;
}

export const returnsFeature = defineFeature({
  kind: 'bars',
  key: 'returns',
  schema: periods,
  requires: [],
  columns: (ps) => ps.map((n) => `ret_${n}`),
  // One indicator for every period (the plan lists and drops `returns` as one feature).
  make: (ps) => (ps.length ? [new Returns(ps)] : []),
  batch: (ps, bars) => ps.map((n) => returnsColumn(bars.close, n)),
});
