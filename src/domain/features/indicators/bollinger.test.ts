import { describe, expect, it } from 'vitest';
import { bollinger, compareSeries, realBars, stream } from '../../../testing/indicator-reference.ts';
import { Bollinger } from './bollinger.ts';

describe('Bollinger', () => {
  it('%B and width of Bollinger 20/2 with the population standard deviation', () => {
    const bars = realBars();
    const ref = bollinger(bars.map((b) => b.close), 20, 2);
    expect(compareSeries(stream(new Bollinger(20, 2), bars, 0), ref.pctb).firstValue).toBe(19);
    compareSeries(stream(new Bollinger(20, 2), bars, 1), ref.width);
  });
});
