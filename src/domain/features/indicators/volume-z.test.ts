import { describe, expect, it } from 'vitest';
import { batchColumn, compareSeries, realBars, sampleStd, stream } from '../../../testing/indicator-reference.ts';
import { VolumeZ, volumeZFeature } from './volume-z.ts';

const bars = realBars();

describe('VolumeZ', () => {
  it('z-score of today within the trailing 20 volumes, streaming and batch', () => {
    const v = bars.map((b) => b.volume as number);
    const want = v.map((x, i) => {
      if (i < 19) return null;
      const w = v.slice(i - 19, i + 1);
      return (x - w.reduce((a, b) => a + b, 0) / 20) / sampleStd(w);
    });
    for (const got of [stream(new VolumeZ(20), bars), batchColumn(volumeZFeature, [20], bars)]) {
      const r = compareSeries(got, want);
      expect(r.warmupDiffers).toEqual([]);
      expect(r.maxRel).toBeLessThan(1e-6);
      expect(r.firstValue).toBe(19);
    }
  });

  it('a flat window (no spread) gives 0, not a division by zero', () => {
    const flat = bars.slice(0, 30).map((b) => ({ ...b, volume: 1000 }));
    expect(stream(new VolumeZ(20), flat)[25]).toBe(0);
    expect(batchColumn(volumeZFeature, [20], flat)[25]).toBe(0);
  });
});
