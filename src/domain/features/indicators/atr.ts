import { ATR } from 'technicalindicators';
import type { Bar } from '../../market/types.ts';
import { field, type StreamingIndicator } from './types.ts';

/** Wilder's average true range as a fraction of the close. Needs high and low. */
export class AtrPct implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = ['high', 'low'] as const;
  private readonly atr: ATR;
  constructor(readonly period: number) {
    this.columns = [`atr_${period}_pct`];
    this.atr = new ATR({ period, high: [], low: [], close: [] });
  }
  update(bar: Bar): readonly (number | null)[] {
    const v = this.atr.nextValue({ high: field(bar, 'high'), low: field(bar, 'low'), close: bar.close });
    return [v === undefined ? null : v / bar.close];
  }
}
