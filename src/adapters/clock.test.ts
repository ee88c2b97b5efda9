import { DateTime } from 'luxon';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FollowedClock, NY, ReplayClock, WallClock, nyDateTime, tradingDaysBetween } from './clock.ts';

const at = (date: string, hhmm: string): DateTime => nyDateTime(date, hhmm);

describe('nyDateTime', () => {
  it('builds New York wall-clock times', () => {
    expect(at('2024-07-03', '13:00').toISO()).toBe('2024-07-03T13:00:00.000-04:00');
    expect(at('2024-01-02', '09:30').toISO()).toBe('2024-01-02T09:30:00.000-05:00');
    expect(at('2024-01-02', '09:30').zoneName).toBe(NY);
  });

  it('rejects bad input', () => {
    expect(() => nyDateTime('2024-02-30', '09:30')).toThrow(RangeError);
    expect(() => nyDateTime('2024-02-01', '24:00')).toThrow(RangeError);
    expect(() => nyDateTime('2024-02-01', '9:30')).toThrow(RangeError);
  });
});

describe('tradingDaysBetween', () => {
  it('counts trading days, not calendar days', () => {
    expect(tradingDaysBetween(at('2024-07-01', '16:00'), at('2024-07-05', '16:00'))).toBeCloseTo(3, 9); // over July 4th
    expect(tradingDaysBetween(at('2024-07-05', '16:00'), at('2024-07-08', '16:00'))).toBeCloseTo(1, 9); // over a weekend
    expect(tradingDaysBetween(at('2024-07-06', '00:00'), at('2024-07-08', '00:00'))).toBe(0);
    expect(tradingDaysBetween(at('2024-07-08', '00:00'), at('2024-07-08', '12:00'))).toBeCloseTo(0.5, 9);
  });
});

describe('ReplayClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts where told, in New York time', () => {
    const clock = new ReplayClock({ start: DateTime.fromISO('2024-01-02T14:30:00Z') });
    expect(clock.kind).toBe('replay');
    expect(clock.now().toISO()).toBe('2024-01-02T09:30:00.000-05:00');
  });

  it('advances forward, never backwards', () => {
    const clock = new ReplayClock({ start: at('2024-01-02', '09:30') });
    clock.advanceTo(at('2024-01-02', '16:00'));
    expect(clock.now().toISO()).toBe('2024-01-02T16:00:00.000-05:00');
    clock.advanceTo(at('2024-01-02', '16:00')); // same instant is fine
    expect(() => clock.advanceTo(at('2024-01-02', '15:59'))).toThrow(/backwards/);
    expect(clock.now().toISO()).toBe('2024-01-02T16:00:00.000-05:00');
  });

  it('rejects bad options', () => {
    expect(() => new ReplayClock({ start: DateTime.invalid('x') })).toThrow(RangeError);
    expect(() => new ReplayClock({ start: at('2024-01-02', '09:30'), msPerTradingDay: -1 })).toThrow(RangeError);
  });

  it('fast mode: sleepUntil advances at once, without a timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'setImmediate', 'Date'] });
    const clock = new ReplayClock({ start: at('2024-01-02', '09:30') });
    let done = false;
    const sleeping = (async () => {
      for (let d = 0; d < 250; d++) await clock.sleepUntil(clock.now().plus({ days: 1 }));
    })().then(() => (done = true));
    // Fake time never moves here: only promise callbacks run, so a sleep that waited on a timer would hang.
    for (let i = 0; i < 10_000 && !done; i++) await Promise.resolve();
    expect(done).toBe(true);
    await sleeping;
    expect(vi.getTimerCount()).toBe(0);
    expect(clock.now().toISODate()).toBe('2024-09-08');
    await clock.sleepUntil(at('2020-01-01', '00:00')); // the past: no-op
    expect(clock.now().toISODate()).toBe('2024-09-08');
  });

  it('fast mode: an aborted signal rejects and leaves the clock alone', async () => {
    const clock = new ReplayClock({ start: at('2024-01-02', '09:30') });
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(clock.sleepUntil(at('2024-01-03', '09:30'), ac.signal)).rejects.toThrow('stop');
    expect(clock.now().toISO()).toBe('2024-01-02T09:30:00.000-05:00');
  });

  it('accelerated mode: waits real time proportional to trading days crossed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const clock = new ReplayClock({ start: at('2024-07-01', '16:00'), msPerTradingDay: 60 });
    let woke = false;
    let sleeping = clock.sleepUntil(at('2024-07-05', '16:00')).then(() => (woke = true)); // 3 trading days (July 4th closed): 180 ms
    await vi.advanceTimersByTimeAsync(178);
    expect(woke).toBe(false);
    expect(clock.now().toISO()).toBe('2024-07-01T16:00:00.000-04:00'); // simulated time jumps at wake-up
    await vi.advanceTimersByTimeAsync(3);
    expect(woke).toBe(true);
    await sleeping;
    expect(clock.now().toISO()).toBe('2024-07-05T16:00:00.000-04:00');

    woke = false;
    sleeping = clock.sleepUntil(at('2024-07-06', '12:00')).then(() => (woke = true)); // rest of Friday only: 8 h of 24 = 20 ms
    await vi.advanceTimersByTimeAsync(18);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(3);
    expect(woke).toBe(true);
    await sleeping;
    expect(clock.now().toISO()).toBe('2024-07-06T12:00:00.000-04:00');
  });

  it('accelerated mode: abort rejects, concurrent sleepers never move it back', async () => {
    const clock = new ReplayClock({ start: at('2024-07-01', '16:00'), msPerTradingDay: 1_000 });
    const ac = new AbortController();
    const sleeping = clock.sleepUntil(at('2024-07-10', '16:00'), ac.signal);
    setTimeout(() => ac.abort(), 20);
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
    expect(clock.now().toISO()).toBe('2024-07-01T16:00:00.000-04:00');

    const fast = new ReplayClock({ start: at('2024-07-01', '16:00'), msPerTradingDay: 30 });
    const far = fast.sleepUntil(at('2024-07-03', '16:00')); // 2 days, 60 ms
    const near = fast.sleepUntil(at('2024-07-02', '16:00')); // 1 day, 30 ms
    await near;
    expect(fast.now().toISODate()).toBe('2024-07-02');
    await far;
    expect(fast.now().toISODate()).toBe('2024-07-03');
    fast.advanceTo(at('2024-07-10', '09:30'));
    await fast.sleepUntil(at('2024-07-09', '09:30')); // the past resolves at once
    expect(fast.now().toISODate()).toBe('2024-07-10');
  });
});

