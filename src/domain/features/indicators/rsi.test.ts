import { describe, expect, it } from 'vitest';
import { compareSeries, realBars, rsi, stream } from '../../../testing/indicator-reference.ts';
import { Rsi } from './rsi.ts';

describe('Rsi', () => {
  it.each([7, 14])("matches Wilder's RSI(%i) on real AAPL closes within 1e-6", (p) => {
    const bars = realBars();
    const r = compareSeries(stream(new Rsi(p), bars), rsi(bars.map((b) => b.close), p));
    expect(r.firstValue).toBe(p); // p price changes need p + 1 closes
  });

  it('the comparison can fail: RSI(14) is not RSI(15)', () => {
    const bars = realBars();
    expect(() => compareSeries(stream(new Rsi(14), bars), rsi(bars.map((b) => b.close), 15))).toThrow(/warm-up differs/);
  });
});
