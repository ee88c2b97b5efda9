import { describe, expect, it } from 'vitest';
import { batchColumn, compareSeries, macd, realBars, stream } from '../../../testing/indicator-reference.ts';
import { MacdRel, macdFeature } from './macd.ts';

const bars = realBars();

describe('MacdRel', () => {
  it('line, signal and histogram of MACD 12/26/9 (EMAs seeded by SMAs), divided by the close, streaming and batch', () => {
    const ref = macd(bars.map((b) => b.close), 12, 26, 9);
    const rel = (s: (number | null)[]) => s.map((v, i) => (v === null ? null : v / (bars[i]?.close as number)));
    // All three appear once the signal exists (bar 33); earlier MACD values are warm-up here.
    const gate = (s: (number | null)[]) => s.map((v, i) => (ref.signal[i] === null ? null : v));
    for (const [col, want] of [[0, ref.line], [1, ref.signal], [2, ref.hist]] as const) {
      for (const got of [stream(new MacdRel(12, 26, 9), bars, col), batchColumn(macdFeature, { fast: 12, slow: 26, signal: 9 }, bars, col)]) {
        // Values are ~1e-3 of the close: compared relatively down to 1e-6, absolutely (1e-12) below.
        const r = compareSeries(got, gate(rel(want)), 1e-6);
        expect(r.warmupDiffers).toEqual([]);
        expect(r.maxRel).toBeLessThan(1e-6);
        expect(r.firstValue).toBe(25 + 8);
      }
    }
  });
});
