import { OBV } from 'technicalindicators';
import type { Bar } from '../../market/types.ts';
import { field, RollingWindow, type StreamingIndicator } from './types.ts';

/**
 * On-balance volume, z-scored over a rolling window: raw OBV is a running sum whose level depends
 * on the start date and the share count, so only its recent position carries information.
 */
export class ObvZ implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = ['volume'] as const;
  private readonly obv = new OBV({ close: [], volume: [] });
  private readonly window: RollingWindow;
  constructor(readonly period: number) {
    this.columns = [`obv_z_${period}`];
    this.window = new RollingWindow(period);
  }
  update(bar: Bar): readonly (number | null)[] {
    const v = this.obv.nextValue({ close: bar.close, volume: field(bar, 'volume') } as never);
    if (v === undefined) return [null];
    this.window.push(v);
    if (!this.window.full) return [null];
    const sd = this.window.sampleStd();
    return [sd === 0 ? 0 : (v - this.window.mean) / sd];
  }
}
