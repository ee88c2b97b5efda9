import { describe, expect, it } from 'vitest';
import { atr, batchColumn, compareSeries, realBars, stream } from '../../../testing/indicator-reference.ts';
import { AtrPct, atrFeature } from './atr.ts';

const bars = realBars();

describe('AtrPct', () => {
  it("is Wilder's ATR(14) divided by the close, streaming and batch", () => {
    const a = atr(bars, 14);
    const want = bars.map((b, i) => (a[i] === null ? null : (a[i] as number) / b.close));
    for (const got of [stream(new AtrPct(14), bars), batchColumn(atrFeature, [14], bars)]) {
      const r = compareSeries(got, want);
      expect(r.warmupDiffers).toEqual([]);
      expect(r.maxRel).toBeLessThan(1e-6);
      expect(r.firstValue).toBe(14);
    }
  });
});
