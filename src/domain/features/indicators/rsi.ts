import { RSI } from 'trading-signals';
import type { Bar } from '../../market/types.ts';
import { defineFeature, periods } from '../factory.ts';
import { missing, type StreamingIndicator } from './types.ts';

/**
 * Wilder's RSI: simple means of the first p gains and losses, then Wilder smoothing (1/p).
 * Streaming on trading-signals, whose RSI is exactly this definition.
 */
export class Rsi implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = [] as const;
  readonly name: string;
  private readonly rsi: RSI;
  constructor(readonly period: number) {
    this.columns = [`rsi_${period}`];
    this.name = `rsi ${period}`;
    this.rsi = new RSI(period);
  }
  update(bar: Bar): readonly (number | null)[] {
    return [this.rsi.add(bar.close)];
  }
}

/** RSI(p) over a close column in one pass (the first value at index p: p changes need p + 1 closes). */
export function rsiColumn(close: Float64Array, p: number): Float64Array {
  const out = missing(close.length);
  const f = 1 / p;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i < close.length; i++) {
    const ch = close[i]! - close[i - 1]!;
    const up = ch > 0 ? ch : 0;
    const down = ch > 0 ? 0 : -ch;
    if (i < p) {
      gain += up;
      loss += down;
      continue;
    }
    if (i === p) {
      gain = (gain + up) / p;
      loss = (loss + down) / p;
    } else {
      // trading-signals' WSMA step, written the same way so both paths agree bit for bit.
      gain = (up - gain) * f + gain;
      loss = (down - loss) * f + loss;
    }
    out[i] = loss === 0 ? 100 : 100 - 100 / (gain / loss + 1);
  }
  return out;
}

export const rsiFeature = defineFeature({
  kind: 'bars',
  key: 'rsi',
  schema: periods,
  requires: [],
  columns: (ps) => ps.map((p) => `rsi_${p}`),
  make: (ps) => ps.map((p) => new Rsi(p)),
  batch: (ps, bars) => ps.map((p) => rsiColumn(bars.close, p)),
});
