import { describe, expect, it } from 'vitest';
import { fromColumn } from '../../../testing/indicator-reference.ts';
import { Lags, lagColumnsBatch } from './lags.ts';

const values: (number | null)[] = [1, 2, 3, null, 5, 6, 7, 8, null, null, 11];

describe('Lags', () => {
  it('lag i at row t is the value at t − i, named <column>_lag_i', () => {
    const l = new Lags('ret_1', 2);
    expect(l.columns).toEqual(['ret_1_lag_1', 'ret_1_lag_2']);
    expect([1, 2, 3].map((v) => l.update(v))).toEqual([
      [null, null],
      [1, null],
      [2, 1],
    ]);
  });

  it('a missing value breaks the chain: a lag never straddles a gap', () => {
    const l = new Lags('x', 2);
    expect(values.map((v) => l.update(v))).toEqual([
      [null, null],
      [1, null],
      [2, 1],
      [3, 2],
      [null, null],
      [5, null],
      [6, 5],
      [7, 6],
      [8, 7],
      [null, null],
      [null, null],
    ]);
  });

  it('the batch form gives the same lags', () => {
    const l = new Lags('x', 3);
    const streamed = values.map((v) => l.update(v));
    const batch = lagColumnsBatch(Float64Array.from(values, (v) => v ?? NaN), 3).map(fromColumn);
    expect(batch).toEqual([0, 1, 2].map((c) => streamed.map((row) => row[c])));
  });
});
