// NYSE trading calendar, America/New_York, 1990-01-01..2035-12-31. Pure code, no I/O.
//
// Rules (NYSE Rule 7.2 and the exchange's published holiday calendars) plus the special
// closures, unscheduled early closes and late openings recorded in the NYSE's own
// history of closings. Checked day by day against pandas_market_calendars in
// src/domain/calendar/nyse.test.ts (fixture: scripts/fixtures/nyse_calendar.py).
//
// Internally a date is a day number (days since 1970-01-01), which keeps the hot paths free of
// luxon; luxon is used only to build the Session instants in the New York zone.
import { DateTime } from 'luxon';

export const NY = 'America/New_York';

export interface Session {
  date: string; // YYYY-MM-DD
  open: DateTime; // America/New_York
  close: DateTime;
  earlyClose: boolean;
}

export interface Closure {
  date: string;
  name: string;
}

export const CALENDAR_RANGE: { readonly first: string; readonly last: string } = Object.freeze({
  first: '1990-01-01',
  last: '2035-12-31',
});

const FIRST_YEAR = 1990;
const LAST_YEAR = 2035;
const REGULAR_OPEN = '09:30';
const REGULAR_CLOSE = '16:00';

// ---------------------------------------------------------------- day numbers

const SUN = 0;
const MON = 1;
const WED = 3;
const THU = 4;
const SAT = 6;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function dayNum(y: number, m: number, d: number): number {
  return Math.floor(Date.UTC(y, m - 1, d) / 86_400_000);
}

