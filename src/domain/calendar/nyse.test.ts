import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  CALENDAR_RANGE,
  NY,
  addTradingDays,
  countTradingDays,
  earlyCloses,
  holidays,
  isTradingDay,
  lateOpens,
  nextTradingDay,
  previousTradingDay,
  session,
  sessionAtOrAfter,
  tradingDayOf,
  tradingDays,
} from './nyse.ts';

// Reference data written by scripts/fixtures/nyse_calendar.py from pandas_market_calendars.
interface Fixture {
  versions: Record<string, string>;
  range: { first: string; last: string };
  regular: { open: string; close: string };
  closedWeekdays: string[];
  earlyCloses: { date: string; close: string }[];
  lateOpens: { date: string; open: string }[];
  secondOpinion: {
    closedDiff: string[];
    hoursDiff: { date: string; pandas_market_calendars: [string, string]; exchange_calendars: [string, string] }[];
  };
}

const fixture = JSON.parse(
  readFileSync(new URL('../../../tests/fixtures/nyse-calendar-1990-2035.json', import.meta.url), 'utf8'),
) as Fixture;

// Where pandas_market_calendars is wrong, the calendar follows the exchange. Each entry is an
// early close ('YYYY-MM-DD HH:mm') that the calendar has and the fixture lacks, or the reverse.
const EARLY_CLOSE_EXCEPTIONS: { date: string; close: string; fixture: string | null; why: string }[] = [
  {
    // pandas_market_calendars lists it as "Disputed. Not in reference source" and keeps a full day.
    // The NYSE board approved a 1:00 pm close for Dec 31, 1999 in June 1999 (NYSE release
    // "The New York Stock Exchange Defers Off-Hours Trading", also reported by The Independent),
    // and the CME/CBOE set their Dec 31, 1999 index close to 12:05 CT (1:05 pm ET) to follow it.
    // exchange_calendars (XNYS) agrees: 13:00.
    date: '1999-12-31',
    close: '13:00',
    fixture: null,
    why: 'Y2K early close approved by the NYSE board',
  },
];
// The other differences between the two libraries (fixture.secondOpinion) are unscheduled events
// that exchange_calendars does not model and pandas_market_calendars takes from the NYSE history
// of closings: late opens (moments of silence, 1995-12-18 computer problem, 1996-01-08 blizzard,
// 2002-09-11 anniversary) and early closes (1994-02-11 snow at 2:30 pm, 1996-01-08 blizzard at
// 2:00 pm, 1997-10-27 circuit breaker at 3:30 pm, 2005-06-01 system halt at 3:56 pm). Those
// follow pandas_market_calendars.

const YEARS = Array.from({ length: 2035 - 1990 + 1 }, (_, i) => 1990 + i);
const yearOf = (d: string): number => Number(d.slice(0, 4));
const dates = (xs: { date: string }[]): string[] => xs.map((x) => x.date);

