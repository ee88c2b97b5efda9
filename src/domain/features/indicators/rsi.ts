import { RSI as TsRsi } from 'trading-signals';
import type { Bar } from '../../market/types.ts';
import type { StreamingIndicator } from './types.ts';

/**
 * Wilder's RSI (smoothed with Wilder's moving average). trading-signals is used rather than
 * technicalindicators because the latter rounds RSI to 2 decimals.
 */
export class Rsi implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = [] as const;
  private readonly rsi: TsRsi;
  constructor(readonly period: number) {
    this.columns = [`rsi_${period}`];
    this.rsi = new TsRsi(period);
  }
  update(bar: Bar): readonly (number | null)[] {
    return [this.rsi.add(bar.close)];
  }
}