/** 0 = Sunday .. 6 = Saturday (1970-01-01 was a Thursday). */
function weekday(n: number): number {
  return (((n + 4) % 7) + 7) % 7;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function formatDay(n: number): string {
  const d = new Date(n * 86_400_000);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

function yearOfDay(n: number): number {
  return new Date(n * 86_400_000).getUTCFullYear();
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Parses a YYYY-MM-DD calendar date (any year) or throws a RangeError. */
function parseDay(date: string): number {
  const m = typeof date === 'string' ? DATE_RE.exec(date) : null;
  if (m === null) throw new RangeError(`invalid date ${JSON.stringify(date)}: expected YYYY-MM-DD`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) {
    throw new RangeError(`invalid date ${JSON.stringify(date)}: no such calendar day`);
  }
  return dayNum(y, mo, d);
}

const FIRST_DAY = dayNum(FIRST_YEAR, 1, 1);
const LAST_DAY = dayNum(LAST_YEAR, 12, 31);

function outOfRange(what: string): RangeError {
  return new RangeError(`${what} is outside the NYSE calendar range ${CALENDAR_RANGE.first}..${CALENDAR_RANGE.last}`);
}

/** Parses and range-checks a date string; returns its day number. */
function inRangeDay(date: string): number {
  const n = parseDay(date);
  if (n < FIRST_DAY || n > LAST_DAY) throw outOfRange(date);
  return n;
}

function checkYear(year: number): void {
  if (!Number.isInteger(year)) throw new RangeError(`invalid year ${String(year)}: expected an integer`);
  if (year < FIRST_YEAR || year > LAST_YEAR) throw outOfRange(`year ${year}`);
}

/** Validates a wall-clock time HH:mm (00:00..23:59) or throws a RangeError. */
export function parseHhmm(hhmm: string): { hour: number; minute: number } {
  const m = typeof hhmm === 'string' ? /^(\d{2}):(\d{2})$/.exec(hhmm) : null;
  const hour = m ? Number(m[1]) : NaN;
  const minute = m ? Number(m[2]) : NaN;
  if (!(hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59)) {
    throw new RangeError(`invalid time ${JSON.stringify(hhmm)}: expected HH:mm`);
  }
  return { hour, minute };
}

/** Validates a YYYY-MM-DD string (any year) and returns its parts. */
export function parseIsoDate(date: string): { year: number; month: number; day: number } {
  const d = new Date(parseDay(date) * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

// ---------------------------------------------------------------- holiday rules

/** The k-th (1-based) given weekday of a month. */
function nthWeekday(y: number, m: number, wd: number, k: number): number {
  const first = dayNum(y, m, 1);
  return first + ((wd - weekday(first) + 7) % 7) + 7 * (k - 1);
}

function lastWeekday(y: number, m: number, wd: number): number {
  const last = dayNum(y, m, daysInMonth(y, m));
  return last - ((weekday(last) - wd + 7) % 7);
}

/** Easter Sunday, anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
function easterSunday(y: number): number {
  const a = y % 19;
  const b = Math.floor(y / 100);
  const c = y % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return dayNum(y, month, day);
}

/** Saturday -> Friday before, Sunday -> Monday after (NYSE Rule 7.2). */
function observed(n: number): number {
  const wd = weekday(n);
  return wd === SAT ? n - 1 : wd === SUN ? n + 1 : n;
}

// Unscheduled full-day closures since 1990 (NYSE history of closings).
const SPECIAL_CLOSURES: readonly (readonly [string, string])[] = [
  ['1994-04-27', 'National Day of Mourning for former President Richard Nixon'],
  ['2001-09-11', 'September 11 attacks'],
  ['2001-09-12', 'September 11 attacks'],
  ['2001-09-13', 'September 11 attacks'],
  ['2001-09-14', 'September 11 attacks'],
  ['2004-06-11', 'National Day of Mourning for former President Ronald Reagan'],
  ['2007-01-02', 'National Day of Mourning for former President Gerald Ford'],
  ['2012-10-29', 'Hurricane Sandy'],
  ['2012-10-30', 'Hurricane Sandy'],
  ['2018-12-05', 'National Day of Mourning for former President George H.W. Bush'],
  ['2025-01-09', 'National Day of Mourning for former President Jimmy Carter'],
];

// Ad-hoc shortened sessions. Closes below 16:00 are early closes; opens after 09:30 are late opens.
const ADHOC_CLOSES: readonly (readonly [string, string, string])[] = [
  ['1994-02-11', '14:30', 'Snowstorm'],
  ['1996-01-08', '14:00', 'Blizzard'],
  ['1997-10-27', '15:30', 'Circuit breaker halt (market decline)'],
  // Y2K: approved by the NYSE board in June 1999. pandas_market_calendars omits it; see the test.
  ['1999-12-31', '13:00', "New Year's Eve (Y2K)"],
  ['2005-06-01', '15:56', 'Systems communication problem'],
];

const ADHOC_OPENS: readonly (readonly [string, string, string])[] = [
  ['1990-12-27', '09:31', 'Con Edison transformer explosion'],
  ['1991-01-17', '09:31', 'Moment of silence: troops in the Gulf War'],
  ['1991-02-25', '09:31', 'Moment of silence: troops in the Gulf War'],
  ['1995-12-18', '10:30', 'Computer problem'],
  ['1996-01-08', '11:00', 'Blizzard'],
  ['2001-09-17', '09:33', 'Moment of silence: September 11 victims'],
  ['2001-10-08', '09:31', 'Moment of silence: Operation Enduring Freedom'],
  ['2002-09-11', '12:00', 'September 11 anniversary'],
  ['2003-03-20', '09:32', 'Moment of silence: Operation Iraqi Freedom'],
  ['2004-06-07', '09:32', 'Moment of silence: former President Ronald Reagan'],
  ['2006-12-27', '09:32', 'Moment of silence: former President Gerald Ford'],
];

interface Hours {
  time: string; // HH:mm
  name: string;
}

interface YearInfo {
  closed: Map<number, string>; // weekday closures only
  early: Map<number, Hours>;
  late: Map<number, Hours>;
}

function buildYear(y: number): YearInfo {
  const closed = new Map<number, string>();
  const add = (n: number, name: string): void => {
    const wd = weekday(n);
    if (wd !== SAT && wd !== SUN && yearOfDay(n) === y) closed.set(n, name);
  };
  const addObserved = (n: number, name: string): void => {
    const o = observed(n);
    add(o, o === n ? name : `${name} (observed)`);
  };

  // New Year's Day: Sunday -> Monday; on a Saturday it is not observed (Rule 7.2 exempts the
  // Friday before when it ends a monthly or yearly accounting period), e.g. 2021-12-31 traded.
  const ny = dayNum(y, 1, 1);
  if (weekday(ny) !== SAT) addObserved(ny, "New Year's Day");
  // Markets first closed for Martin Luther King Jr. Day in 1998.
  if (y >= 1998) add(nthWeekday(y, 1, MON, 3), 'Martin Luther King Jr. Day');
  add(nthWeekday(y, 2, MON, 3), "Washington's Birthday");
  add(easterSunday(y) - 2, 'Good Friday');
  add(lastWeekday(y, 5, MON), 'Memorial Day');
  // Juneteenth became an NYSE holiday in 2022 (federal holiday since 2021-06-17, too late for 2021).
  if (y >= 2022) addObserved(dayNum(y, 6, 19), 'Juneteenth National Independence Day');
  addObserved(dayNum(y, 7, 4), 'Independence Day');
  add(nthWeekday(y, 9, MON, 1), 'Labor Day');
  const thanksgiving = nthWeekday(y, 11, THU, 4);
  add(thanksgiving, 'Thanksgiving Day');
  addObserved(dayNum(y, 12, 25), 'Christmas Day');
  for (const [date, name] of SPECIAL_CLOSURES) {
    const n = parseDay(date);
    if (yearOfDay(n) === y) add(n, name);
  }

  const early = new Map<number, Hours>();
  const addEarly = (n: number, time: string, name: string): void => {
    // A shortened session only exists on a trading day.
    const wd = weekday(n);
    if (wd !== SAT && wd !== SUN && !closed.has(n)) early.set(n, { time, name });
  };

  // Independence Day: 1:00 pm the day before (Mon-Thu), since 1995. Before 2013, when July 4th
  // was a Thursday the early close fell on Friday July 5th instead (1996, 2002).
  const jul3 = dayNum(y, 7, 3);
  const jul3wd = weekday(jul3);
  if (y >= 1995 && jul3wd >= MON && jul3wd <= THU) {
    if (jul3wd === WED && y < 2013) addEarly(jul3 + 2, '13:00', 'Day after Independence Day');
    else addEarly(jul3, '13:00', 'Day before Independence Day');
  }
  // Day after Thanksgiving: 2:00 pm in 1992, 1:00 pm since 1993 (a full day before 1992).
  if (y === 1992) addEarly(thanksgiving + 1, '14:00', 'Day after Thanksgiving');
  if (y >= 1993) addEarly(thanksgiving + 1, '13:00', 'Day after Thanksgiving');
  // Christmas Eve on Mon-Thu: 2:00 pm in 1990-1992, 1:00 pm since 1996 (1993-1995 fell Fri-Sun).
  const dec24 = dayNum(y, 12, 24);
  const dec24wd = weekday(dec24);
  if (dec24wd >= MON && dec24wd <= THU) {
    if (y <= 1992) addEarly(dec24, '14:00', 'Christmas Eve');
    else if (y >= 1996) addEarly(dec24, '13:00', 'Christmas Eve');
  }
  // Friday after a Thursday Christmas: only 1997 and 2003 (2008, 2014 and 2025 were full days).
  if (y === 1997 || y === 2003) addEarly(dayNum(y, 12, 26), '13:00', 'Day after Christmas');
  for (const [date, time, name] of ADHOC_CLOSES) {
    const n = parseDay(date);
    if (yearOfDay(n) === y) addEarly(n, time, name);
  }

  const late = new Map<number, Hours>();
  for (const [date, time, name] of ADHOC_OPENS) {
    const n = parseDay(date);
    if (yearOfDay(n) === y && !closed.has(n)) late.set(n, { time, name });
  }
  return { closed, early, late };
}

const years = new Map<number, YearInfo>();

function yearInfo(y: number): YearInfo {
  let info = years.get(y);
  if (info === undefined) {
    info = buildYear(y);
    years.set(y, info);
  }
  return info;
}

function isTradingDayNum(n: number): boolean {
  const wd = weekday(n);
  return wd !== SAT && wd !== SUN && !yearInfo(yearOfDay(n)).closed.has(n);
}

// ---------------------------------------------------------------- whole-range index

interface RangeIndex {
  days: Int32Array; // trading day numbers, ascending
  strings: string[]; // the same days as YYYY-MM-DD
  before: Int32Array; // before[n - FIRST_DAY] = number of trading days strictly before day n
}

let rangeIndex: RangeIndex | undefined;

// Built once, on the first navigation call: ~17k days, a few milliseconds.
function index(): RangeIndex {
  if (rangeIndex !== undefined) return rangeIndex;
  const span = LAST_DAY - FIRST_DAY + 1;
  const before = new Int32Array(span + 1);
  const days: number[] = [];
  for (let i = 0; i < span; i++) {
    before[i] = days.length;
    if (isTradingDayNum(FIRST_DAY + i)) days.push(FIRST_DAY + i);
  }
  before[span] = days.length;
  rangeIndex = { days: Int32Array.from(days), strings: days.map(formatDay), before };
  return rangeIndex;
}

function tradingDayAt(i: number, what: string): string {
  const idx = index();
  const s = idx.strings[i];
  if (s === undefined) throw outOfRange(what);
  return s;
}

// ---------------------------------------------------------------- public API

/** True when the NYSE holds a session (full or shortened) on this date. */
export function isTradingDay(date: string): boolean {
  return isTradingDayNum(inRangeDay(date));
}

const sessions = new Map<number, Session>();

function nyInstant(n: number, hhmm: string): DateTime {
  const d = new Date(n * 86_400_000);
  const { hour, minute } = parseHhmm(hhmm);
  return DateTime.fromObject(
    { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour, minute },
    { zone: NY },
  );
}

function sessionNum(n: number): Session | null {
  if (!isTradingDayNum(n)) return null;
  let s = sessions.get(n);
  if (s === undefined) {
    const info = yearInfo(yearOfDay(n));
    const early = info.early.get(n);
    const late = info.late.get(n);
    s = Object.freeze({
      date: formatDay(n),
      open: nyInstant(n, late?.time ?? REGULAR_OPEN),
      close: nyInstant(n, early?.time ?? REGULAR_CLOSE),
      earlyClose: early !== undefined,
    });
    sessions.set(n, s);
  }
  return s;
}

/** The session held on this date, or null when the exchange is closed. */
export function session(date: string): Session | null {
  return sessionNum(inRangeDay(date));
}

/** Weekday full-day closures of a year (regular holidays, observed dates, special closures), sorted. */
export function holidays(year: number): Closure[] {
  checkYear(year);
  return [...yearInfo(year).closed]
    .sort((a, b) => a[0] - b[0])
    .map(([n, name]) => ({ date: formatDay(n), name }));
}

/** Sessions of a year that closed before 16:00, with the close time in New York. */
export function earlyCloses(year: number): (Closure & { close: string })[] {
  checkYear(year);
  return [...yearInfo(year).early]
    .sort((a, b) => a[0] - b[0])
    .map(([n, h]) => ({ date: formatDay(n), name: h.name, close: h.time }));
}

/** Sessions of a year that opened after 09:30, with the open time in New York. */
export function lateOpens(year: number): (Closure & { open: string })[] {
  checkYear(year);
  return [...yearInfo(year).late]
    .sort((a, b) => a[0] - b[0])
    .map(([n, h]) => ({ date: formatDay(n), name: h.name, open: h.time }));
}

/** The first trading day strictly after date. */
export function nextTradingDay(date: string): string {
  return addTradingDays(date, 1);
}

/** The last trading day strictly before date. */
export function previousTradingDay(date: string): string {
  return addTradingDays(date, -1);
}

/** Trading days from..to, both inclusive, ascending; empty when from > to. */
export function tradingDays(from: string, to: string): string[] {
  const a = inRangeDay(from);
  const b = inRangeDay(to);
  if (a > b) return [];
  const idx = index();
  return idx.strings.slice(idx.before[a - FIRST_DAY], idx.before[b - FIRST_DAY + 1]);
}

/** Number of trading days from..to, both inclusive (0 when from > to). */
export function countTradingDays(from: string, to: string): number {
  const a = inRangeDay(from);
  const b = inRangeDay(to);
  if (a > b) return 0;
  const idx = index();
  return (idx.before[b - FIRST_DAY + 1] ?? 0) - (idx.before[a - FIRST_DAY] ?? 0);
}

/**
 * Moves n trading days from date: n > 0 counts trading days strictly after date, n < 0 strictly
 * before. n = 0 returns date when it is a trading day, otherwise the next trading day.
 * Throws a RangeError when the result falls outside CALENDAR_RANGE.
 */
export function addTradingDays(date: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`invalid trading-day count ${String(n)}: expected an integer`);
  const d = inRangeDay(date);
  const idx = index();
  const before = idx.before[d - FIRST_DAY] ?? 0; // trading days strictly before d
  const isTrading = idx.days[before] === d;
  const target = n > 0 ? before + (isTrading ? 1 : 0) + n - 1 : before + n;
  const what = `${n === 1 ? 'the trading day after' : n === -1 ? 'the trading day before' : `${n} trading days from`} ${date}`;
  return tradingDayAt(target, what);
}

/** The New York calendar date of an instant (not necessarily a trading day). */
export function tradingDayOf(instant: DateTime): string {
  if (!DateTime.isDateTime(instant) || !instant.isValid) throw new RangeError('invalid DateTime');
  const d = instant.setZone(NY).toISODate();
  if (d === null) throw new RangeError('invalid DateTime');
  return d;
}

/** The session in progress at the instant (open <= instant < close), or else the next one. */
export function sessionAtOrAfter(instant: DateTime): Session {
  const date = tradingDayOf(instant);
  let n = inRangeDay(date);
  const ms = instant.toMillis();
  const today = sessionNum(n);
  if (today !== null && ms < today.close.toMillis()) return today;
  const idx = index();
  const next = idx.days[idx.before[n - FIRST_DAY + 1] ?? idx.days.length];
  if (next === undefined) throw outOfRange(`the session after ${instant.toISO() ?? date}`);
  n = next;
  const s = sessionNum(n);
  if (s === null) throw new Error(`calendar index out of sync at ${formatDay(n)}`);
  return s;
}
