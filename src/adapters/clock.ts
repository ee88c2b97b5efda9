// Clocks: the daemon asks a Clock for "now" and sleeps on it, so the same scheduler runs in real
// time (WallClock) or over history (ReplayClock, as fast as possible or accelerated).
import { DateTime } from 'luxon';
import { CALENDAR_RANGE, NY, countTradingDays, isTradingDay, parseHhmm, parseIsoDate, tradingDayOf } from '../domain/calendar/nyse.ts';
import type { Clock } from '../ports.ts';

export { NY } from '../domain/calendar/nyse.ts';


/** A wall-clock time on a New York calendar date, e.g. nyDateTime('2024-07-03', '13:00'). */
export function nyDateTime(date: string, hhmm: string): DateTime {
  const { year, month, day } = parseIsoDate(date);
  const { hour, minute } = parseHhmm(hhmm);
  // A time inside the spring-forward gap (02:00-02:59) is moved forward by luxon.
  return DateTime.fromObject({ year, month, day, hour, minute }, { zone: NY });
}

// setTimeout fires at once (with a warning) for delays above 2^31-1 ms, so long waits are chunked.
const MAX_TIMER_MS = 2 ** 31 - 1;

function checkDateTime(t: DateTime, what: string): void {
  if (!DateTime.isDateTime(t) || !t.isValid) throw new RangeError(`${what}: invalid DateTime`);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** Waits ms of real time (chunked past the timer limit); rejects when the signal aborts. */
function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = Date.now() + ms;
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const arm = (): void => {
      const left = deadline - Date.now();
      if (left <= 0) {
        signal?.removeEventListener('abort', onAbort);
        resolve();
        return;
      }
      timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    arm();
  });
}

/** Real time in New York. */
export class WallClock implements Clock {
  readonly kind = 'wall' as const;

  now(): DateTime {
    return DateTime.now().setZone(NY);
  }

  async sleepUntil(t: DateTime, signal?: AbortSignal): Promise<void> {
    checkDateTime(t, 'sleepUntil');
    // The deadline is re-read from the system clock after every chunk, so a long sleep wakes on time.
    await delay(t.toMillis() - Date.now(), signal);
  }
}

/**
 * Position of an instant on a "trading time" axis: each NYSE trading day counts as one unit spread
 * evenly over its calendar day (DST days included); weekends and holidays count for nothing.
 */
function tradingPosition(t: DateTime): number {
  const date = tradingDayOf(t);
  const trading = isTradingDay(date);
  const before = countTradingDays(CALENDAR_RANGE.first, date) - (trading ? 1 : 0);
  if (!trading) return before;
  const ny = t.setZone(NY);
  const start = ny.startOf('day').toMillis();
  const end = ny.plus({ days: 1 }).startOf('day').toMillis();
  return before + (ny.toMillis() - start) / (end - start);
}

/** Simulated trading days between two instants (fractional; negative when to < from). */
export function tradingDaysBetween(from: DateTime, to: DateTime): number {
  checkDateTime(from, 'tradingDaysBetween');
  checkDateTime(to, 'tradingDaysBetween');
  return tradingPosition(to) - tradingPosition(from);
}

export interface ReplayClockOptions {
  /** Simulated start time. */
  start: DateTime;
  /** Real milliseconds per simulated trading day; 0 or undefined replays as fast as possible. */
  msPerTradingDay?: number;
}

/** Simulated time: moves only forward, by advanceTo or sleepUntil. */
export class ReplayClock implements Clock {
  readonly kind = 'replay' as const;
  readonly msPerTradingDay: number;
  #now: DateTime;

  constructor(opts: ReplayClockOptions) {
    checkDateTime(opts.start, 'ReplayClock start');
    const ms = opts.msPerTradingDay ?? 0;
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`ReplayClock msPerTradingDay must be a finite number >= 0, got ${String(ms)}`);
    }
    this.msPerTradingDay = ms;
    this.#now = opts.start.setZone(NY);
  }

  now(): DateTime {
    return this.#now;
  }

  /** Moves simulated time to t; moving backwards throws a RangeError (t equal to now is a no-op). */
  advanceTo(t: DateTime): void {
    checkDateTime(t, 'advanceTo');
    if (t.toMillis() < this.#now.toMillis()) {
      throw new RangeError(`replay clock cannot move backwards from ${this.#now.toISO() ?? '?'} to ${t.toISO() ?? '?'}`);
    }
    this.#now = t.setZone(NY);
  }

  /**
   * Fast mode: advances to t at once. Accelerated mode: waits msPerTradingDay of real time per
   * simulated trading day crossed, then advances (simulated time jumps at wake-up). A t in the past
   * resolves at once; an abort rejects and leaves the clock where it was.
   */
  async sleepUntil(t: DateTime, signal?: AbortSignal): Promise<void> {
    checkDateTime(t, 'sleepUntil');
    if (signal?.aborted) throw abortReason(signal);
    if (t.toMillis() <= this.#now.toMillis()) return;
    if (this.msPerTradingDay > 0) {
      await delay(this.msPerTradingDay * tradingDaysBetween(this.#now, t), signal);
    }
    // Another sleeper may have moved the clock past t meanwhile; never go back.
    if (t.toMillis() > this.#now.toMillis()) this.#now = t.setZone(NY);
  }
}

/**
 * Follows someone else's clock, e.g. an exchange's `GET /v2/clock` during a competition replay:
 * now() is the last time read (refreshed by every poll), and sleepUntil polls until the source
 * reaches t. The source only moves forward; a smaller reading (a restarted source) is ignored.
 */
export class FollowedClock implements Clock {
  readonly kind = 'replay' as const;
  private last: DateTime;

  private constructor(
    private readonly source: () => Promise<DateTime>,
    first: DateTime,
    private readonly pollMs: number,
  ) {
    this.last = first.setZone(NY);
  }

  static async start(source: () => Promise<DateTime>, opts: { pollMs?: number } = {}): Promise<FollowedClock> {
    const first = await source();
    checkDateTime(first, 'FollowedClock source');
    return new FollowedClock(source, first, opts.pollMs ?? 200);
  }

  now(): DateTime {
    return this.last;
  }

  /** Reads the source once; a failed read keeps the last time (the caller's poll retries). */
  async refresh(): Promise<DateTime> {
    try {
      const t = (await this.source()).setZone(NY);
      if (t.isValid && t > this.last) this.last = t;
    } catch {
      // The source may be restarting; the next poll tries again.
    }
    return this.last;
  }

  /**
   * Polls fast while the source stands still or jumps (a replay being advanced); once it moves in
   * step with real time (a wall-clock exchange), it sleeps half the remaining time, at most a minute.
   */
  async sleepUntil(t: DateTime, signal?: AbortSignal): Promise<void> {
    checkDateTime(t, 'sleepUntil');
    let prev = { at: Date.now(), now: this.last };
    for (;;) {
      const now = await this.refresh();
      if (now >= t) return;
      const real = Date.now() - prev.at;
      const moved = now.toMillis() - prev.now.toMillis();
      const wallLike = real > 0 && moved > 0 && Math.abs(moved - real) < 1000;
      prev = { at: Date.now(), now };
      const wait = wallLike ? Math.min(60_000, Math.max(this.pollMs, (t.toMillis() - now.toMillis()) / 2)) : this.pollMs;
      await delay(wait, signal);
    }
  }
}
