import { describe, expect, it } from 'vitest';
import { compareSeries, realBars, sampleStd, stream } from '../../../testing/indicator-reference.ts';
import { ObvZ } from './obv.ts';
import { Returns } from './returns.ts';
import { Volatility } from './volatility.ts';
import { VolumeZ } from './volume-z.ts';
import { CalendarFeatures } from './calendar.ts';

const bars = realBars();
const closes = bars.map((b) => b.close);

describe('returns, volatility, volume and OBV z-scores, calendar', () => {
  it('Returns: close_t / close_{t−n} − 1 for n = 1, 5, 20', () => {
    [1, 5, 20].forEach((n, col) => {
      const r = compareSeries(stream(new Returns([1, 5, 20]), bars, col), closes.map((c, i) => (i < n ? null : c / (closes[i - n] as number) - 1)));
      expect(r.firstValue).toBe(n);
    });
  });

  it('Volatility: sample std of the last 20 log returns', () => {
    const lr = closes.map((c, i) => (i === 0 ? 0 : Math.log(c / (closes[i - 1] as number))));
    const want = closes.map((_, i) => (i < 20 ? null : sampleStd(lr.slice(i - 19, i + 1))));
    expect(compareSeries(stream(new Volatility(20), bars), want).firstValue).toBe(20);
  });

  it('VolumeZ: z-score of today within the trailing 20 volumes', () => {
    const v = bars.map((b) => b.volume as number);
    const want = v.map((x, i) => {
      if (i < 19) return null;
      const w = v.slice(i - 19, i + 1);
      return (x - w.reduce((a, b) => a + b, 0) / 20) / sampleStd(w);
    });
    compareSeries(stream(new VolumeZ(20), bars), want);
  });

  it('ObvZ: z-score of on-balance volume within its trailing window', () => {
    const obv: number[] = [];
    bars.forEach((b, i) => {
      const prev = bars[i - 1];
      const last = obv[i - 1] ?? 0;
      obv.push(!prev ? 0 : b.close > prev.close ? last + (b.volume as number) : b.close < prev.close ? last - (b.volume as number) : last);
    });
    const actual = stream(new ObvZ(20), bars);
    const first = actual.findIndex((x) => x !== null);
    // technicalindicators starts OBV at the second bar, so the window fills one bar later.
    expect(first).toBe(20);
    const want = obv.map((x, i) => {
      if (i < first) return null;
      const w = obv.slice(i - 19, i + 1);
      return (x - w.reduce((a, b) => a + b, 0) / 20) / sampleStd(w);
    });
    compareSeries(actual, want);
  });

  it('CalendarFeatures: Monday..Friday one-hot and the month', () => {
    const f = new CalendarFeatures(true, true);
    expect(f.update({ date: '2017-11-10', open: 1, high: 1, low: 1, close: 1, volume: 1 })).toEqual([0, 0, 0, 0, 1, 11]);
    expect(f.update({ date: '2024-01-15', open: 1, high: 1, low: 1, close: 1, volume: 1 })).toEqual([1, 0, 0, 0, 0, 1]);
  });
});
