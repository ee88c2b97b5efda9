import { describe, expect, it } from 'vitest';
import type { Bar } from '../../market/types.ts';
import { CalendarFeatures, calendarColumns } from './calendar.ts';

const bar = (date: string): Bar => ({ date, open: 1, high: 1, low: 1, close: 1, volume: 1 });

describe('CalendarFeatures', () => {
  it('Monday..Friday one-hot and the month', () => {
    const f = new CalendarFeatures(true, true);
    expect(f.update(bar('2017-11-10'))).toEqual([0, 0, 0, 0, 1, 11]);
    expect(f.update(bar('2024-01-15'))).toEqual([1, 0, 0, 0, 0, 1]);
  });

  it('both forms give the calendar’s weekday and month, every day 1899–2101 (weekends all zero)', () => {
    const dates: string[] = [];
    const want: number[][] = [];
    for (let t = Date.UTC(1899, 0, 1); t <= Date.UTC(2101, 11, 31); t += 86_400_000) {
      const d = new Date(t);
      dates.push(d.toISOString().slice(0, 10));
      want.push([...[1, 2, 3, 4, 5].map((k) => (d.getUTCDay() === k ? 1 : 0)), d.getUTCMonth() + 1]);
    }
    const cols = calendarColumns(dates, true, true);
    const f = new CalendarFeatures(true, true);
    expect(dates.filter((d, i) => f.update(bar(d)).some((v, c) => v !== want[i]![c]))).toEqual([]);
    expect(dates.filter((_, i) => cols.some((col, c) => col[i] !== want[i]![c]))).toEqual([]);
    expect(cols.map((c) => c[dates.indexOf('2017-11-11')])).toEqual([0, 0, 0, 0, 0, 11]);
  });

  it('either part alone', () => {
    expect(new CalendarFeatures(false, true).update(bar('2017-11-10'))).toEqual([11]);
    expect(calendarColumns(['2017-11-10'], true, false).map((c) => c[0])).toEqual([0, 0, 0, 0, 1]);
  });
});