describe('NYSE calendar: pinned dates', () => {
  it('2024 full holidays', () => {
    expect(holidays(2024)).toEqual([
      { date: '2024-01-01', name: "New Year's Day" },
      { date: '2024-01-15', name: 'Martin Luther King Jr. Day' },
      { date: '2024-02-19', name: "Washington's Birthday" },
      { date: '2024-03-29', name: 'Good Friday' },
      { date: '2024-05-27', name: 'Memorial Day' },
      { date: '2024-06-19', name: 'Juneteenth National Independence Day' },
      { date: '2024-07-04', name: 'Independence Day' },
      { date: '2024-09-02', name: 'Labor Day' },
      { date: '2024-11-28', name: 'Thanksgiving Day' },
      { date: '2024-12-25', name: 'Christmas Day' },
    ]);
  });

  it('2024 early closes at 13:00', () => {
    expect(earlyCloses(2024)).toEqual([
      { date: '2024-07-03', name: 'Day before Independence Day', close: '13:00' },
      { date: '2024-11-29', name: 'Day after Thanksgiving', close: '13:00' },
      { date: '2024-12-24', name: 'Christmas Eve', close: '13:00' },
    ]);
    expect(lateOpens(2024)).toEqual([]);
  });

  it("New Year's Day on a Saturday is not observed on the Friday before", () => {
    expect(isTradingDay('2021-12-31')).toBe(true);
    expect(dates(holidays(2022))).not.toContain('2021-12-31');
    expect(dates(holidays(2021))).not.toContain('2021-12-31');
    expect(isTradingDay('2022-01-03')).toBe(true);
    // Sunday -> Monday
    expect(holidays(2023)[0]).toEqual({ date: '2023-01-02', name: "New Year's Day (observed)" });
  });

  it('Juneteenth from 2022, Sunday -> Monday, Saturday -> Friday', () => {
    expect(isTradingDay('2021-06-18')).toBe(true);
    expect(dates(holidays(2021)).some((d) => d.slice(5, 7) === '06')).toBe(false);
    expect(isTradingDay('2022-06-20')).toBe(false);
    expect(holidays(2022)).toContainEqual({ date: '2022-06-20', name: 'Juneteenth National Independence Day (observed)' });
    expect(isTradingDay('2027-06-18')).toBe(false);
  });

  it('Christmas and Independence Day on weekends', () => {
    expect(holidays(2027)).toContainEqual({ date: '2027-12-24', name: 'Christmas Day (observed)' });
    expect(session('2027-12-24')).toBeNull();
    expect(holidays(2027)).toContainEqual({ date: '2027-07-05', name: 'Independence Day (observed)' });
    expect(isTradingDay('2026-07-03')).toBe(false); // July 4th 2026 is a Saturday
    expect(earlyCloses(2026).map((e) => e.date)).toEqual(['2026-11-27', '2026-12-24']);
  });

  it('special closures', () => {
    for (const d of ['2001-09-11', '2001-09-12', '2001-09-13', '2001-09-14']) expect(isTradingDay(d)).toBe(false);
    expect(isTradingDay('2001-09-10')).toBe(true);
    expect(nextTradingDay('2001-09-10')).toBe('2001-09-17');
    for (const d of ['1994-04-27', '2004-06-11', '2007-01-02', '2012-10-29', '2012-10-30', '2018-12-05', '2025-01-09']) {
      expect(isTradingDay(d)).toBe(false);
    }
    expect(holidays(2025)).toContainEqual({ date: '2025-01-09', name: 'National Day of Mourning for former President Jimmy Carter' });
  });

  it('1990s rules: no MLK day before 1998, 2 pm closes before 1993, July 5th early closes', () => {
    expect(isTradingDay('1997-01-20')).toBe(true);
    expect(isTradingDay('1998-01-19')).toBe(false);
    expect(earlyCloses(1990)).toEqual([{ date: '1990-12-24', name: 'Christmas Eve', close: '14:00' }]);
    expect(earlyCloses(1992).map((e) => `${e.date} ${e.close}`)).toEqual(['1992-11-27 14:00', '1992-12-24 14:00']);
    expect(earlyCloses(1996).map((e) => e.date)).toEqual(['1996-01-08', '1996-07-05', '1996-11-29', '1996-12-24']);
    expect(earlyCloses(2002).map((e) => e.date)).toContain('2002-07-05');
    expect(earlyCloses(2013).map((e) => e.date)).toContain('2013-07-03');
    expect(earlyCloses(1999)).toContainEqual({ date: '1999-12-31', name: "New Year's Eve (Y2K)", close: '13:00' });
  });

  it('Good Friday follows Easter', () => {
    const goodFridays: Record<number, string> = { 1990: '1990-04-13', 2000: '2000-04-21', 2008: '2008-03-21', 2011: '2011-04-22', 2035: '2035-03-23' };
    for (const [y, d] of Object.entries(goodFridays)) expect(holidays(Number(y))).toContainEqual({ date: d, name: 'Good Friday' });
  });
});

