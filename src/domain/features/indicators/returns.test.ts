import { describe, expect, it } from 'vitest';
import { batchColumn, compareSeries, realBars, stream } from '../../../testing/indicator-reference.ts';
import { Returns, returnsFeature } from './returns.ts';

const bars = realBars();
const closes = bars.map((b) => b.close);

describe('Returns', () => {
  it('close_t / close_{t−n} − 1 for n = 1, 5, 20, streaming and batch', () => {
    [1, 5, 20].forEach((n, col) => {
      const want = closes.map((c, i) => (i < n ? null : c / (closes[i - n] as number) - 1));
      for (const got of [stream(new Returns([1, 5, 20]), bars, col), batchColumn(returnsFeature, [1, 5, 20], bars, col)]) {
        const r = compareSeries(got, want);
        expect(r.warmupDiffers).toEqual([]);
        expect(r.maxRel).toBeLessThan(1e-6);
        expect(r.firstValue).toBe(n);
      }
    });
  });
});