describe('WallClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('tells real time in New York', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-07-03T17:00:00Z'));
    const clock = new WallClock();
    expect(clock.kind).toBe('wall');
    expect(clock.now().zoneName).toBe(NY);
    expect(clock.now().toISO()).toBe('2024-07-03T13:00:00.000-04:00');
  });

  it('sleeps until a time, and not at all for the past', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const clock = new WallClock();
    let woke = false;
    const sleeping = clock.sleepUntil(clock.now().plus({ milliseconds: 60 })).then(() => (woke = true));
    await vi.advanceTimersByTimeAsync(59);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(woke).toBe(true);
    await sleeping;
    // The past: resolves with no timer at all.
    await clock.sleepUntil(clock.now().minus({ hours: 1 }));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sleepUntil is abortable', async () => {
    const clock = new WallClock();
    const ac = new AbortController();
    const sleeping = clock.sleepUntil(clock.now().plus({ hours: 1 }), ac.signal);
    setTimeout(() => ac.abort(), 10);
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });

    const pre = new AbortController();
    pre.abort(new Error('already'));
    await expect(clock.sleepUntil(clock.now().plus({ hours: 1 }), pre.signal)).rejects.toThrow('already');
  });

  it('handles waits longer than the 2^31 ms timer limit', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const clock = new WallClock();
    let done = false;
    const sleeping = clock.sleepUntil(clock.now().plus({ days: 30 })).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(29 * 86_400_000);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(86_400_000);
    await sleeping;
    expect(done).toBe(true);
  });
});

describe('FollowedClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('follows a replayed source forward, ignores readings that go back, and wakes when it reaches t', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let src = nyDateTime('2024-03-15', '00:00');
    let reads = 0;
    const clock = await FollowedClock.start(async () => {
      reads++;
      return src;
    }, { pollMs: 10 });
    expect(reads).toBe(1);
    expect(clock.now().toISO()).toBe(src.toISO());
    const target = nyDateTime('2024-03-15', '16:30');
    let woke = false;
    const sleeping = clock.sleepUntil(target).then(() => (woke = true));
    // A source that stands still is polled every pollMs: one read at once, then one per 10 ms.
    await vi.advanceTimersByTimeAsync(60);
    expect(woke).toBe(false);
    expect(reads).toBe(8);
    src = nyDateTime('2024-03-14', '12:00'); // a restarted source reading earlier: ignored
    await vi.advanceTimersByTimeAsync(30);
    expect(clock.now().toISO()).toBe(nyDateTime('2024-03-15', '00:00').toISO());
    src = target;
    await vi.advanceTimersByTimeAsync(10);
    expect(woke).toBe(true);
    await sleeping;
    expect(clock.now().toISO()).toBe(target.toISO());
    expect(reads).toBe(12);
  });

  it('polls slowly once the source moves like a wall clock, and aborts on the signal', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(new Date('2024-03-15T14:00:00Z'));
    let reads = 0;
    // A wall-clock exchange: it reads the (fake) system time, as a real one reads its own.
    const clock = await FollowedClock.start(async () => {
      reads++;
      return DateTime.now().setZone(NY);
    }, { pollMs: 10 });
    const ac = new AbortController();
    const far = clock.sleepUntil(nyDateTime('2024-03-15', '16:00'), ac.signal);
    await vi.advanceTimersByTimeAsync(300);
    // start, the first poll, one 10 ms later that sees it move with real time; then it waits a minute.
    expect(reads).toBe(3);
    ac.abort();
    await expect(far).rejects.toMatchObject({ name: 'AbortError' });
  });
});
