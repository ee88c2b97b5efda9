import { SMA } from 'trading-signals';
import { z } from 'zod';
import type { Bar } from '../../market/types.ts';
import { defineFeature, period } from '../factory.ts';
import { field, missing, type StreamingIndicator } from './types.ts';
import { windowExtremes } from './window.ts';

/**
 * Stochastic oscillator %K over `period` bars and %D, its `signal`-bar SMA; both appear once %D exists.
 * Needs high and low. A flat window (highest = lowest) has no %K, and %D waits for `signal` defined
 * %K values again. %K is written here and %D is trading-signals' SMA: its StochasticOscillator sets
 * %K = 0 in a flat window, where the textbook leaves it undefined.
 */
export class Stochastic implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = ['high', 'low'] as const;
  readonly name = 'stochastic';
  private readonly highs: number[] = [];
  private readonly lows: number[] = [];
  private d: SMA;
  constructor(
    readonly period: number,
    readonly signal: number,
  ) {
    this.columns = [`stoch_k_${period}`, `stoch_d_${period}_${signal}`];
    this.d = new SMA(signal);
  }
  update(bar: Bar): readonly (number | null)[] {
    this.highs.push(field(bar, 'high'));
    this.lows.push(field(bar, 'low'));
    if (this.highs.length > this.period) {
      this.highs.shift();
      this.lows.shift();
    }
    if (this.highs.length < this.period) return [null, null];
    const hh = Math.max(...this.highs);
    const ll = Math.min(...this.lows);
    if (hh === ll) {
      this.d = new SMA(this.signal);
      return [null, null];
    }
    const k = ((bar.close - ll) * 100) / (hh - ll);
    const d = this.d.add(k);
    return d === null ? [null, null] : [k, d];
  }
}

/** %K and %D in one pass over the window extremes (%K written where %D exists). */
export function stochasticColumns(high: Float64Array, low: Float64Array, close: Float64Array, p: number, signal: number): Float64Array[] {
  const n = close.length;
  const { highest, lowest } = windowExtremes(high, low, p);
  const raw = new Float64Array(n);
  const k = missing(n);
  const d = missing(n);
  let run = 0; // consecutive defined %K values, for %D
  for (let i = p - 1; i < n; i++) {
    const hh = highest[i]!;
    const ll = lowest[i]!;
    if (hh === ll) {
      run = 0;
      continue;
    }
    const kv = ((close[i]! - ll) * 100) / (hh - ll);
    raw[i] = kv;
    if (++run < signal) continue;
    let s = 0;
    for (let j = i - signal + 1; j <= i; j++) s += raw[j]!;
    d[i] = s / signal;
    k[i] = kv;
  }
  return [k, d];
}

export const stochasticFeature = defineFeature({
  kind: 'bars',
  key: 'stochastic',
  schema: z.strictObject({ period, signal: period }),
  requires: ['high', 'low'],
  columns: ({ period: p, signal }) => [`stoch_k_${p}`, `stoch_d_${p}_${signal}`],
  make: ({ period: p, signal }) => [new Stochastic(p, signal)],
  batch: ({ period: p, signal }, bars) => stochasticColumns(bars.high, bars.low, bars.close, p, signal),
});
