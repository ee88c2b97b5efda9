/**
 * The NYSE sessions as epoch milliseconds, for the paper engine's hot paths: "which session is
 * this instant in or before?" is a binary search over numbers, not a luxon zone conversion per
 * request. Built lazily a year at a time from the calendar (domain/calendar/nyse.ts); ISO strings
 * for New York instants are cached too (formatting with luxon is the expensive part).
 */
import { DateTime } from 'luxon';
import { CALENDAR_RANGE, NY, session as nyseSession, tradingDays } from '../calendar/nyse.ts';

export interface SessionMs {
  /** Trading date, YYYY-MM-DD (New York). */
  date: string;
  openMs: number;
  closeMs: number;
}

const FIRST_YEAR = Number(CALENDAR_RANGE.first.slice(0, 4));
const LAST_YEAR = Number(CALENDAR_RANGE.last.slice(0, 4));
const years = new Map<number, SessionMs[]>();
const byDate = new Map<string, { s: SessionMs; i: number }>();

function yearSessions(y: number): SessionMs[] {
  let list = years.get(y);
  if (list) return list;
  list = [];
  if (y >= FIRST_YEAR && y <= LAST_YEAR) {
    for (const d of tradingDays(`${y}-01-01`, `${y}-12-31`)) {
      const s = nyseSession(d);
      if (s) list.push({ date: d, openMs: s.open.toMillis(), closeMs: s.close.toMillis() });
    }
  }
  list.forEach((s, i) => byDate.set(s.date, { s, i }));
  years.set(y, list);
  return list;
}

/** New York's calendar year of an instant (NY is UTC-4 or UTC-5; the hour in between never holds a session). */
const nyYear = (ms: number): number => new Date(ms - 4 * 3_600_000).getUTCFullYear();

function outOfRange(ms: number): RangeError {
  return new RangeError(`${new Date(ms).toISOString()} is outside the NYSE calendar range ${CALENDAR_RANGE.first}..${CALENDAR_RANGE.last}`);
}

// The last answer and the instants it holds for (after the previous close, before its close): a
// replay clock stands still between moves, and a wall clock stays in one session for hours.
let hit: { from: number; s: SessionMs } | null = null;

/** The session in progress at ms (open <= ms < close), or else the next one. */
export function sessionAtOrAfterMs(ms: number): SessionMs {
  if (hit && ms >= hit.from && ms < hit.s.closeMs) return hit.s;
  const s = findSession(ms);
  hit = { from: previousSession(s)?.closeMs ?? -Infinity, s };
  return s;
}

function findSession(ms: number): SessionMs {
  for (let y = nyYear(ms); y <= Math.min(LAST_YEAR, nyYear(ms) + 1); y++) {
    const list = yearSessions(y);
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((list[mid] as SessionMs).closeMs > ms) hi = mid;
      else lo = mid + 1;
    }
    if (lo < list.length) return list[lo] as SessionMs;
  }
  throw outOfRange(ms);
}

/** The last session that closed at or before ms, or null before the calendar's first one. */
export function lastClosedSessionMs(ms: number): SessionMs | null {
  const s = sessionAtOrAfterMs(ms);
  return previousSession(s);
}

export function sessionOfDate(date: string): SessionMs | null {
  const hit = byDate.get(date);
  if (hit) return hit.s;
  const y = Number(date.slice(0, 4));
  if (!Number.isInteger(y)) return null;
  yearSessions(y);
  return byDate.get(date)?.s ?? null;
}

export function nextSession(s: SessionMs): SessionMs {
  const hit = byDate.get(s.date) ?? (sessionOfDate(s.date), byDate.get(s.date));
  if (!hit) throw new RangeError(`${s.date} is not a session`);
  const list = yearSessions(Number(s.date.slice(0, 4)));
  const next = list[hit.i + 1] ?? yearSessions(Number(s.date.slice(0, 4)) + 1)[0];
  if (!next) throw outOfRange(s.closeMs + 86_400_000);
  return next;
}

export function previousSession(s: SessionMs): SessionMs | null {
  const hit = byDate.get(s.date) ?? (sessionOfDate(s.date), byDate.get(s.date));
  if (!hit) throw new RangeError(`${s.date} is not a session`);
  if (hit.i > 0) return yearSessions(Number(s.date.slice(0, 4)))[hit.i - 1] as SessionMs;
  return yearSessions(Number(s.date.slice(0, 4)) - 1).at(-1) ?? null;
}

// ---- ISO strings, cached

const isoCache = new Map<number, string>();

/** The instant in New York time, ISO 8601 with milliseconds and offset (the ledger's format). */
export function isoNy(ms: number): string {
  let s = isoCache.get(ms);
  if (s === undefined) {
    if (isoCache.size > 50_000) isoCache.clear();
    s = DateTime.fromMillis(ms, { zone: NY }).toISO({ suppressMilliseconds: false }) as string;
    isoCache.set(ms, s);
  }
  return s;
}

const midnightCache = new Map<string, { iso: string; ms: number }>();

/** Midnight New York of a date, in UTC: Alpaca's `t` for a daily bar (`2017-11-08T05:00:00Z`). */
export function nyMidnight(date: string): { iso: string; ms: number } {
  let m = midnightCache.get(date);
  if (m === undefined) {
    const t = DateTime.fromISO(date, { zone: NY }).toUTC();
    m = { iso: t.toISO({ suppressMilliseconds: true }) as string, ms: t.toMillis() };
    midnightCache.set(date, m);
  }
  return m;
}

/** Parses an ISO timestamp (any offset) or a YYYY-MM-DD date (midnight New York) to epoch ms; NaN when invalid. */
export function parseInstant(text: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const t = DateTime.fromISO(text, { zone: NY });
    return t.isValid ? t.toMillis() : NaN;
  }
  // RFC 3339 with an offset or Z; nanosecond fractions are cut to milliseconds.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(text)) return NaN;
  const t = DateTime.fromISO(text.replace(/(\.\d{3})\d+/, '$1'), { zone: 'utc' });
  return t.isValid ? t.toMillis() : NaN;
}
