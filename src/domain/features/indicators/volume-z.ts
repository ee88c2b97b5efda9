import type { Bar } from '../../market/types.ts';
import { defineFeature, windows } from '../factory.ts';
import { field, type StreamingIndicator } from './types.ts';
import { RollingWindow, rollingZScore } from './window.ts';

/** Today's volume as a z-score against the trailing window that includes today (sample std; 0 when flat). */
export class VolumeZ implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = ['volume'] as const;
  readonly name: string;
  private readonly window: RollingWindow;
  constructor(readonly period: number) {
    this.columns = [`volume_z_${period}`];
    this.name = `volume_z ${period}`;
    this.window = new RollingWindow(period);
  }
  update(bar: Bar): readonly (number | null)[] {
    const v = field(bar, 'volume');
    this.window.push(v);
    return [this.window.full ? this.window.zScore(v) : null];
  }
}

export const volumeZFeature = defineFeature({
  kind: 'bars',
  key: 'volume_z',
  schema: windows,
  requires: ['volume'],
  columns: (ps) => ps.map((p) => `volume_z_${p}`),
  make: (ps) => ps.map((p) => new VolumeZ(p)),
  batch: (ps, bars) => ps.map((p) => rollingZScore(bars.volume, p)),
});
