import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { NY, sessionAtOrAfter } from '../calendar/nyse.ts';
import { isoNy, nextSession, nyMidnight, parseInstant, previousSession, sessionAtOrAfterMs, sessionOfDate } from './auctions.ts';

describe('sessions in epoch milliseconds', () => {
  it('agrees with the calendar every few hours over a year, across DST changes, holidays and year ends', () => {
    let t = DateTime.fromISO('2016-12-28T00:00', { zone: NY });
    const end = DateTime.fromISO('2018-01-05T00:00', { zone: NY });
    for (; t < end; t = t.plus({ minutes: 173 })) {
      const want = sessionAtOrAfter(t);
      const got = sessionAtOrAfterMs(t.toMillis());
      expect([got.date, got.openMs, got.closeMs]).toEqual([want.date, want.open.toMillis(), want.close.toMillis()]);
    }
  });

  it('walks sessions forward and back over a year end and a holiday', () => {
    const s = sessionOfDate('2017-12-29');
    expect(s && nextSession(s).date).toBe('2018-01-02');
    expect(previousSession(sessionOfDate('2018-01-02') as NonNullable<typeof s>)?.date).toBe('2017-12-29');
    expect(sessionOfDate('2017-11-23')).toBeNull(); // Thanksgiving
    expect(sessionOfDate('2017-11-24')?.closeMs).toBe(DateTime.fromISO('2017-11-24T13:00', { zone: NY }).toMillis());
  });

  it('formats and parses instants as the ledger and the SDKs write them', () => {
    const ms = DateTime.fromISO('2017-11-08T16:30', { zone: NY }).toMillis();
    expect(isoNy(ms)).toBe('2017-11-08T16:30:00.000-05:00');
    expect(nyMidnight('2017-07-03').iso).toBe('2017-07-03T04:00:00Z');
    expect(parseInstant('2017-11-08T21:30:00+00:00')).toBe(ms);
    expect(parseInstant('2017-11-08T21:30:00.000000000Z')).toBe(ms);
    expect(parseInstant('2017-11-08')).toBe(DateTime.fromISO('2017-11-08', { zone: NY }).toMillis());
    expect(parseInstant('garbage')).toBeNaN();
    expect(parseInstant('2017-02-30')).toBeNaN();
  });
});
