/**
 * Team green's feature family, a plug-in: where today's close sits in the range of the last N days,
 * 0 at the lowest low, 1 at the highest high (`range_pos_<N>`). Needs high and low, so a close-only
 * series drops it with the reason, like any built-in.
 *
 * A feature family is one object: its `key` under `features:` (here via `features.custom`), a zod
 * `schema` for its parameters, and `make(params)` → streaming indicators fed one bar at a time, so
 * a value for day t can only depend on bars up to t (no look-ahead by construction).
 */
import { z } from 'zod';
import type { Bar, BarFeatureFactory, StreamingIndicator } from '../../src/plugin-api.ts';

const schema = z.strictObject({ periods: z.array(z.number().int().min(2).max(250)).min(1) });

class RangePosition implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = ['high', 'low'] as const;
  private readonly highs: number[] = [];
  private readonly lows: number[] = [];

  constructor(private readonly period: number) {
    this.columns = [`range_pos_${period}`];
  }

  update(bar: Bar): readonly (number | null)[] {
    this.highs.push(bar.high as number);
    this.lows.push(bar.low as number);
    if (this.highs.length > this.period) {
      this.highs.shift();
      this.lows.shift();
    }
    if (this.highs.length < this.period) return [null];
    const hi = Math.max(...this.highs);
    const lo = Math.min(...this.lows);
    return [hi > lo ? (bar.close - lo) / (hi - lo) : 0.5];
  }
}

const rangePosition: BarFeatureFactory<typeof schema, 'range_pos'> = {
  key: 'range_pos',
  schema,
  requires: ['high', 'low'],
  columns: (p) => p.periods.map((n) => `range_pos_${n}`),
  make: (p) => p.periods.map((n) => new RangePosition(n)),
};

export default rangePosition;
