import { describe, expect, it } from 'vitest';
import { compareSeries, realBars, sma, stream } from '../../../testing/indicator-reference.ts';
import { SmaGap } from './sma.ts';

describe('SmaGap', () => {
  it.each([10, 50, 100])('is close / SMA(%i) − 1', (p) => {
    const bars = realBars();
    const s = sma(bars.map((b) => b.close), p);
    const r = compareSeries(stream(new SmaGap(p), bars), bars.map((b, i) => (s[i] === null ? null : b.close / (s[i] as number) - 1)));
    expect(r.firstValue).toBe(p - 1);
  });
});
