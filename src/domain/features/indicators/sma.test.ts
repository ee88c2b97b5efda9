import { describe, expect, it } from 'vitest';
import { batchColumn, compareSeries, realBars, sma, stream } from '../../../testing/indicator-reference.ts';
import { SmaGap, smaFeature } from './sma.ts';

const bars = realBars();

describe('SmaGap', () => {
  it.each([10, 50, 100])('is close / SMA(%i) − 1, streaming and batch', (p) => {
    const s = sma(bars.map((b) => b.close), p);
    const want = bars.map((b, i) => (s[i] === null ? null : b.close / (s[i] as number) - 1));
    for (const got of [stream(new SmaGap(p), bars), batchColumn(smaFeature, [p], bars)]) {
      const r = compareSeries(got, want);
      expect(r.warmupDiffers).toEqual([]);
      expect(r.maxRel).toBeLessThan(1e-6);
      expect(r.firstValue).toBe(p - 1);
    }
  });
});
