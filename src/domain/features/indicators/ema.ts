import { EMA } from 'technicalindicators';
import type { Bar } from '../../market/types.ts';
import type { StreamingIndicator } from './types.ts';

/**
 * Exponential moving average (seeded with the SMA of the first `period` closes), expressed as the
 * close's relative distance from it so one pooled model can serve symbols at any price level.
 */
export class EmaGap implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = [] as const;
  private readonly ema: EMA;
  constructor(readonly period: number) {
    this.columns = [`ema_${period}_gap`];
    this.ema = new EMA({ period, values: [] });
  }
  update(bar: Bar): readonly (number | null)[] {
    const v = this.ema.nextValue(bar.close);
    return [v === undefined ? null : bar.close / v - 1];
  }
}
