import { describe, expect, it } from 'vitest';
import { batchColumn, compareSeries, ema, realBars, stream } from '../../../testing/indicator-reference.ts';
import { EmaGap, emaFeature } from './ema.ts';

const bars = realBars();

describe('EmaGap', () => {
  it.each([5, 12, 26])('is close / EMA(%i) − 1 with the EMA seeded by the SMA, streaming and batch', (p) => {
    const e = ema(bars.map((b) => b.close), p);
    const want = bars.map((b, i) => (e[i] === null ? null : b.close / (e[i] as number) - 1));
    for (const got of [stream(new EmaGap(p), bars), batchColumn(emaFeature, [p], bars)]) {
      const r = compareSeries(got, want);
      expect(r.warmupDiffers).toEqual([]);
      expect(r.maxRel).toBeLessThan(1e-6);
      expect(r.firstValue).toBe(p - 1);
    }
  });

  it('the comparison can fail: an EMA started from the first close (no SMA seed) is off by more than 1e-6', () => {
    let e = bars[0]!.close;
    const k = 2 / 13;
    const unseeded = bars.map((b, i) => ((e = i === 0 ? e : b.close * k + e * (1 - k)), i < 11 ? null : b.close / e - 1));
    expect(compareSeries(stream(new EmaGap(12), bars), unseeded).maxRel).toBeGreaterThan(1e-6);
  });
});
