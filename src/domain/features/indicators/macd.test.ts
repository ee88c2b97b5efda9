import { describe, expect, it } from 'vitest';
import { compareSeries, macd, realBars, stream } from '../../../testing/indicator-reference.ts';
import { MacdRel } from './macd.ts';

describe('MacdRel', () => {
  it('line, signal and histogram of MACD 12/26/9 (EMAs seeded by SMAs), divided by the close', () => {
    const bars = realBars();
    const ref = macd(bars.map((b) => b.close), 12, 26, 9);
    const rel = (s: (number | null)[]) => s.map((v, i) => (v === null ? null : v / (bars[i]?.close as number)));
    // The library emits all three once the signal exists (bar 34); earlier MACD values are warm-up here.
    const gate = (s: (number | null)[]) => s.map((v, i) => (ref.signal[i] === null ? null : v));
    for (const [col, want] of [[0, ref.line], [1, ref.signal], [2, ref.hist]] as const) {
      const r = compareSeries(stream(new MacdRel(12, 26, 9), bars, col), gate(rel(want)), 1e-6, 1e-12);
      expect(r.firstValue).toBe(25 + 8);
    }
  });
});
