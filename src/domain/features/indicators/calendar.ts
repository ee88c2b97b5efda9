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
    const [y, m, d] = bar.date.split('-').map(Number) as [number, number, number];
    const out: number[] = [];
    if (this.dayOfWeek) {
      const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay(); // 1 = Monday
      for (let i = 0; i < DAYS.length; i++) out.push(dow === i + 1 ? 1 : 0);
    }
    if (this.month) out.push(m);
    return out;
  }
}

/**
 * The same columns from `YYYY-MM-DD` dates in one pass: digits read in place and the weekday by
 * Sakamoto's rule in integer arithmetic, no Date objects.
 */
export function calendarColumns(dates: readonly string[], dayOfWeek: boolean, month: boolean): Float64Array[] {
  const n = dates.length;
  const dows = dayOfWeek ? DAYS.map(() => new Float64Array(n)) : [];
  const months = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = dates[i]!;
    const m = (s.charCodeAt(5) - 48) * 10 + s.charCodeAt(6) - 48;
    months[i] = m;
    if (!dayOfWeek) continue;
    const d = (s.charCodeAt(8) - 48) * 10 + s.charCodeAt(9) - 48;
    let y = (s.charCodeAt(0) - 48) * 1000 + (s.charCodeAt(1) - 48) * 100 + (s.charCodeAt(2) - 48) * 10 + s.charCodeAt(3) - 48;
    if (m < 3) y -= 1;
    const dow = (y + ((y / 4) | 0) - ((y / 100) | 0) + ((y / 400) | 0) + MONTH_OFFSET[m - 1]! + d) % 7; // 0 = Sunday
    if (dow >= 1 && dow <= 5) dows[dow - 1]![i] = 1;
  }
  return [...dows, ...(month ? [months] : [])];
}

/** Sakamoto's month offsets. */
const MONTH_OFFSET = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4] as const;

export const calendarFeature = defineFeature({
  kind: 'bars',
  key: 'calendar',
  schema: z.array(z.enum(['day_of_week', 'month'])),
  requires: [],
  columns: (fields) => columnsOf(fields.includes('day_of_week'), fields.includes('month')),
  make: (fields) => (fields.length ? [new CalendarFeatures(fields.includes('day_of_week'), fields.includes('month'))] : []),
  batch: (fields, bars) => calendarColumns(bars.dates, fields.includes('day_of_week'), fields.includes('month')),
});
