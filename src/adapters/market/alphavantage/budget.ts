/**
 * The request budget for the Alpha Vantage free tier: at most N requests per day and a minimum gap
 * between requests. The state lives in a small JSON file (written atomically) so a restart — or a second
 * provider instance in the same workspace — does not get a fresh quota.
 *
 * Day boundary: Alpha Vantage does not document when its daily quota resets. We count per **UTC
 * calendar day** by default (the server's likely clock); `dayZone: 'America/New_York'` counts per New York
 * day instead. On a replay clock (`dayClock`), the day is the replay's: a replayed day spends its own
 * quota, as it would have when it was live, and the spacing between requests stays real time. A request is counted *before* it is sent (a crash mid-request still used the quota), and
 * every retry attempt counts.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { readJsonFile, writeFileAtomic } from '../../../core/fsx.ts';
import { sleep as realSleep } from '../../../core/retry.ts';
import { MarketDataError } from '../errors.ts';

export type BudgetDayZone = 'UTC' | 'America/New_York';

export interface RequestBudgetOptions {
  file: string;
  requestsPerDay?: number;
  minIntervalMs?: number;
  dayZone?: BudgetDayZone;
  /** Real time: the spacing between requests. */
  now?: () => Date;
  /** The instant whose calendar day the quota counts in (a replay clock in a replay); default `now`. */
  dayClock?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  provider?: string;
}

export const budgetStateSchema = z.object({
  version: z.literal(1),
  dayZone: z.enum(['UTC', 'America/New_York']),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  used: z.number().int().min(0),
  /** Set when the server itself said the daily quota is gone: no more calls until the day rolls. */
  exhaustedByServer: z.boolean().default(false),
  lastRequestAt: z.string().nullable(),
});
export type BudgetState = z.infer<typeof budgetStateSchema>;

export interface BudgetSnapshot {
  day: string;
  dayZone: BudgetDayZone;
  used: number;
  limit: number;
  remaining: number;
  lastRequestAt: string | null;
}

export class RequestBudget {
  readonly file: string;
  readonly requestsPerDay: number;
  readonly minIntervalMs: number;
  readonly dayZone: BudgetDayZone;
  private readonly now: () => Date;
  private readonly dayClock: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly provider: string;
  /** Serialises acquire() so the gap and the count hold for concurrent callers of one instance. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(opts: RequestBudgetOptions) {
    this.file = opts.file;
    this.requestsPerDay = opts.requestsPerDay ?? 25;
    this.minIntervalMs = opts.minIntervalMs ?? 1000;
    this.dayZone = opts.dayZone ?? 'UTC';
    this.now = opts.now ?? (() => new Date());
    this.dayClock = opts.dayClock ?? this.now;
    this.sleep = opts.sleep ?? realSleep;
    this.provider = opts.provider ?? 'alphavantage';
    if (!Number.isInteger(this.requestsPerDay) || this.requestsPerDay < 0) throw new RangeError('requestsPerDay must be a non-negative integer');
    if (!(this.minIntervalMs >= 0)) throw new RangeError('minIntervalMs must be ≥ 0');
  }

  private today(): string {
    return DateTime.fromJSDate(this.dayClock(), { zone: this.dayZone }).toISODate() ?? '1970-01-01';
  }

  /** Read the state, rolled over to today (re-read every time: another instance may have spent some). */
  private async load(): Promise<BudgetState> {
    const stored = await readJsonFile(this.file, (v) => budgetStateSchema.parse(v));
    const day = this.today();
    if (!stored || stored.day !== day || stored.dayZone !== this.dayZone) {
      return { version: 1, dayZone: this.dayZone, day, used: 0, exhaustedByServer: false, lastRequestAt: stored?.lastRequestAt ?? null };
    }
    return stored;
  }

  private async save(state: BudgetState): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify(state, null, 2) + '\n');
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  async snapshot(): Promise<BudgetSnapshot> {
    const s = await this.load();
    const used = s.exhaustedByServer ? Math.max(s.used, this.requestsPerDay) : s.used;
    return { day: s.day, dayZone: s.dayZone, used: s.used, limit: this.requestsPerDay, remaining: Math.max(0, this.requestsPerDay - used), lastRequestAt: s.lastRequestAt };
  }

  /** True when a request could be sent now (ignoring the spacing wait). */
  async hasRemaining(): Promise<boolean> {
    return (await this.snapshot()).remaining > 0;
  }

  /**
   * Reserve one request: throws a non-retryable `rate_limit` MarketDataError (localBudget) when the day's
   * quota is spent, otherwise waits out the minimum gap, records the request durably and returns.
   */
  acquire(symbol?: string): Promise<void> {
    return this.serial(async () => {
      const state = await this.load();
      if (state.exhaustedByServer || state.used >= this.requestsPerDay) {
        throw new MarketDataError({
          kind: 'rate_limit',
          provider: this.provider,
          symbol,
          localBudget: true,
          detail: state.exhaustedByServer
            ? `the server reported the daily quota exhausted (${state.dayZone} day ${state.day}); no request sent`
            : `local request budget exhausted: ${state.used}/${this.requestsPerDay} requests used (${state.dayZone} day ${state.day}); no request sent`,
        });
      }
      if (state.lastRequestAt !== null && this.minIntervalMs > 0) {
        const wait = Date.parse(state.lastRequestAt) + this.minIntervalMs - this.now().getTime();
        if (wait > 0) await this.sleep(Math.min(wait, this.minIntervalMs));
      }
      state.used += 1;
      state.lastRequestAt = this.now().toISOString();
      await this.save(state);
    });
  }

  /** The server said the daily quota is gone: stop calling until the day rolls over. */
  markExhausted(): Promise<void> {
    return this.serial(async () => {
      const state = await this.load();
      state.exhaustedByServer = true;
      await this.save(state);
    });
  }
}
