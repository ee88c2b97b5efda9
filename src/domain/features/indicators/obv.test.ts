import { describe, expect, it } from 'vitest';
import { batchColumn, compareSeries, realBars, sampleStd, stream } from '../../../testing/indicator-reference.ts';
import { ObvZ, obvFeature } from './obv.ts';

const bars = realBars();

describe('ObvZ', () => {
  it('z-score of on-balance volume within its trailing window, streaming and batch', () => {
    const obv: number[] = [];
    bars.forEach((b, i) => {
      const prev = bars[i - 1];
      const last = obv[i - 1] ?? 0;
      obv.push(!prev ? 0 : b.close > prev.close ? last + (b.volume as number) : b.close < prev.close ? last - (b.volume as number) : last);
    });
    for (const actual of [stream(new ObvZ(20), bars), batchColumn(obvFeature, [20], bars)]) {
      const first = actual.findIndex((x) => x !== null);
      // OBV starts at the second bar (its first step needs a previous close), so the window fills one bar later.
      expect(first).toBe(20);
      const want = obv.map((x, i) => {
        if (i < first) return null;
        const w = obv.slice(i - 19, i + 1);
        return (x - w.reduce((a, b) => a + b, 0) / 20) / sampleStd(w);
      });
      const r = compareSeries(actual, want);
      expect(r.warmupDiffers).toEqual([]);
      expect(r.maxRel).toBeLessThan(1e-6);
    }
  });
});
