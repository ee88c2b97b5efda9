import { OBV } from 'trading-signals';
import type { Bar } from '../../market/types.ts';
import { defineFeature, periods } from '../factory.ts';
import { field, missing, type StreamingIndicator } from './types.ts';
import { RollingWindow, rollingZScore } from './window.ts';

/**
 * On-balance volume, z-scored over a rolling window (sample std; 0 in a flat window): raw OBV is a
 * running sum whose level depends on the start date and the share count, so only its recent position
 * carries information. OBV starts at the second bar (its first step needs a previous close), so the
 * window fills at bar p. On trading-signals' OBV (its interval 2 = a previous bar and this one).
 */
export class ObvZ implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = ['volume'] as const;
  readonly name: string;
  private readonly obv = new OBV(2);
  private readonly window: RollingWindow;
  constructor(readonly period: number) {
    this.columns = [`obv_z_${period}`];
    this.name = `obv ${period}`;
    this.window = new RollingWindow(period);
  }
  update(bar: Bar): readonly (number | null)[] {
    // trading-signals' OBV reads only close and volume.
    const v = this.obv.add({ open: bar.close, high: bar.close, low: bar.close, close: bar.close, volume: field(bar, 'volume') });
    if (v === null) return [null];
    this.window.push(v);
    return [this.window.full ? this.window.zScore(v) : null];
  }
}

/** OBV from the second bar (NaN at the first). */
export function obvColumn(close: Float64Array, volume: Float64Array): Float64Array {
  const out = missing(close.length);
  let obv = 0;
  for (let i = 1; i < close.length; i++) {
    const c = close[i]!;
    const pc = close[i - 1]!;
    out[i] = obv += c > pc ? volume[i]! : c < pc ? -volume[i]! : 0;
  }
  return out;
}

export const obvFeature = defineFeature({
  kind: 'bars',
  key: 'obv',
  schema: periods,
  requires: ['volume'],
  columns: (ps) => ps.map((p) => `obv_z_${p}`),
  make: (ps) => ps.map((p) => new ObvZ(p)),
  batch: (ps, bars) => {
    const obv = obvColumn(bars.close, bars.volume);
    return ps.map((p) => rollingZScore(obv, p));
  },
});
