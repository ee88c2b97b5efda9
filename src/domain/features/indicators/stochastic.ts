import { Stochastic as TiStochastic } from 'technicalindicators';
import type { Bar } from '../../market/types.ts';
import { field, type StreamingIndicator } from './types.ts';

interface Candle {
  high: number;
  low: number;
  close: number;
}
// technicalindicators types nextValue() with the batch input type; it takes one candle.
type StochasticStream = { nextValue(c: Candle): { k: number; d?: number } | undefined };

/** Stochastic oscillator %K over `period` bars and %D, its `signal`-bar SMA. Needs high and low. */
export class Stochastic implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = ['high', 'low'] as const;
  private readonly st: StochasticStream;
  constructor(
    readonly period: number,
    readonly signal: number,
  ) {
    this.columns = [`stoch_k_${period}`, `stoch_d_${period}_${signal}`];
    this.st = new TiStochastic({ period, signalPeriod: signal, high: [], low: [], close: [] }) as unknown as StochasticStream;
  }
  update(bar: Bar): readonly (number | null)[] {
    const v = this.st.nextValue({ high: field(bar, 'high'), low: field(bar, 'low'), close: bar.close });
    if (!v || v.d === undefined || !Number.isFinite(v.k) || !Number.isFinite(v.d)) return [null, null];
    return [v.k, v.d];
  }
}
