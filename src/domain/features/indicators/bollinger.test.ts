import { describe, expect, it } from 'vitest';
import { batchColumn, bollinger, compareSeries, realBars, stream } from '../../../testing/indicator-reference.ts';
import { Bollinger, bollingerFeature } from './bollinger.ts';

const bars = realBars();

describe('Bollinger', () => {
  it('%B and width of Bollinger 20/2 with the population standard deviation, streaming and batch', () => {
    const ref = bollinger(bars.map((b) => b.close), 20, 2);
    for (const [col, want] of [[0, ref.pctb], [1, ref.width]] as const) {
      for (const got of [stream(new Bollinger(20, 2), bars, col), batchColumn(bollingerFeature, { period: 20, stddev: 2 }, bars, col)]) {
        const r = compareSeries(got, want);
        expect(r.warmupDiffers).toEqual([]);
        expect(r.maxRel).toBeLessThan(1e-6);
        expect(r.firstValue).toBe(19);
      }
    }
  });

  it('a flat window has no %B (zero width): the value stays missing in both forms', () => {
    const flat = bars.slice(0, 30).map((b, i) => (i >= 5 && i < 27 ? { ...b, close: 100 } : b));
    expect(stream(new Bollinger(20, 2), flat)[25]).toBeNull();
    expect(batchColumn(bollingerFeature, { period: 20, stddev: 2 }, flat)[25]).toBeNull();
    expect(stream(new Bollinger(20, 2), flat)[28]).not.toBeNull();
  });
});
