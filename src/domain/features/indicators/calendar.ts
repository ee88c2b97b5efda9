import type { Bar } from '../../market/types.ts';
import type { StreamingIndicator } from './types.ts';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;

/** Day-of-week one-hot (trading days are Monday–Friday) and/or the month number (1–12). */
export class CalendarFeatures implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = [] as const;
  constructor(
    readonly dayOfWeek: boolean,
    readonly month: boolean,
  ) {
    this.columns = [...(dayOfWeek ? DAYS.map((d) => `dow_${d}`) : []), ...(month ? ['month'] : [])];
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
