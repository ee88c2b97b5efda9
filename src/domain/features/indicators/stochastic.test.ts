import { describe, expect, it } from 'vitest';
import { compareSeries, realBars, stochastic, stream } from '../../../testing/indicator-reference.ts';
import { Stochastic } from './stochastic.ts';

describe('Stochastic', () => {
  it('%K(14) and %D = SMA(3) of %K', () => {
    const bars = realBars();
    const ref = stochastic(bars, 14, 3);
    const gate = (s: (number | null)[]) => s.map((v, i) => (ref.d[i] === null ? null : v));
    expect(compareSeries(stream(new Stochastic(14, 3), bars, 0), gate(ref.k)).firstValue).toBe(15);
    compareSeries(stream(new Stochastic(14, 3), bars, 1), ref.d);
  });
});
