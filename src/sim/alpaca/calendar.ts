/**
 * GET /v2/calendar: the NYSE sessions between two dates, in Alpaca's shape (`date`, `open` and
 * `close` as "HH:MM" New York time). Built from the calendar's published exceptions (early closes,
 * late opens), without a timezone conversion per day; the whole calendar (no dates given, as
 * Alpaca answers) is serialised once and reused.
 */
import { CALENDAR_RANGE, addTradingDays, earlyCloses, lateOpens, tradingDays } from '../../domain/calendar/nyse.ts';
import { HttpError } from './wire.ts';

interface CalendarDay {
  date: string;
  open: string;
  close: string;
  session_open: string;
  session_close: string;
  settlement_date: string;
}

const FIRST_YEAR = Number(CALENDAR_RANGE.first.slice(0, 4));
const LAST_YEAR = Number(CALENDAR_RANGE.last.slice(0, 4));
const yearCache = new Map<number, CalendarDay[]>();
let fullJson: string | null = null;

/** Settlement: T+2 until the SEC's move to T+1 on 2024-05-28. */
function settlement(date: string): string {
  try {
    return addTradingDays(date, date >= '2024-05-28' ? 1 : 2);
  } catch {
    return date; // past the calendar's end
  }
}

function year(y: number): CalendarDay[] {
  let days = yearCache.get(y);
  if (!days) {
    const closes = new Map(earlyCloses(y).map((c) => [c.date, c.close]));
    const opens = new Map(lateOpens(y).map((c) => [c.date, c.open]));
    days = tradingDays(`${y}-01-01`, `${y}-12-31`).map((d) => ({ date: d, open: opens.get(d) ?? '09:30', close: closes.get(d) ?? '16:00', session_open: '0400', session_close: '2000', settlement_date: settlement(d) }));
    yearCache.set(y, days);
  }
  return days;
}

/** A start/end parameter: `YYYY-MM-DD` (alpaca-py) or an RFC 3339 timestamp (the JS SDK sends `...T00:00:00.000Z`): its date part. */
export function calendarDate(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(value.trim());
  const valid = m && Number(m[2]) >= 1 && Number(m[2]) <= 12 && Number(m[3]) >= 1 && Number(m[3]) <= new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate();
  if (!valid) throw new HttpError(400, { code: 40010001, message: `Invalid format for parameter ${name}: error parsing '${value.slice(0, 40)}' as RFC3339 or 2006-01-02 time` });
  return value.slice(0, 10);
}

/** The sessions start..end (inclusive) as a JSON array string. */
export function calendarJson(start: string | undefined, end: string | undefined): string {
  if (start === undefined && end === undefined && fullJson) return fullJson;
  const from = start ?? CALENDAR_RANGE.first;
  const to = end ?? CALENDAR_RANGE.last;
  for (const [name, d] of [['start', start], ['end', end]] as const) {
    if (d !== undefined && (d < CALENDAR_RANGE.first || d > CALENDAR_RANGE.last)) throw new HttpError(422, { code: 42210000, message: `${name} ${d} is outside this exchange's calendar (${CALENDAR_RANGE.first}..${CALENDAR_RANGE.last})` });
  }
  const out: CalendarDay[] = [];
  if (from <= to) for (let y = Math.max(FIRST_YEAR, Number(from.slice(0, 4))); y <= Math.min(LAST_YEAR, Number(to.slice(0, 4))); y++) for (const d of year(y)) if (d.date >= from && d.date <= to) out.push(d);
  const json = JSON.stringify(out);
  if (start === undefined && end === undefined) fullJson = json;
  return json;
}

/** Builds the calendar a year per event-loop turn (at start-up), so the first full request does not stall others. */
export async function warmCalendar(): Promise<void> {
  for (let y = FIRST_YEAR; y <= LAST_YEAR; y++) {
    year(y);
    await new Promise((resolve) => setImmediate(resolve));
  }
  calendarJson(undefined, undefined);
}
