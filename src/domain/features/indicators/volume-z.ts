import type { Bar } from '../../market/types.ts';
import { field, RollingWindow, type StreamingIndicator } from './types.ts';

/** Today's volume as a z-score against the trailing window that includes today. */
export class VolumeZ implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = ['volume'] as const;
  private readonly window: RollingWindow;
  constructor(readonly period: number) {
    this.columns = [`volume_z_${period}`];
    this.window = new RollingWindow(period);
  }
  update(bar: Bar): readonly (number | null)[] {
    const v = field(bar, 'volume');
    this.window.push(v);
    if (!this.window.full) return [null];
    const sd = this.window.sampleStd();
    return [sd === 0 ? 0 : (v - this.window.mean) / sd];
  }
}