describe('NYSE calendar: parity with pandas_market_calendars', () => {
  it('fixture records its source and range', () => {
    expect(fixture.versions['pandas_market_calendars']).toMatch(/^\d+\.\d+/);
    expect(fixture.range).toEqual(CALENDAR_RANGE);
    expect(fixture.regular).toEqual({ open: '09:30', close: '16:00' });
  });

  it('exceptions are still real disagreements, backed by the second opinion', () => {
    for (const ex of EARLY_CLOSE_EXCEPTIONS) {
      const inFixture = fixture.earlyCloses.find((e) => e.date === ex.date);
      expect(inFixture?.close ?? null, ex.why).toBe(ex.fixture);
      const second = fixture.secondOpinion.hoursDiff.find((h) => h.date === ex.date);
      expect(second?.exchange_calendars[1], ex.why).toBe(ex.close);
    }
    // The two libraries agree on every closed day.
    expect(fixture.secondOpinion.closedDiff).toEqual([]);
  });

  it.each(YEARS)('%i: closures, early closes and late opens match', (year) => {
    expect(dates(holidays(year))).toEqual(fixture.closedWeekdays.filter((d) => yearOf(d) === year));

    const expected = fixture.earlyCloses.filter((e) => yearOf(e.date) === year).map((e) => `${e.date} ${e.close}`);
    for (const ex of EARLY_CLOSE_EXCEPTIONS.filter((e) => yearOf(e.date) === year)) {
      const i = expected.indexOf(`${ex.date} ${ex.fixture ?? ''}`);
      if (i >= 0) expected.splice(i, 1);
      expected.push(`${ex.date} ${ex.close}`);
    }
    expect(earlyCloses(year).map((e) => `${e.date} ${e.close}`)).toEqual(expected.sort());

    expect(lateOpens(year).map((e) => `${e.date} ${e.open}`)).toEqual(
      fixture.lateOpens.filter((e) => yearOf(e.date) === year).map((e) => `${e.date} ${e.open}`),
    );
  });

  it('every weekday in range: trading unless the fixture says closed', () => {
    const closed = new Set(fixture.closedWeekdays);
    const all = tradingDays(CALENDAR_RANGE.first, CALENDAR_RANGE.last);
    let weekdays = 0;
    for (let d = DateTime.fromISO(CALENDAR_RANGE.first, { zone: 'utc' }); d.year <= 2035; d = d.plus({ days: 1 })) {
      if (d.weekday >= 6) continue;
      weekdays++;
      const iso = d.toISODate() ?? '';
      expect(isTradingDay(iso)).toBe(!closed.has(iso));
    }
    expect(all.length).toBe(weekdays - closed.size);
    expect(countTradingDays(CALENDAR_RANGE.first, CALENDAR_RANGE.last)).toBe(all.length);
    expect(all.every((d, i) => i === 0 || (all[i - 1] ?? '') < d)).toBe(true);
  });
});

describe('NYSE calendar: sessions', () => {
  it('regular session in New York time, across DST', () => {
    const winter = session('2024-03-08');
    expect(winter?.open.toISO()).toBe('2024-03-08T09:30:00.000-05:00');
    expect(winter?.close.toISO()).toBe('2024-03-08T16:00:00.000-05:00');
    expect(winter?.earlyClose).toBe(false);
    expect(winter?.open.zoneName).toBe(NY);
    const summer = session('2024-03-11');
    expect(summer?.open.toUTC().toISO()).toBe('2024-03-11T13:30:00.000Z');
  });

  it('early close and late open sessions', () => {
    const s = session('2024-11-29');
    expect(s?.close.toISO()).toBe('2024-11-29T13:00:00.000-05:00');
    expect(s?.earlyClose).toBe(true);
    const blizzard = session('1996-01-08');
    expect([blizzard?.open.toFormat('HH:mm'), blizzard?.close.toFormat('HH:mm'), blizzard?.earlyClose]).toEqual(['11:00', '14:00', true]);
    expect(session('2002-09-11')?.open.toFormat('HH:mm')).toBe('12:00');
  });

  it('closed days have no session', () => {
    expect(session('2024-12-25')).toBeNull();
    expect(session('2024-12-28')).toBeNull(); // Saturday
  });

  it('tradingDayOf uses the New York date', () => {
    expect(tradingDayOf(DateTime.fromISO('2024-01-02T03:00:00Z'))).toBe('2024-01-01');
    expect(tradingDayOf(DateTime.fromISO('2024-07-04T12:00:00', { zone: 'Asia/Tokyo' }))).toBe('2024-07-03');
  });

  it('sessionAtOrAfter: before open, during, at and after close, over weekends and holidays', () => {
    const at = (iso: string): string => sessionAtOrAfter(DateTime.fromISO(iso, { zone: NY })).date;
    expect(at('2024-07-02T08:00')).toBe('2024-07-02');
    expect(at('2024-07-02T12:00')).toBe('2024-07-02');
    expect(at('2024-07-02T16:00')).toBe('2024-07-03'); // close is exclusive
    expect(at('2024-07-03T13:30')).toBe('2024-07-05'); // after the 1 pm close, over July 4th
    expect(at('2024-07-06T10:00')).toBe('2024-07-08'); // Saturday
    expect(at('2024-12-31T23:59')).toBe('2025-01-02');
    expect(sessionAtOrAfter(DateTime.fromISO('2024-07-02T14:00:00Z')).date).toBe('2024-07-02'); // 10:00 in New York
  });
});

