import { describe, expect, it } from 'vitest';
import { batchColumn, compareSeries, realBars, sampleStd, stream } from '../../../testing/indicator-reference.ts';
import { Volatility, volatilityFeature } from './volatility.ts';

const bars = realBars();
const closes = bars.map((b) => b.close);

describe('Volatility', () => {
  it('sample std of the last 20 log returns, streaming and batch', () => {
    const lr = closes.map((c, i) => (i === 0 ? 0 : Math.log(c / (closes[i - 1] as number))));
    const want = closes.map((_, i) => (i < 20 ? null : sampleStd(lr.slice(i - 19, i + 1))));
    for (const got of [stream(new Volatility(20), bars), batchColumn(volatilityFeature, [20], bars)]) {
      const r = compareSeries(got, want);
      expect(r.warmupDiffers).toEqual([]);
      expect(r.maxRel).toBeLessThan(1e-6);
      expect(r.firstValue).toBe(20);
    }
  });
});
