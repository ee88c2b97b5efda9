import type { Bar } from '../../market/types.ts';
import { RollingWindow, type StreamingIndicator } from './types.ts';

/** Rolling volatility: sample standard deviation of daily log returns over `period` days (not annualised). */
export class Volatility implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = [] as const;
  private prev: number | null = null;
  private readonly window: RollingWindow;
  constructor(readonly period: number) {
    this.columns = [`vol_${period}`];
    this.window = new RollingWindow(period);
  }
  update(bar: Bar): readonly (number | null)[] {
    const prev = this.prev;
    this.prev = bar.close;
    if (prev === null) return [null];
    this.window.push(Math.log(bar.close / prev));
    return [this.window.full ? this.window.sampleStd() : null];
  }
}
