import { describe, expect, it } from 'vitest';
import { daysToCatchUp } from './run-command.ts';

describe('daysToCatchUp (arena run at start and at each scheduled time)', () => {
  it('owes every trading day after the last completed one, in order, skipping weekends and holidays', () => {
    // 2024-07-04 is a holiday; 07-06/07 a weekend.
    expect(daysToCatchUp('2024-07-02', '2024-07-08', 'run')).toEqual({ run: ['2024-07-03', '2024-07-05', '2024-07-08'], skipped: [] });
  });
  it('skip: only the latest; nothing owed when up to date; a fresh workspace owes just the due day', () => {
    expect(daysToCatchUp('2024-07-02', '2024-07-08', 'skip')).toEqual({ run: ['2024-07-08'], skipped: ['2024-07-03', '2024-07-05'] });
    expect(daysToCatchUp('2024-07-08', '2024-07-08', 'run')).toEqual({ run: [], skipped: [] });
    expect(daysToCatchUp('2024-07-09', '2024-07-08', 'run')).toEqual({ run: [], skipped: [] });
    expect(daysToCatchUp(null, '2024-07-08', 'run')).toEqual({ run: ['2024-07-08'], skipped: [] });
  });
  it('never owes a day before the first day', () => {
    expect(daysToCatchUp(null, '2024-07-05', 'run', '2024-07-08')).toEqual({ run: [], skipped: [] });
    expect(daysToCatchUp('2024-07-01', '2024-07-08', 'run', '2024-07-05')).toEqual({ run: ['2024-07-05', '2024-07-08'], skipped: [] });
  });
});
