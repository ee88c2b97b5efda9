import { describe, expect, it } from 'vitest';
import { batchColumn, compareSeries, realBars, rsi, stream } from '../../../testing/indicator-reference.ts';
import { Rsi, rsiFeature } from './rsi.ts';

const bars = realBars();
const closes = bars.map((b) => b.close);

describe('Rsi', () => {
  it.each([7, 14])("matches Wilder's RSI(%i) on real AAPL closes within 1e-6, streaming and batch", (p) => {
    const want = rsi(closes, p);
    for (const got of [stream(new Rsi(p), bars), batchColumn(rsiFeature, [p], bars)]) {
      const r = compareSeries(got, want);
      expect(r.warmupDiffers).toEqual([]);
      expect(r.maxRel).toBeLessThan(1e-6);
      expect(r.firstValue).toBe(p); // p price changes need p + 1 closes
    }
  });

  it('the comparison can fail: RSI(14) is not RSI(15)', () => {
    const r = compareSeries(stream(new Rsi(14), bars), rsi(closes, 15));
    expect(r.warmupDiffers).toEqual([14]);
  });
});