describe('NYSE calendar: navigation', () => {
  it('next and previous are strict', () => {
    expect(nextTradingDay('2024-03-28')).toBe('2024-04-01');
    expect(nextTradingDay('2024-03-29')).toBe('2024-04-01');
    expect(previousTradingDay('2024-04-01')).toBe('2024-03-28');
    expect(previousTradingDay('2024-01-02')).toBe('2023-12-29');
    expect(nextTradingDay('2024-12-31')).toBe('2025-01-02');
  });

  it('tradingDays is inclusive and ascending', () => {
    expect(tradingDays('2024-12-23', '2025-01-03')).toEqual([
      '2024-12-23', '2024-12-24', '2024-12-26', '2024-12-27', '2024-12-30', '2024-12-31', '2025-01-02', '2025-01-03',
    ]);
    expect(tradingDays('2024-12-25', '2024-12-25')).toEqual([]);
    expect(tradingDays('2024-12-26', '2024-12-26')).toEqual(['2024-12-26']);
    expect(tradingDays('2025-01-03', '2024-12-23')).toEqual([]);
    expect(countTradingDays('2024-01-01', '2024-12-31')).toBe(252);
  });

  it('addTradingDays in both directions, from trading and non-trading days', () => {
    expect(addTradingDays('2024-07-03', 1)).toBe('2024-07-05');
    expect(addTradingDays('2024-07-03', 2)).toBe('2024-07-08');
    expect(addTradingDays('2024-07-04', 1)).toBe('2024-07-05');
    expect(addTradingDays('2024-07-04', -1)).toBe('2024-07-03');
    expect(addTradingDays('2024-07-08', -3)).toBe('2024-07-02');
    expect(addTradingDays('2024-07-06', -2)).toBe('2024-07-03');
    expect(addTradingDays('2024-07-05', 0)).toBe('2024-07-05');
    expect(addTradingDays('2024-07-04', 0)).toBe('2024-07-05'); // rolls forward
    expect(addTradingDays('1990-01-02', 11576)).toBe('2035-12-31');
    const all = tradingDays('2020-01-01', '2020-12-31');
    expect(addTradingDays(all[0] ?? '', all.length - 1)).toBe(all.at(-1));
  });

  it('stays within the range and says so', () => {
    expect(() => previousTradingDay('1990-01-02')).toThrow(RangeError);
    expect(() => nextTradingDay('2035-12-31')).toThrow(/1990-01-01\.\.2035-12-31/);
    expect(() => isTradingDay('1989-12-29')).toThrow(/1989-12-29.*1990-01-01\.\.2035-12-31/);
    expect(() => session('2036-01-02')).toThrow(RangeError);
    expect(() => holidays(1989)).toThrow(RangeError);
    expect(() => earlyCloses(2036)).toThrow(RangeError);
    expect(() => tradingDays('1989-12-01', '1990-02-01')).toThrow(RangeError);
    expect(() => sessionAtOrAfter(DateTime.fromISO('2035-12-31T16:00', { zone: NY }))).toThrow(RangeError);
    expect(() => addTradingDays('2024-01-02', 1.5)).toThrow(RangeError);
  });

  it('rejects malformed and impossible dates', () => {
    for (const bad of ['2024-1-05', '2024-13-01', '2023-02-29', '2024-04-31', '20240105', '', 'today', '2024-01-05T00:00']) {
      expect(() => isTradingDay(bad), bad).toThrow(RangeError);
    }
    expect(isTradingDay('2024-02-29')).toBe(true);
    expect(() => tradingDayOf(DateTime.invalid('nope'))).toThrow(RangeError);
  });
});
