/**
 * The `alphavantage` MarketData provider, on the official npm client (`alphavantage@2.5.0`).
 *
 * - Full history (`outputsize=full`) once per symbol, then `compact` (latest 100 rows) top-ups merged into
 *   the cached series, stored through the ArtifactStore at `cache/alphavantage/<SYMBOL>.json`.
 * - Every request passes the persisted RequestBudget first (25/day, ≥ 1 s apart by default).
 * - Any failed refresh serves the cache marked `stale` with the reason; without a cache the typed
 *   MarketDataError is thrown. Only transient kinds (5xx, timeout, network) are retried.
 */
import alpha from 'alphavantage';
import { DateTime } from 'luxon';
import { errorMessage } from '../../../core/errors.ts';
import { withRetry, sleep as realSleep } from '../../../core/retry.ts';
import { CALENDAR_RANGE, countTradingDays, isTradingDay, nextTradingDay, previousTradingDay } from '../../../domain/calendar/nyse.ts';

import type { Bar, DailyRequest, DailySeries } from '../../../domain/market/types.ts';
import { RequestBudget } from './budget.ts';
import type { BudgetDayZone, BudgetSnapshot } from './budget.ts';
import { MarketDataError, errorBodyOf, errorFromBody, errorFromClientRejection, isMarketDataError } from '../errors.ts';
import type { ErrorContext } from '../errors.ts';
import {
  barsFromDailyBody,
  cachedIndicatorSchema,
  cachedSeriesSchema,
  dailyBodySchema,
  indicatorBodySchema,
  valuesFromIndicatorBody,
} from './schemas.ts';
import type { CachedIndicator, CachedSeries } from './schemas.ts';
import type { ArtifactStore, IndicatorSeries, IndicatorSource, IndicatorSpec, MarketData } from '../../../ports.ts';

export const PROVIDER = 'alphavantage';
export const DEFAULT_BASE_URL = 'https://www.alphavantage.co/query';

/** The few logger methods we use; a winston Logger fits. Messages never contain the API key. */
export interface MarketLogger {
  debug(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
}

const nullLogger: MarketLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined };

export interface AlphaVantageOptions {
  /** The caller reads it from secrets (ALPHAVANTAGE_API_KEY); it is never logged. */
  apiKey: string;
  /** e.g. `http://127.0.0.1:PORT/query` for the emulator (ALPHAVANTAGE_BASE_URL). Default: the real API. */
  baseUrl?: string;
  store: ArtifactStore;
  /** JSON file holding the request budget (survives restarts), e.g. `<workspace>/state/alphavantage-budget.json`. */
  budgetFile: string;
  /** Default 25 (the free tier). */
  requestsPerDay?: number;
  /** Default 1000 ms between requests. */
  minIntervalMs?: number;
  /** Per request; the npm client has none. Default 30 s. */
  timeoutMs?: number;
  now?: () => Date;
  logger?: MarketLogger;
  /** Which calendar day the budget counts in. Default `UTC`. */
  budgetDayZone?: BudgetDayZone;
  /** The instant whose day the budget counts in: the replay clock in a replay (default: real time). */
  budgetDayClock?: () => Date;
  /** Retries for transient errors. Default 3 attempts, 1 s base, 20 s cap (each attempt uses the budget). */
  retry?: { attempts?: number; baseMs?: number; maxMs?: number };
  /**
   * After a successful fetch that still lacked the bar for `asOf` (not published yet), do not ask again
   * for this long. Default 15 minutes. Saves the 25-a-day budget from a polling caller.
   */
  refreshIntervalMs?: number;
  /** Injected for tests (budget spacing and retry backoff). */
  sleep?: (ms: number) => Promise<void>;
}

export const isIndicatorSource = (m: unknown): m is IndicatorSource =>
  typeof m === 'object' && m !== null && typeof (m as { indicator?: unknown }).indicator === 'function';

/** What the npm client looks like once its config object is ours (base URL set after construction). */
type AlphaClient = ReturnType<typeof alpha>;

