import { describe, expect, it } from 'vitest';
import { compareSeries, ema, realBars, stream } from '../../../testing/indicator-reference.ts';
import { EmaGap } from './ema.ts';

describe('EmaGap', () => {
  it.each([5, 12, 26])('is close / EMA(%i) − 1 with the EMA seeded by the SMA', (p) => {
    const bars = realBars();
    const e = ema(bars.map((b) => b.close), p);
    const r = compareSeries(stream(new EmaGap(p), bars), bars.map((b, i) => (e[i] === null ? null : b.close / (e[i] as number) - 1)));
    expect(r.firstValue).toBe(p - 1);
  });
});
