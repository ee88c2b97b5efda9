import { describe, expect, it } from 'vitest';
import { batchColumn, compareSeries, realBars, stochastic, stream } from '../../../testing/indicator-reference.ts';
import { Stochastic, stochasticFeature } from './stochastic.ts';

const bars = realBars();
const params = { period: 14, signal: 3 };

describe('Stochastic', () => {
  it('%K(14) and %D = SMA(3) of %K, streaming and batch', () => {
    const ref = stochastic(bars, 14, 3);
    const gate = (s: (number | null)[]) => s.map((v, i) => (ref.d[i] === null ? null : v));
    for (const got of [stream(new Stochastic(14, 3), bars, 0), batchColumn(stochasticFeature, params, bars, 0)]) {
      const r = compareSeries(got, gate(ref.k));
      expect(r.warmupDiffers).toEqual([]);
      expect(r.maxRel).toBeLessThan(1e-6);
      expect(r.firstValue).toBe(15);
    }
    for (const got of [stream(new Stochastic(14, 3), bars, 1), batchColumn(stochasticFeature, params, bars, 1)]) {
      const r = compareSeries(got, ref.d);
      expect(r.warmupDiffers).toEqual([]);
      expect(r.maxRel).toBeLessThan(1e-6);
    }
  });

  it('a flat window (highest = lowest) has no %K, and %D waits for 3 defined %K again, as the textbook says', () => {
    const flat = bars.slice(0, 60).map((b, i) => (i >= 20 && i < 34 ? { ...b, open: 50, high: 50, low: 50, close: 50 } : b));
    const ref = stochastic(flat, 14, 3);
    expect(ref.k[33]).toBeNull();
    const gate = (s: (number | null)[]) => s.map((v, i) => (ref.d[i] === null ? null : v));
    for (const [col, want] of [[0, gate(ref.k)], [1, ref.d]] as const) {
      for (const got of [stream(new Stochastic(14, 3), flat, col), batchColumn(stochasticFeature, params, flat, col)]) {
        const r = compareSeries(got, want);
        expect(r.warmupDiffers).toEqual([]);
        expect(r.maxRel).toBeLessThan(1e-6);
      }
    }
  });
});