const SYMBOL_RE = /^[A-Z0-9][A-Z0-9.\-=^]{0,14}$/;
/** A compact answer holds 100 rows; ask for the full history when the cache is further behind than this. */
const COMPACT_REACH_TRADING_DAYS = 90;

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  // The client cannot be aborted: the request is abandoned (its late answer is ignored), not cancelled.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Canonical parameter string of an indicator request, e.g. `RSI_14_close` (the cache file name). */
export function indicatorKey(spec: IndicatorSpec): string {
  const st = spec.seriesType ?? 'close';
  switch (spec.function) {
    case 'RSI':
    case 'EMA':
    case 'SMA':
      return `${spec.function}_${spec.timePeriod}_${st}`;
    case 'MACD':
      return `MACD_${spec.fastPeriod ?? 12}_${spec.slowPeriod ?? 26}_${spec.signalPeriod ?? 9}_${st}`;
    case 'BBANDS':
      return `BBANDS_${spec.timePeriod}_${spec.nbdevup ?? 2}_${spec.nbdevdn ?? 2}_${spec.matype ?? 0}_${st}`;
  }
}

const decoder = new TextDecoder();

export class AlphaVantageMarketData implements MarketData, IndicatorSource {
  readonly provider = PROVIDER;
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly client: AlphaClient;
  private readonly store: ArtifactStore;
  private readonly budget: RequestBudget;
  private readonly timeoutMs: number;
  private readonly now: () => Date;
  private readonly log: MarketLogger;
  private readonly retry: { attempts: number; baseMs: number; maxMs: number };
  private readonly refreshIntervalMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** One refresh per symbol at a time: concurrent callers share it instead of spending the budget twice. */
  private readonly inflight = new Map<string, Promise<CachedSeries>>();

  constructor(opts: AlphaVantageOptions) {
    if (!opts.apiKey) throw new MarketDataError({ kind: 'bad_key', provider: PROVIDER, detail: 'no API key given' });
    this.apiKey = opts.apiKey;
    this.baseUrl = opts.baseUrl ?? DEFAULT_BASE_URL;
    // alpha() writes `config.base` and every call reads it lazily from this same object, so replacing
    // it afterwards points the official client at another server (the emulator) without forking it.
    const config: { key: string; base?: string } = { key: opts.apiKey };
    this.client = alpha(config);
    const sep = this.baseUrl.includes('?') ? '&' : '?';
    config.base = `${this.baseUrl}${sep}apikey=${encodeURIComponent(opts.apiKey)}&`;
    this.store = opts.store;
    this.now = opts.now ?? (() => new Date());
    this.sleep = opts.sleep ?? realSleep;
    this.budget = new RequestBudget({
      file: opts.budgetFile,
      requestsPerDay: opts.requestsPerDay,
      minIntervalMs: opts.minIntervalMs,
      dayZone: opts.budgetDayZone,
      now: this.now,
      ...(opts.budgetDayClock ? { dayClock: opts.budgetDayClock } : {}),
      sleep: this.sleep,
      provider: PROVIDER,
    });
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.log = opts.logger ?? nullLogger;
    this.retry = { attempts: opts.retry?.attempts ?? 3, baseMs: opts.retry?.baseMs ?? 1000, maxMs: opts.retry?.maxMs ?? 20_000 };
    this.refreshIntervalMs = opts.refreshIntervalMs ?? 15 * 60_000;
  }

  /** Remaining requests today (for `arena doctor` and logs). */
  budgetSnapshot(): Promise<BudgetSnapshot> {
    return this.budget.snapshot();
  }

  async daily(req: DailyRequest): Promise<DailySeries> {
    const symbol = this.normaliseSymbol(req.symbol);
    const cached = await this.readCache(symbol);
    const plan = this.plan(cached?.bars.at(-1)?.date, cached?.fetchedAt, req.asOf);
    let series = cached;
    let stale = false;
    let staleReason: string | undefined;
    if (plan !== 'none') {
      try {
        series = await this.refreshShared(symbol, cached, plan, req.deadline);
      } catch (err) {
        if (!cached) throw err;
        stale = true;
        staleReason = `${describe(err)}; serving the cache fetched ${cached.fetchedAt}`;
        this.log.warn('alphavantage: refresh failed, serving cached bars', { symbol, kind: kindOf(err), fetchedAt: cached.fetchedAt });
      }
    }
    const bars = (series?.bars ?? []).filter((b) => b.date <= req.asOf && (req.from === undefined || b.date >= req.from));
    return { symbol, bars, source: PROVIDER, stale, ...(staleReason !== undefined ? { staleReason } : {}) };
  }

