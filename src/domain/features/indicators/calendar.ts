import { z } from 'zod';
import type { Bar } from '../../market/types.ts';
import { defineFeature } from '../factory.ts';
import type { StreamingIndicator } from './types.ts';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
export type CalendarField = 'day_of_week' | 'month';

const columnsOf = (dayOfWeek: boolean, month: boolean): string[] => [...(dayOfWeek ? DAYS.map((d) => `dow_${d}`) : []), ...(month ? ['month'] : [])];

/** Day-of-week one-hot (trading days are Monday–Friday) and/or the month number (1–12). */
export class CalendarFeatures implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = [] as const;
  readonly name = 'calendar';
  constructor(
    readonly dayOfWeek: boolean,
    readonly month: boolean,
  ) {
    this.columns = columnsOf(dayOfWeek, month);
  }
  update(bar: Bar): readonly (number | null)[] {
    const out: number[] = [];
    if (this.dayOfWeek) {
      const dow = weekday(bar.date); // 1 = Monday
      for (let i = 0; i < DAYS.length; i++) out.push(dow === i + 1 ? 1 : 0);
    }
    if (this.month) out.push(monthOf(bar.date));
    return out;
  }
}

/** Sakamoto's month offsets. */
const MONTH_OFFSET = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4] as const;

/** The month (1–12) of a `YYYY-MM-DD` date, read in place. */
const monthOf = (s: string): number => (s.charCodeAt(5) - 48) * 10 + s.charCodeAt(6) - 48;

/** The weekday (0 = Sunday … 6 = Saturday) of a `YYYY-MM-DD` date: Sakamoto's rule in integers, no Date object. */
function weekday(s: string): number {
  const m = monthOf(s);
  const d = (s.charCodeAt(8) - 48) * 10 + s.charCodeAt(9) - 48;
  let y = (s.charCodeAt(0) - 48) * 1000 + (s.charCodeAt(1) - 48) * 100 + (s.charCodeAt(2) - 48) * 10 + s.charCodeAt(3) - 48;
  if (m < 3) y -= 1;
  return (y + ((y / 4) | 0) - ((y / 100) | 0) + ((y / 400) | 0) + MONTH_OFFSET[m - 1]! + d) % 7;
}

/** The same columns for a whole date column, in one pass. */
export function calendarColumns(dates: readonly string[], dayOfWeek: boolean, month: boolean): Float64Array[] {
  const n = dates.length;
  const dows = dayOfWeek ? DAYS.map(() => new Float64Array(n)) : [];
  const months = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = dates[i]!;
    months[i] = monthOf(s);
    if (!dayOfWeek) continue;
    const dow = weekday(s);
    if (dow >= 1 && dow <= 5) dows[dow - 1]![i] = 1;
  }
  return [...dows, ...(month ? [months] : [])];
}

export const calendarFeature = defineFeature({
  kind: 'bars',
  key: 'calendar',
  schema: z.array(z.enum(['day_of_week', 'month'])),
  requires: [],
  columns: (fields) => columnsOf(fields.includes('day_of_week'), fields.includes('month')),
  make: (fields) => (fields.length ? [new CalendarFeatures(fields.includes('day_of_week'), fields.includes('month'))] : []),
  batch: (fields, bars) => calendarColumns(bars.dates, fields.includes('day_of_week'), fields.includes('month')),
});
