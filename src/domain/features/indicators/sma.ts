import { SMA } from 'technicalindicators';
import type { Bar } from '../../market/types.ts';
import type { StreamingIndicator } from './types.ts';

/** Simple moving average (the seeds' "DMA"), as the close's relative distance from it. */
export class SmaGap implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = [] as const;
  private readonly sma: SMA;
  constructor(readonly period: number) {
    this.columns = [`sma_${period}_gap`];
    this.sma = new SMA({ period, values: [] });
  }
  update(bar: Bar): readonly (number | null)[] {
    const v = this.sma.nextValue(bar.close);
    return [v === undefined ? null : bar.close / v - 1];
  }
}