  /**
   * A technical indicator, daily interval. Cached like the bars (`cache/alphavantage/indicators/…`); a
   * failed refresh serves the cache marked stale. Values after `asOf` (default: today in New York) are dropped.
   */
  async indicator(symbolIn: string, spec: IndicatorSpec, opts: { asOf?: string; deadline?: number } = {}): Promise<IndicatorSeries> {
    const symbol = this.normaliseSymbol(symbolIn);
    const key = indicatorKey(spec);
    const asOf = opts.asOf ?? this.todayNy();
    const storeKey = `cache/alphavantage/indicators/${symbol}/${key}.json`;
    const cached = await this.readJson(storeKey, (v) => cachedIndicatorSchema.parse(v));
    let rows = cached?.rows;
    let stale = false;
    let staleReason: string | undefined;
    if (this.plan(cached?.rows.at(-1)?.[0], cached?.fetchedAt, asOf) !== 'none') {
      try {
        const values = await this.request(symbol, spec.function, opts.deadline, () => this.callIndicator(symbol, spec), (raw) => {
          const parsed = indicatorBodySchema(spec.function).safeParse(raw);
          if (!parsed.success) throw this.malformed(symbol, `unexpected ${spec.function} body (${parsed.error.issues[0]?.message ?? 'invalid'})`);
          return valuesFromIndicatorBody(spec.function, parsed.data);
        });
        // The technical endpoints have no `compact`: every answer is the whole history. Merge it into the
        // cache like a top-up (the newer answer wins on overlapping dates) so a shorter answer loses nothing.
        const byDate = new Map<string, Record<string, number>>(cached?.rows ?? []);
        const before = byDate.size;
        for (const [date, v] of values) byDate.set(date, v);
        const merged = [...byDate.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        const fresh: CachedIndicator = { version: 1, symbol, key, fetchedAt: this.now().toISOString(), rows: merged };
        await this.writeJson(storeKey, fresh, symbol);
        rows = fresh.rows;
        this.log.info('alphavantage: fetched indicator', { symbol, indicator: key, rows: values.size, new: byDate.size - before, last: merged.at(-1)?.[0] });
      } catch (err) {
        if (!cached) throw err;
        stale = true;
        staleReason = `${describe(err)}; serving the cache fetched ${cached.fetchedAt}`;
        this.log.warn('alphavantage: indicator refresh failed, serving cache', { symbol, indicator: key, kind: kindOf(err), error: describe(err) });
      }
    }
    const values = new Map<string, Record<string, number>>();
    for (const [date, v] of rows ?? []) if (date <= asOf) values.set(date, v);
    return { symbol, function: spec.function, key, values, stale, ...(staleReason !== undefined ? { staleReason } : {}) };
  }

  // ---- planning -------------------------------------------------------------------------------

  /** none: the cache already covers asOf (or was refreshed moments ago); compact: a top-up; full: everything. */
  private plan(lastDate: string | undefined, fetchedAt: string | undefined, asOf: string): 'none' | 'compact' | 'full' {
    if (lastDate === undefined || fetchedAt === undefined) return 'full';
    // Outside the calendar's range (1990–2035) fall back to calendar days: coarse, never wrong-way.
    const known = (d: string) => d >= CALENDAR_RANGE.first && d < CALENDAR_RANGE.last;
    const expected = known(asOf) && !isTradingDay(asOf) ? previousTradingDay(asOf) : asOf;
    if (lastDate >= expected) return 'none';
    if (this.now().getTime() - Date.parse(fetchedAt) < this.refreshIntervalMs) return 'none';
    const behind =
      known(lastDate) && known(expected)
        ? countTradingDays(nextTradingDay(lastDate), expected)
        : (Date.parse(expected) - Date.parse(lastDate)) / 86_400_000;
    return behind > COMPACT_REACH_TRADING_DAYS ? 'full' : 'compact';
  }

  private refreshShared(symbol: string, cached: CachedSeries | null, plan: 'compact' | 'full', deadline: number | undefined): Promise<CachedSeries> {
    const running = this.inflight.get(symbol);
    if (running) return running;
    const p = this.refresh(symbol, cached, plan, deadline).finally(() => this.inflight.delete(symbol));
    this.inflight.set(symbol, p);
    return p;
  }

  private async refresh(symbol: string, cached: CachedSeries | null, plan: 'compact' | 'full', deadline: number | undefined): Promise<CachedSeries> {
    const outputsize = cached === null ? 'full' : plan;
    const fetched = await this.request(symbol, `TIME_SERIES_DAILY ${outputsize}`, deadline, () => this.client.data.daily(encodeURIComponent(symbol), outputsize, 'json'), (raw) => {
      const parsed = dailyBodySchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw this.malformed(symbol, `unexpected TIME_SERIES_DAILY body at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
      }
      return { bars: barsFromDailyBody(parsed.data), lastRefreshed: parsed.data['Meta Data']['3. Last Refreshed'] };
    });
    const nowIso = this.now().toISOString();
    let bars: Bar[];
    if (outputsize === 'full' || cached === null) {
      bars = fetched.bars;
    } else {
      // A top-up: keep the cached history, let the newer answer win on overlapping dates (revisions).
      const byDate = new Map<string, Bar>();
      for (const b of cached.bars) byDate.set(b.date, b);
      for (const b of fetched.bars) byDate.set(b.date, b);
      bars = [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    }
    const series: CachedSeries = {
      version: 1,
      provider: PROVIDER,
      symbol,
      fetchedAt: nowIso,
      fullFetchedAt: outputsize === 'full' ? nowIso : (cached?.fullFetchedAt ?? nowIso),
      lastRefreshed: fetched.lastRefreshed,
      bars,
    };
    await this.writeJson(this.cacheKey(symbol), series, symbol);
    this.log.info('alphavantage: fetched daily bars', { symbol, outputsize, bars: fetched.bars.length, last: bars.at(-1)?.date });
    return series;
  }

  // ---- the network -----------------------------------------------------------------------------

  private ctx(symbol: string): ErrorContext {
    return { provider: PROVIDER, symbol, secret: this.apiKey };
  }

  private malformed(symbol: string, detail: string): MarketDataError {
    return new MarketDataError({ kind: 'malformed', provider: PROVIDER, symbol, detail });
  }

  /**
   * Budget → call with timeout → recognise error bodies → parse; retried only for transient kinds.
   * `deadline` (epoch ms on this provider's clock) is the cycle's: no request starts after it, none
   * waits past it, and no retry is made once it is spent (the caller serves the cache, marked stale).
   */
  private request<T>(symbol: string, what: string, deadline: number | undefined, call: () => Promise<unknown>, parse: (raw: unknown) => T): Promise<T> {
    const ctx = this.ctx(symbol);
    const left = () => (deadline === undefined ? Infinity : deadline - this.now().getTime());
    return withRetry(
      async (attempt) => {
        if (left() <= 0) {
          throw new MarketDataError({ kind: 'timeout', provider: PROVIDER, symbol, detail: `the cycle's fetch deadline was spent before this request (${what}); not sent` });
        }
        await this.budget.acquire(symbol);
        this.log.debug('alphavantage: request', { symbol, what, attempt });
        const wait = Math.max(1, Math.min(this.timeoutMs, left()));
        let raw: unknown;
        try {
          raw = await withTimeout(call(), wait, () =>
            new MarketDataError({ kind: 'timeout', provider: PROVIDER, symbol, detail: wait < this.timeoutMs ? `no answer before the cycle's fetch deadline (${what}, ${wait} ms left)` : `no answer within ${this.timeoutMs} ms (${what})` }),
          );
        } catch (err) {
          throw await this.noteQuota(errorFromClientRejection(err, ctx));
        }
        // technical.* resolve with error bodies (the client only checks data.*), so check every answer.
        const body = errorBodyOf(raw);
        if (body) throw await this.noteQuota(errorFromBody(body, ctx));
        return parse(raw);
      },
      {
        attempts: this.retry.attempts,
        baseMs: this.retry.baseMs,
        maxMs: this.retry.maxMs,
        // A retry that could not finish before the deadline is not started.
        retryable: (err) => isMarketDataError(err) && err.retryable && left() > 0,
        sleep: (ms) => this.sleep(Math.min(ms, Math.max(0, left()))),
        onRetry: (err, attempt, waitMs) => this.log.warn('alphavantage: retrying', { symbol, what, attempt, waitMs, kind: kindOf(err) }),
      },
    );
  }

  /** The server's daily-quota answer means every further call today is wasted: stop spending. */
  private async noteQuota(err: MarketDataError): Promise<MarketDataError> {
    if (err.kind === 'rate_limit' && err.dailyQuota) {
      await this.budget.markExhausted().catch((e: unknown) => this.log.warn('alphavantage: could not record the exhausted quota', { error: errorMessage(e) }));
    }
    return err;
  }

  private callIndicator(symbol: string, spec: IndicatorSpec): Promise<unknown> {
    const s = encodeURIComponent(symbol);
    const st = spec.seriesType ?? 'close';
    const t = this.client.technical;
    switch (spec.function) {
      case 'RSI':
        return t.rsi<unknown>(s, 'daily', spec.timePeriod, st);
      case 'EMA':
        return t.ema<unknown>(s, 'daily', spec.timePeriod, st);
      case 'SMA':
        return t.sma<unknown>(s, 'daily', spec.timePeriod, st);
      case 'MACD':
        return t.macd<unknown>(s, 'daily', st, spec.fastPeriod ?? 12, spec.slowPeriod ?? 26, spec.signalPeriod ?? 9, undefined, undefined, undefined);
      case 'BBANDS':
        return t.bbands<unknown>(s, 'daily', spec.timePeriod, st, spec.nbdevup ?? 2, spec.nbdevdn ?? 2, spec.matype ?? 0);
    }
  }

  // ---- cache -------------------------------------------------------------------------------------

  private cacheKey(symbol: string): string {
    return `cache/alphavantage/${symbol}.json`;
  }

  private readCache(symbol: string): Promise<CachedSeries | null> {
    return this.readJson(this.cacheKey(symbol), (v) => cachedSeriesSchema.parse(v));
  }

  /** A missing or unreadable cache entry is treated as absent (and refetched), never as data. */
  private async readJson<T>(key: string, parse: (v: unknown) => T): Promise<T | null> {
    const raw = await this.store.get(key);
    if (raw === null) return null;
    try {
      return parse(JSON.parse(decoder.decode(raw)));
    } catch (err) {
      this.log.warn('alphavantage: ignoring an unreadable cache entry', { key, error: errorMessage(err) });
      return null;
    }
  }

  /** The data was paid for with the budget: a store failure is logged, the fresh data still returned. */
  private async writeJson(key: string, value: unknown, symbol: string): Promise<void> {
    try {
      await this.store.put(key, JSON.stringify(value));
    } catch (err) {
      this.log.warn('alphavantage: could not write the cache', { symbol, key, error: errorMessage(err) });
    }
  }

  private normaliseSymbol(raw: string): string {
    const symbol = raw.trim().toUpperCase();
    // The client does not URL-encode parameters: refuse anything that is not a plain ticker.
    if (!SYMBOL_RE.test(symbol)) {
      throw new MarketDataError({ kind: 'bad_symbol', provider: PROVIDER, symbol: raw, detail: `"${raw}" is not a ticker (letters, digits, . - = ^)` });
    }
    return symbol;
  }

  private todayNy(): string {
    return DateTime.fromJSDate(this.now(), { zone: 'America/New_York' }).toISODate() ?? '1970-01-01';
  }
}

function kindOf(err: unknown): string {
  return isMarketDataError(err) ? err.kind : 'error';
}

function describe(err: unknown): string {
  if (isMarketDataError(err)) return `${err.kind}${err.localBudget ? ' (local budget)' : ''}: ${err.detail}`;
  return errorMessage(err);
}
