import { describe, expect, it } from 'vitest';
import { atr, compareSeries, realBars, stream } from '../../../testing/indicator-reference.ts';
import { AtrPct } from './atr.ts';

describe('AtrPct', () => {
  it("is Wilder's ATR(14) divided by the close", () => {
    const bars = realBars();
    const a = atr(bars, 14);
    const r = compareSeries(stream(new AtrPct(14), bars), bars.map((b, i) => (a[i] === null ? null : (a[i] as number) / b.close)));
    expect(r.firstValue).toBe(14);
  });
});
