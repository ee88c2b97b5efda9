import { BollingerBands } from 'trading-signals';
import { z } from 'zod';
import type { Bar } from '../../market/types.ts';
import { defineFeature, period } from '../factory.ts';
import { missing, type StreamingIndicator } from './types.ts';
import { RollingWindow } from './window.ts';

/**
 * Bollinger %B and band width ((upper − lower) / middle), population standard deviation; on
 * trading-signals. A window of equal closes is flat by definition (no %B): checked on the closes, since
 * the library's mean of equal values can round off them and leave a width of ~1e-14 instead of 0.
 */
export class Bollinger implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = [] as const;
  readonly name = 'bollinger';
  private readonly bb: BollingerBands;
  private equal = 0;
  private last = NaN;
  constructor(
    readonly period: number,
    readonly stdDev: number,
  ) {
    this.columns = [`bb_pctb_${period}`, `bb_width_${period}`];
    this.bb = new BollingerBands(period, stdDev);
  }
  update(bar: Bar): readonly (number | null)[] {
    const v = this.bb.add(bar.close);
    this.equal = bar.close === this.last ? this.equal + 1 : 1;
    this.last = bar.close;
    if (!v || this.equal >= this.period) return [null, null];
    const width = v.upper - v.lower;
    // A flat window has zero width: %B is undefined there, so the row stays in warm-up.
    if (width === 0 || v.middle === 0) return [null, null];
    return [(bar.close - v.lower) / width, width / v.middle];
  }
}

/** %B and width over a close column (the window's mean and spread slide in O(1), see RollingWindow). */
export function bollingerColumns(close: Float64Array, p: number, k: number): Float64Array[] {
  const n = close.length;
  const pctb = missing(n);
  const width = missing(n);
  const w = new RollingWindow(p);
  for (let i = 0; i < n; i++) {
    const c = close[i]!;
    w.push(c);
    if (!w.full) continue;
    const m = w.mean;
    const sd = w.populationStd();
    const lower = m - sd * k;
    const upper = m + sd * k;
    const band = upper - lower;
    // A flat window has zero width: %B is undefined there.
    if (band === 0 || m === 0) continue;
    pctb[i] = (c - lower) / band;
    width[i] = band / m;
  }
  return [pctb, width];
}

export const bollingerFeature = defineFeature({
  kind: 'bars',
  key: 'bollinger',
  schema: z.strictObject({ period, stddev: z.number().positive().max(10) }),
  requires: [],
  columns: ({ period: p }) => [`bb_pctb_${p}`, `bb_width_${p}`],
  make: ({ period: p, stddev }) => [new Bollinger(p, stddev)],
  batch: ({ period: p, stddev }, bars) => bollingerColumns(bars.close, p, stddev),
});
