/**
 * The real npm `alphavantage` client, through our provider, against our emulator on 127.0.0.1.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import alpha from 'alphavantage';
import { RSI as TsRsi } from 'trading-signals';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BAD_KEY_BODY, PREMIUM_BODY, RATE_LIMIT_BODY, RATE_LIMIT_NOTE_BODY, startAlphaVantageEmulator } from '../../src/sim/alphavantage/index.ts';
import type { AlphaVantageEmulator, FaultMode } from '../../src/sim/alphavantage/index.ts';
import { AlphaVantageMarketData, MarketDataError, errorFromClientRejection } from '../../src/adapters/market/alphavantage/index.ts';
import type { AlphaVantageOptions, MarketDataErrorKind, MarketLogger } from '../../src/adapters/market/alphavantage/index.ts';
import { sampleMarketData } from '../../src/adapters/market/csv.ts';
import type { Bar } from '../../src/domain/market/types.ts';
import type { ArtifactStore } from '../../src/ports.ts';

const KEY = 'AVTESTKEY42';

/** A tiny in-memory ArtifactStore (the real fs/minio stores live elsewhere). */
class MemoryStore implements ArtifactStore {
  readonly kind = 'memory';
  readonly data = new Map<string, Uint8Array>();
  puts = 0;
  async put(key: string, body: Uint8Array | string): Promise<void> {
    this.puts++;
    this.data.set(key, typeof body === 'string' ? new TextEncoder().encode(body) : body.slice());
  }
  async get(key: string): Promise<Uint8Array | null> {
    return this.data.get(key) ?? null;
  }
  async exists(key: string): Promise<boolean> {
    return this.data.has(key);
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  async delete(key: string): Promise<void> {
    this.data.delete(key);
  }
  text(key: string): string | undefined {
    const v = this.data.get(key);
    return v ? new TextDecoder().decode(v) : undefined;
  }
}

/** Records every log call so the tests can assert the key never shows up. */
class SpyLogger implements MarketLogger {
  readonly calls: { level: string; message: string; meta?: Record<string, unknown> }[] = [];
  debug(message: string, meta?: Record<string, unknown>) {
    this.calls.push({ level: 'debug', message, ...(meta ? { meta } : {}) });
  }
  info(message: string, meta?: Record<string, unknown>) {
    this.calls.push({ level: 'info', message, ...(meta ? { meta } : {}) });
  }
  warn(message: string, meta?: Record<string, unknown>) {
    this.calls.push({ level: 'warn', message, ...(meta ? { meta } : {}) });
  }
}

let emu: AlphaVantageEmulator;
let tmp: string;
let budgetSeq = 0;
const sample = sampleMarketData();
const sampleBars = async (symbol: string, asOf: string): Promise<Bar[]> => (await sample.daily({ symbol, asOf })).bars;
const r4 = (x: number | null) => (x === null ? null : Number(x.toFixed(4)));

beforeAll(async () => {
  emu = await startAlphaVantageEmulator({ data: sample, apiKey: KEY, asOf: '2017-06-30' });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'av-it-'));
});
afterAll(async () => {
  await emu.close();
  await rm(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  emu.setFault(null);
  emu.setAsOf('2017-06-30');
});

const newBudgetFile = () => path.join(tmp, `budget-${++budgetSeq}.json`);
function provider(over: Partial<AlphaVantageOptions> = {}): AlphaVantageMarketData {
  return new AlphaVantageMarketData({
    apiKey: KEY,
    baseUrl: emu.url,
    store: new MemoryStore(),
    budgetFile: newBudgetFile(),
    minIntervalMs: 0,
    // Generous: a busy machine must not turn a local answer into a timeout (the 'slow' cases set their own).
    timeoutMs: 60_000,
    retry: { attempts: 3, baseMs: 1, maxMs: 5 },
    refreshIntervalMs: 0,
    ...over,
  });
}

async function rejection(p: Promise<unknown>): Promise<MarketDataError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MarketDataError);
  return err as MarketDataError;
}

describe('daily bars: full once, then compact top-ups', () => {
  it('fetches full history, serves from cache, then merges a compact top-up', async () => {
    const store = new MemoryStore();
    const p = provider({ store });
    const r0 = emu.requests;
    const s1 = await p.daily({ symbol: 'MSFT', asOf: '2017-06-30' });
    expect(emu.requests - r0).toBe(1);
    expect(emu.history.at(-1)).toEqual({ function: 'TIME_SERIES_DAILY', symbol: 'MSFT', outputsize: 'full', datatype: 'json', outcome: 'ok' });
    const want1 = await sampleBars('MSFT', '2017-06-30');
    expect(s1).toMatchObject({ symbol: 'MSFT', source: 'alphavantage', stale: false });
    expect(s1.staleReason).toBeUndefined();
    expect(s1.bars).toHaveLength(want1.length);
    expect(s1.bars.map((b) => [b.date, b.open, b.close, b.volume])).toEqual(want1.map((b) => [b.date, r4(b.open), r4(b.close), b.volume]));

    const cached = JSON.parse(store.text('cache/alphavantage/MSFT.json') ?? 'null') as { fetchedAt: string; bars: Bar[] };
    expect(cached.bars).toHaveLength(want1.length);
    expect(Date.parse(cached.fetchedAt)).not.toBeNaN();

    // Covered by the cache: no request, and asOf/from are honoured.
    const older = await p.daily({ symbol: 'MSFT', asOf: '2017-01-06', from: '2017-01-03' });
    expect(emu.requests - r0).toBe(1);
    expect(older.bars.map((b) => b.date)).toEqual(['2017-01-03', '2017-01-04', '2017-01-05', '2017-01-06']);

    emu.setAsOf('2017-07-14');
    const s2 = await p.daily({ symbol: 'MSFT', asOf: '2017-07-14' });
    expect(emu.requests - r0).toBe(2);
    expect(emu.history.at(-1)?.outputsize).toBe('compact');
    const want2 = await sampleBars('MSFT', '2017-07-14');
    // Far more than the 100 compact rows: the cached history was kept and the top-up appended.
    expect(s2.bars).toHaveLength(want2.length);
    expect(s2.bars.at(-1)?.date).toBe('2017-07-14');
    expect(s2.bars.map((b) => [b.date, b.close])).toEqual(want2.map((b) => [b.date, r4(b.close)]));
  });

  it('a top-up overrides overlapping dates and keeps older cached history as is', async () => {
    const store = new MemoryStore();
    const p = provider({ store });
    await p.daily({ symbol: 'MSFT', asOf: '2017-06-30' });
    const key = 'cache/alphavantage/MSFT.json';
    const cache = JSON.parse(store.text(key) as string) as { bars: Bar[] };
    const tamper = (date: string) => {
      const b = cache.bars.find((x) => x.date === date) as Bar;
      b.close = 1;
    };
    tamper('2017-06-29'); // inside the next compact window: revised by the top-up
    tamper('2010-01-04'); // long before it: kept (proves the history was not refetched)
    await store.put(key, JSON.stringify(cache));
    emu.setAsOf('2017-07-07');
    const s = await p.daily({ symbol: 'MSFT', asOf: '2017-07-07' });
    expect(emu.history.at(-1)?.outputsize).toBe('compact');
    expect(s.bars.find((b) => b.date === '2017-06-29')?.close).toBe(r4((await sampleBars('MSFT', '2017-06-29')).at(-1)?.close ?? 0));
    expect(s.bars.find((b) => b.date === '2010-01-04')?.close).toBe(1);
  });

  it('a cache far behind asOf is refreshed with a full fetch', async () => {
    const store = new MemoryStore();
    emu.setAsOf('2016-01-04');
    const p = provider({ store });
    await p.daily({ symbol: 'AAPL', asOf: '2016-01-04' });
    emu.setAsOf('2017-06-30');
    await p.daily({ symbol: 'AAPL', asOf: '2017-06-30' });
    expect(emu.history.slice(-2).map((h) => h.outputsize)).toEqual(['full', 'full']);
  });

  it('close-only data round-trips as nulls', async () => {
    const s = await provider().daily({ symbol: 'JPM', asOf: '2017-06-30' });
    expect(s.bars.at(-1)).toMatchObject({ date: '2017-06-30', open: null, high: null, low: null, volume: null });
  });
});

describe('technical indicators', () => {
  const asOf = '2017-06-30';
  let closes: number[];
  let dates: string[];
  beforeAll(async () => {
    const bars = await sampleBars('MSFT', asOf);
    closes = bars.map((b) => b.close);
    dates = bars.map((b) => b.date);
  });
  /** Compare the last n values of a provider map with a reference aligned from the end. */
  const expectTail = (values: Map<string, Record<string, number>>, col: string, ref: number[], n = 60) => {
    expect([...values.keys()].at(-1)).toBe(asOf);
    expect([...values.keys()]).toEqual([...values.keys()].sort());
    for (let k = 1; k <= n; k++) {
      const date = dates[dates.length - k] as string;
      const got = values.get(date)?.[col];
      expect(got, `${col} ${date}`).toBeCloseTo(ref[ref.length - k] as number, 3);
    }
  };

  it('RSI (full precision, Wilder) matches trading-signals', async () => {
    const s = await provider().indicator('MSFT', { function: 'RSI', timePeriod: 14 }, { asOf });
    expect(s).toMatchObject({ symbol: 'MSFT', function: 'RSI', key: 'RSI_14_close', stale: false });
    const rsi = new TsRsi(14);
    const ref = closes.map((c) => rsi.add(c)).filter((v): v is number => v !== null);
    expectTail(s.values, 'RSI', ref);
    expect(s.values.size).toBe(ref.length);
  });

  // Textbook definitions, written here from Alpha Vantage's documentation (not the emulator's code): the
  // values after the warm-up, newest last.
  const smaRef = (x: readonly number[], n: number): number[] => x.slice(n - 1).map((_, i) => x.slice(i, i + n).reduce((a, b) => a + b, 0) / n);
  const emaRef = (x: readonly number[], n: number): number[] => {
    const k = 2 / (n + 1);
    const out = [x.slice(0, n).reduce((a, b) => a + b, 0) / n];
    for (const v of x.slice(n)) out.push(v * k + (out.at(-1) as number) * (1 - k));
    return out;
  };

  it('SMA and EMA (seeded with the SMA) match their textbook definitions', async () => {
    const p = provider();
    expectTail((await p.indicator('MSFT', { function: 'SMA', timePeriod: 20 }, { asOf })).values, 'SMA', smaRef(closes, 20));
    const e = await p.indicator('MSFT', { function: 'EMA', timePeriod: 20 }, { asOf });
    const ref = emaRef(closes, 20);
    expectTail(e.values, 'EMA', ref, ref.length);
  });

  it('MACD (12, 26, 9) and BBANDS (20, 2σ population) match their textbook definitions', async () => {
    const p = provider();
    const m = await p.indicator('MSFT', { function: 'MACD' }, { asOf });
    const slow = emaRef(closes, 26);
    const fast = emaRef(closes, 12).slice(26 - 12);
    const line = slow.map((s, i) => (fast[i] as number) - s);
    const signal = emaRef(line, 9);
    const tail = line.slice(9 - 1);
    expectTail(m.values, 'MACD', tail);
    expectTail(m.values, 'MACD_Signal', signal);
    expectTail(m.values, 'MACD_Hist', tail.map((v, i) => v - (signal[i] as number)));
    const b = await p.indicator('MSFT', { function: 'BBANDS', timePeriod: 20, nbdevup: 2, nbdevdn: 2 }, { asOf });
    const mid = smaRef(closes, 20);
    const sd = mid.map((m0, i) => Math.sqrt(closes.slice(i, i + 20).reduce((a, v) => a + (v - m0) ** 2, 0) / 20));
    expectTail(b.values, 'Real Upper Band', mid.map((v, i) => v + 2 * (sd[i] as number)));
    expectTail(b.values, 'Real Middle Band', mid);
    expectTail(b.values, 'Real Lower Band', mid.map((v, i) => v - 2 * (sd[i] as number)));
  });

  it('drops values after asOf and serves the cache until asOf moves', async () => {
    const store = new MemoryStore();
    const p = provider({ store });
    const r0 = emu.requests;
    const s = await p.indicator('MSFT', { function: 'SMA', timePeriod: 5 }, { asOf: '2017-06-15' });
    expect([...s.values.keys()].at(-1)).toBe('2017-06-15');
    await p.indicator('MSFT', { function: 'SMA', timePeriod: 5 }, { asOf: '2017-06-30' });
    expect(emu.requests - r0).toBe(1);
    expect(await store.list('cache/alphavantage/indicators/MSFT/')).toEqual(['cache/alphavantage/indicators/MSFT/SMA_5_close.json']);
  });

  const indicatorFaults: [FaultMode, MarketDataErrorKind][] = [
    ['rate_limit', 'rate_limit'],
    ['rate_limit_note', 'rate_limit'],
    ['premium', 'premium'],
    ['bad_key', 'bad_key'],
    ['bad_symbol', 'bad_symbol'],
    ['http_500', 'http'],
    ['malformed', 'malformed'],
  ];
  it.each(indicatorFaults)('the %s body on an indicator endpoint (unchecked by the client) is a typed %s error', async (mode, kind) => {
    emu.setFault(mode);
    const err = await rejection(provider({ retry: { attempts: 1 } }).indicator('MSFT', { function: 'RSI', timePeriod: 14 }, { asOf }));
    expect(err.kind).toBe(kind);
  });

  it('a refresh merges into the cache: new dates are added, history the answer lacks is kept', async () => {
    const store = new MemoryStore();
    const key = 'cache/alphavantage/indicators/MSFT/RSI_14_close.json';
    // A cache from an earlier run, holding a date the emulator does not serve (an older history).
    await store.put(key, JSON.stringify({ version: 1, symbol: 'MSFT', key: 'RSI_14_close', fetchedAt: '2017-06-01T00:00:00.000Z', rows: [['1980-01-02', { RSI: 42 }], ['2017-06-01', { RSI: 1 }]] }));
    const s = await provider({ store }).indicator('MSFT', { function: 'RSI', timePeriod: 14 }, { asOf });
    expect(s.stale).toBe(false);
    const cached = JSON.parse(store.text(key) ?? '{}') as { rows: [string, Record<string, number>][] };
    const dates = cached.rows.map(([d]) => d);
    expect(dates[0]).toBe('1980-01-02');
    expect(dates).toEqual([...dates].sort());
    expect(dates.at(-1)).toBe(asOf);
    // The newer answer wins on a date both hold.
    expect(s.values.get('2017-06-01')?.RSI).not.toBe(1);
    expect(s.values.get('1980-01-02')).toEqual({ RSI: 42 });
  });

  it('an indicator refresh failure serves the cached values, marked stale', async () => {
    const store = new MemoryStore();
    const p = provider({ store });
    await p.indicator('MSFT', { function: 'EMA', timePeriod: 10 }, { asOf: '2017-06-30' });
    emu.setAsOf('2017-07-14');
    emu.setFault('premium');
    const s = await p.indicator('MSFT', { function: 'EMA', timePeriod: 10 }, { asOf: '2017-07-14' });
    expect(s.stale).toBe(true);
    expect(s.staleReason).toMatch(/^premium: /);
    expect([...s.values.keys()].at(-1)).toBe('2017-06-30');
  });
});

describe('the slow fault: one fetch deadline per cycle', () => {
  it('stops sending and retrying when the deadline is spent, and serves every symbol from the cache, stale', { timeout: 20_000 }, async () => {
    const store = new MemoryStore();
    // Production timings: 30 s per request, 3 attempts; without the deadline this cycle would take ~4.5 minutes.
    const p = provider({ store, timeoutMs: 30_000, retry: { attempts: 3, baseMs: 1000, maxMs: 20_000 } });
    const symbols = ['AAPL', 'MSFT', 'GOOGL'];
    for (const symbol of symbols) await p.daily({ symbol, asOf: '2017-06-30' });
    emu.setAsOf('2017-07-14');
    emu.setFault({ mode: 'slow', delayMs: 60_000 });
    const r0 = emu.requests;
    const deadline = Date.now() + 400;
    const served = [];
    for (const symbol of symbols) served.push(await p.daily({ symbol, asOf: '2017-07-14', deadline }));
    // At most the first request went out (it is not retried); nothing is sent once the deadline is spent.
    expect(emu.requests - r0).toBeLessThanOrEqual(1);
    for (const s of served) {
      expect(s.stale).toBe(true);
      expect(s.bars.at(-1)?.date).toBe('2017-06-30');
      expect(s.staleReason).toMatch(/^timeout: .*(fetch deadline).*; serving the cache fetched /);
    }
    expect(served[1]?.staleReason).toMatch(/the cycle's fetch deadline was spent before this request \(TIME_SERIES_DAILY compact\); not sent/);
    // Indicators share the deadline.
    const ind = await p.indicator('MSFT', { function: 'RSI', timePeriod: 14 }, { asOf: '2017-07-14', deadline }).catch((e: unknown) => e);
    expect(ind).toBeInstanceOf(MarketDataError);
    expect((ind as MarketDataError).message).toMatch(/fetch deadline was spent/);
    emu.setFault(null);
  });
});

describe('faults: typed errors, the cache intact, stale data served', () => {
  const cases: [FaultMode, MarketDataErrorKind, number][] = [
    ['rate_limit', 'rate_limit', 1],
    ['rate_limit_note', 'rate_limit', 1],
    ['premium', 'premium', 1],
    ['bad_symbol', 'bad_symbol', 1],
    ['bad_key', 'bad_key', 1],
    ['malformed', 'malformed', 1],
    // Transient kinds are retried (3 attempts here); the others never are.
    ['http_500', 'http', 3],
    ['slow', 'timeout', 3],
  ];
  it.each(cases)('%s → %s error (%i request(s))', async (mode, kind, attempts) => {
    const store = new MemoryStore();
    // Only the slow fault needs a short request timeout (its answer comes after 60 s); every other request
    // keeps a long one, so a loaded machine cannot turn a slow answer into a timeout.
    const timeoutMs = mode === 'slow' ? 300 : 30_000;
    const opts = { store, timeoutMs: 30_000 };
    await provider(opts).daily({ symbol: 'MSFT', asOf: '2017-06-30' });
    const key = 'cache/alphavantage/MSFT.json';
    const before = store.text(key);

    emu.setAsOf('2017-07-14');
    emu.setFault({ mode, delayMs: 60_000 });
    let r0 = emu.requests;
    const s = await provider({ store, timeoutMs }).daily({ symbol: 'MSFT', asOf: '2017-07-14' });
    expect(emu.requests - r0).toBe(attempts);
    expect(s.stale).toBe(true);
    expect(s.staleReason).toMatch(new RegExp(`^${kind}: `));
    expect(s.staleReason).toContain('serving the cache fetched');
    expect(s.bars.at(-1)?.date).toBe('2017-06-30');
    expect(s.bars).toHaveLength((await sampleBars('MSFT', '2017-06-30')).length);
    expect(store.text(key)).toBe(before);

    // No cache at all: the typed error itself.
    r0 = emu.requests;
    const err = await rejection(provider({ timeoutMs }).daily({ symbol: 'AAPL', asOf: '2017-07-14' }));
    expect(err.kind).toBe(kind);
    expect(err.provider).toBe('alphavantage');
    expect(err.symbol).toBe('AAPL');
    expect(err.retryable).toBe(attempts > 1);
    expect(err.message).toMatch(/^alphavantage AAPL: /);
    expect(err.message).not.toContain(KEY);
    expect(emu.requests - r0).toBe(attempts);

    // Fault gone: the same provider recovers with fresh data.
    emu.setFault(null);
    const fresh = await provider(opts).daily({ symbol: 'MSFT', asOf: '2017-07-14' });
    expect(fresh.stale).toBe(false);
    expect(fresh.bars.at(-1)?.date).toBe('2017-07-14');
  });

  it('a fault with a count clears itself; a retry then succeeds', async () => {
    emu.setFault({ mode: 'http_500', count: 1 });
    const r0 = emu.requests;
    const s = await provider().daily({ symbol: 'KO', asOf: '2017-06-30' });
    expect(emu.requests - r0).toBe(2);
    expect(s.stale).toBe(false);
    expect(emu.fault).toEqual({ mode: 'none' });
  });

  it('a network failure is typed and retried', async () => {
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const logger = new SpyLogger();
    const err = await rejection(provider({ baseUrl: `http://127.0.0.1:${port}/query`, logger }).daily({ symbol: 'MSFT', asOf: '2017-06-30' }));
    expect(err.kind).toBe('network');
    expect(err.retryable).toBe(true);
    expect(logger.calls.filter((c) => c.message === 'alphavantage: retrying')).toHaveLength(2);
  });

  it('the real key is checked and unknown symbols are refused by the emulator', async () => {
    const wrong = await rejection(provider({ apiKey: 'WRONGKEY99' }).daily({ symbol: 'MSFT', asOf: '2017-06-30' }));
    expect(wrong.kind).toBe('bad_key');
    expect(wrong.message).toMatch(/ALPHAVANTAGE_API_KEY/);
    const unknown = await rejection(provider().daily({ symbol: 'ZZZZ', asOf: '2017-06-30' }));
    expect(unknown.kind).toBe('bad_symbol');
    const r0 = emu.requests;
    const injected = await rejection(provider().daily({ symbol: 'MSFT&function=X', asOf: '2017-06-30' }));
    expect(injected.kind).toBe('bad_symbol');
    expect(emu.requests).toBe(r0);
  });

  it('the client rejects premium endpoints with a string, which becomes a typed premium error', async () => {
    const config: { key: string; base?: string } = { key: KEY };
    const client = alpha(config);
    config.base = `${emu.url}?apikey=${KEY}&`;
    const reason = await client.data.daily_adjusted('MSFT').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(typeof reason).toBe('string');
    const err = errorFromClientRejection(reason, { provider: 'alphavantage', symbol: 'MSFT', secret: KEY });
    expect(err.kind).toBe('premium');
    expect(err.retryable).toBe(false);
  });

  it('never logs the API key', async () => {
    const logger = new SpyLogger();
    const store = new MemoryStore();
    await provider({ logger, store }).daily({ symbol: 'MSFT', asOf: '2017-06-30' });
    emu.setAsOf('2017-07-14');
    emu.setFault('bad_key');
    await provider({ logger, store }).daily({ symbol: 'MSFT', asOf: '2017-07-14' });
    // What was logged (so the check below covers real messages): two requests, the fetch, the fallback.
    expect(logger.calls.map((c) => `${c.level} ${c.message}`)).toEqual([
      'debug alphavantage: request',
      'info alphavantage: fetched daily bars',
      'debug alphavantage: request',
      'warn alphavantage: refresh failed, serving cached bars',
    ]);
    expect(logger.calls[3]?.meta).toMatchObject({ symbol: 'MSFT', kind: 'bad_key' });
    expect(JSON.stringify(logger.calls)).not.toContain(KEY);
  });
});

describe('request budget', () => {
  it('persists across provider instances and blocks network calls once exhausted', async () => {
    const budgetFile = newBudgetFile();
    const store = new MemoryStore();
    const p1 = provider({ budgetFile, store, requestsPerDay: 2 });
    await p1.daily({ symbol: 'MSFT', asOf: '2017-06-30' });
    await p1.daily({ symbol: 'AAPL', asOf: '2017-06-30' });
    const state = JSON.parse(await readFile(budgetFile, 'utf8')) as { used: number; dayZone: string };
    expect(state).toMatchObject({ used: 2, dayZone: 'UTC' });

    // A restart: a new instance on the same file has nothing left today.
    const p2 = provider({ budgetFile, store, requestsPerDay: 2 });
    expect(await p2.budgetSnapshot()).toMatchObject({ used: 2, limit: 2, remaining: 0 });
    const r0 = emu.requests;
    const err = await rejection(p2.daily({ symbol: 'GOOGL', asOf: '2017-06-30' }));
    expect(err).toMatchObject({ kind: 'rate_limit', localBudget: true, retryable: false });
    expect(err.message).toMatch(/local request budget exhausted: 2\/2/);
    emu.setAsOf('2017-07-14');
    const s = await p2.daily({ symbol: 'MSFT', asOf: '2017-07-14' });
    expect(s).toMatchObject({ stale: true });
    expect(s.staleReason).toMatch(/^rate_limit \(local budget\): /);
    expect(s.bars.at(-1)?.date).toBe('2017-06-30');
    expect(emu.requests).toBe(r0);

    // The next UTC day has a fresh quota.
    const tomorrow = new Date(Date.now() + 86_400_000);
    const p3 = provider({ budgetFile, store, requestsPerDay: 2, now: () => tomorrow });
    expect((await p3.daily({ symbol: 'MSFT', asOf: '2017-07-14' })).stale).toBe(false);
    expect(emu.requests).toBe(r0 + 1);
  });

  it('every retry attempt counts against the budget', async () => {
    emu.setFault('http_500');
    const budgetFile = newBudgetFile();
    const r0 = emu.requests;
    const err = await rejection(provider({ budgetFile, requestsPerDay: 2 }).daily({ symbol: 'MSFT', asOf: '2017-06-30' }));
    expect(emu.requests - r0).toBe(2);
    expect(err).toMatchObject({ kind: 'rate_limit', localBudget: true });
  });

  it("the server's daily-quota answer stops further calls today; the legacy per-minute Note does not", async () => {
    const budgetFile = newBudgetFile();
    emu.setFault({ mode: 'rate_limit', count: 1 });
    const p = provider({ budgetFile });
    expect((await rejection(p.daily({ symbol: 'MSFT', asOf: '2017-06-30' }))).localBudget).toBe(false);
    const r0 = emu.requests;
    const again = await rejection(p.daily({ symbol: 'AAPL', asOf: '2017-06-30' }));
    expect(again).toMatchObject({ kind: 'rate_limit', localBudget: true });
    expect(emu.requests).toBe(r0);

    const noteBudget = newBudgetFile();
    emu.setFault({ mode: 'rate_limit_note', count: 1 });
    const q = provider({ budgetFile: noteBudget });
    await rejection(q.daily({ symbol: 'MSFT', asOf: '2017-06-30' }));
    expect((await q.daily({ symbol: 'MSFT', asOf: '2017-06-30' })).stale).toBe(false);
  });

  it('keeps the minimum interval between requests', async () => {
    // An injected clock that moves only when the provider sleeps: the wait is exact.
    let t = Date.parse('2024-03-05T12:00:00Z');
    const waits: number[] = [];
    const p = provider({ minIntervalMs: 1000, now: () => new Date(t), sleep: async (ms) => {
      waits.push(ms);
      t += ms;
    } });
    await p.daily({ symbol: 'MSFT', asOf: '2017-06-30' });
    await p.daily({ symbol: 'AAPL', asOf: '2017-06-30' });
    expect(waits).toEqual([1000]);
  });

  it('concurrent callers for one symbol share one request', async () => {
    const p = provider();
    const r0 = emu.requests;
    const [a, b] = await Promise.all([p.daily({ symbol: 'XOM', asOf: '2017-06-30' }), p.daily({ symbol: 'XOM', asOf: '2017-06-30' })]);
    expect(emu.requests - r0).toBe(1);
    expect(a.bars).toHaveLength(b.bars.length);
  });
});

describe('emulator wire format (plain fetch)', () => {
  const q = (params: Record<string, string>) => fetch(`${emu.url}?${new URLSearchParams({ apikey: KEY, ...params }).toString()}`);
  const getJson = async (params: Record<string, string>) => (await (await q(params)).json()) as Record<string, unknown>;

  it('TIME_SERIES_DAILY compact: exact keys, string values, newest first, 100 rows', async () => {
    const res = await q({ function: 'TIME_SERIES_DAILY', symbol: 'MSFT' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as Record<string, Record<string, unknown>>;
    expect(Object.keys(body)).toEqual(['Meta Data', 'Time Series (Daily)']);
    expect(body['Meta Data']).toEqual({
      '1. Information': 'Daily Prices (open, high, low, close) and Volumes',
      '2. Symbol': 'MSFT',
      '3. Last Refreshed': '2017-06-30',
      '4. Output Size': 'Compact',
      '5. Time Zone': 'US/Eastern',
    });
    const ts = body['Time Series (Daily)'] as Record<string, Record<string, string>>;
    const dates = Object.keys(ts);
    expect(dates).toHaveLength(100);
    expect(dates[0]).toBe('2017-06-30');
    expect(dates).toEqual([...dates].sort().reverse());
    const want = (await sampleBars('MSFT', '2017-06-30')).slice(-100).reverse();
    expect(dates).toEqual(want.map((b) => b.date));
    for (const row of Object.values(ts)) {
      expect(Object.keys(row)).toEqual(['1. open', '2. high', '3. low', '4. close', '5. volume']);
      for (const k of ['1. open', '2. high', '3. low', '4. close']) expect(row[k]).toMatch(/^\d+\.\d{4}$/);
      expect(row['5. volume']).toMatch(/^\d+$/);
    }
    expect(ts['2017-06-30']?.['4. close']).toBe((want[0]?.close ?? 0).toFixed(4));
  });

  it('full returns the whole history up to asOf; asOf moves with setAsOf and the admin endpoint', async () => {
    const body = await getJson({ function: 'TIME_SERIES_DAILY', symbol: 'MSFT', outputsize: 'full' });
    expect((body['Meta Data'] as Record<string, string>)['4. Output Size']).toBe('Full size');
    expect(Object.keys(body['Time Series (Daily)'] as object)).toHaveLength((await sampleBars('MSFT', '2017-06-30')).length);
    const res = await fetch(`${emu.origin}/__admin/as-of`, { method: 'POST', body: JSON.stringify({ asOf: '2017-07-03' }) });
    expect(res.status).toBe(200);
    expect(emu.asOf).toBe('2017-07-03');
    const moved = await getJson({ function: 'TIME_SERIES_DAILY', symbol: 'MSFT' });
    expect((moved['Meta Data'] as Record<string, string>)['3. Last Refreshed']).toBe('2017-07-03');
  });

  it('datatype=csv', async () => {
    const res = await q({ function: 'TIME_SERIES_DAILY', symbol: 'MSFT', datatype: 'csv' });
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('timestamp,open,high,low,close,volume');
    expect(lines).toHaveLength(101);
    expect(lines[1]).toMatch(/^2017-06-30,\d+\.\d{4},\d+\.\d{4},\d+\.\d{4},\d+\.\d{4},\d+$/);
  });

  it('indicator shapes', async () => {
    const rsi = await getJson({ function: 'RSI', symbol: 'MSFT', interval: 'daily', time_period: '14', series_type: 'close' });
    expect(Object.keys(rsi)).toEqual(['Meta Data', 'Technical Analysis: RSI']);
    expect(rsi['Meta Data']).toEqual({
      '1: Symbol': 'MSFT',
      '2: Indicator': 'Relative Strength Index (RSI)',
      '3: Last Refreshed': '2017-06-30',
      '4: Interval': 'daily',
      '5: Time Period': 14,
      '6: Series Type': 'close',
      '7: Time Zone': 'US/Eastern Time',
    });
    const rows = rsi['Technical Analysis: RSI'] as Record<string, Record<string, string>>;
    const dates = Object.keys(rows);
    expect(dates[0]).toBe('2017-06-30');
    expect(dates).toEqual([...dates].sort().reverse());
    expect(Object.keys(rows['2017-06-30'] ?? {})).toEqual(['RSI']);
    expect(rows['2017-06-30']?.RSI).toMatch(/^\d+\.\d{4}$/);

    for (const fn of ['EMA', 'SMA']) {
      const b = await getJson({ function: fn, symbol: 'MSFT', interval: 'daily', time_period: '10', series_type: 'close' });
      expect(Object.keys((b[`Technical Analysis: ${fn}`] as Record<string, object>)['2017-06-30'] ?? {})).toEqual([fn]);
    }
    const macd = await getJson({ function: 'MACD', symbol: 'MSFT', interval: 'daily', series_type: 'close' });
    expect(Object.keys(macd['Meta Data'] as object)).toEqual(['1: Symbol', '2: Indicator', '3: Last Refreshed', '4: Interval', '5.1: Fast Period', '5.2: Slow Period', '5.3: Signal Period', '6: Series Type', '7: Time Zone']);
    const mrow = (macd['Technical Analysis: MACD'] as Record<string, Record<string, string>>)['2017-06-30'] ?? {};
    expect(Object.keys(mrow)).toEqual(['MACD', 'MACD_Signal', 'MACD_Hist']);
    for (const v of Object.values(mrow)) expect(v).toMatch(/^-?\d+\.\d{4}$/);
    const bb = await getJson({ function: 'BBANDS', symbol: 'MSFT', interval: 'daily', time_period: '20', series_type: 'close', nbdevup: '2', nbdevdn: '2', matype: '0' });
    expect(Object.keys((bb['Technical Analysis: BBANDS'] as Record<string, object>)['2017-06-30'] ?? {})).toEqual(['Real Upper Band', 'Real Middle Band', 'Real Lower Band']);
    expect((bb['Meta Data'] as Record<string, unknown>)['2: Indicator']).toBe('Bollinger Bands (BBANDS)');
  });

  it('error bodies come with HTTP 200', async () => {
    const adjusted = await q({ function: 'TIME_SERIES_DAILY_ADJUSTED', symbol: 'MSFT' });
    expect(adjusted.status).toBe(200);
    expect(await adjusted.json()).toEqual(PREMIUM_BODY);
    expect(await getJson({ function: 'TIME_SERIES_DAILY', symbol: 'MSFT', apikey: 'WRONG' })).toEqual(BAD_KEY_BODY);
    const noKey = await fetch(`${emu.url}?function=TIME_SERIES_DAILY&symbol=MSFT`);
    expect(await noKey.json()).toEqual(BAD_KEY_BODY);
    expect(await getJson({ function: 'TIME_SERIES_DAILY', symbol: 'NOPE' })).toEqual({
      'Error Message': 'Invalid API call. Please retry or visit the documentation (https://www.alphavantage.co/documentation/) for TIME_SERIES_DAILY.',
    });
    expect(await getJson({ function: 'RSI', symbol: 'MSFT', interval: 'daily', series_type: 'close' })).toHaveProperty('Error Message');
  });

  it('fault modes through the admin endpoint, with a count', async () => {
    const post = (body: unknown) => fetch(`${emu.origin}/__admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ mode: 'nope' })).status).toBe(400);
    const r0 = emu.requests;
    expect((await post({ mode: 'rate_limit', count: 2 })).status).toBe(200);
    expect(emu.requests).toBe(r0); // admin calls are not counted
    const daily = { function: 'TIME_SERIES_DAILY', symbol: 'MSFT' };
    expect(await getJson(daily)).toEqual(RATE_LIMIT_BODY);
    expect(await getJson(daily)).toEqual(RATE_LIMIT_BODY);
    expect(await getJson(daily)).toHaveProperty('Meta Data');
    expect(emu.requests).toBe(r0 + 3);

    await post({ mode: 'rate_limit_note' });
    expect(await getJson(daily)).toEqual(RATE_LIMIT_NOTE_BODY);
    await post({ mode: 'premium' });
    expect(await getJson(daily)).toEqual(PREMIUM_BODY);
    await post({ mode: 'bad_key' });
    expect(await getJson(daily)).toEqual(BAD_KEY_BODY);
    await post({ mode: 'bad_symbol' });
    expect(await getJson(daily)).toHaveProperty('Error Message', expect.stringMatching(/^Invalid API call/));
    await post({ mode: 'http_500' });
    expect((await q(daily)).status).toBe(500);
    await post({ mode: 'malformed' });
    const text = await (await q(daily)).text();
    expect(() => JSON.parse(text) as unknown).toThrow();
    expect(text.startsWith('{')).toBe(true);
    // Slow: the answer comes whole after the delay (a client giving up first is the 'slow' case above).
    await post({ mode: 'slow', delayMs: 300 });
    expect(await getJson(daily)).toHaveProperty('Meta Data');
    expect(emu.history.at(-1)).toMatchObject({ function: 'TIME_SERIES_DAILY', outcome: 'slow/ok' });
    expect(await (await fetch(`${emu.origin}/__admin/faults`)).json()).toEqual({ mode: 'slow', delayMs: 300 });
    await post({ mode: 'none' });
    expect(await getJson(daily)).toHaveProperty('Meta Data');
  });

  it('a fault can target one function; other functions pass and do not use up its count', async () => {
    const post = (body: unknown) => fetch(`${emu.origin}/__admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ mode: 'premium', function: 'rsi' })).status).toBe(400);
    expect((await post({ mode: 'premium', function: 'RSI', count: 1 })).status).toBe(200);
    const rsiQ = { function: 'RSI', symbol: 'MSFT', interval: 'daily', time_period: '14', series_type: 'close' };
    expect(await getJson({ function: 'TIME_SERIES_DAILY', symbol: 'MSFT' })).toHaveProperty('Meta Data');
    expect(await getJson({ ...rsiQ, function: 'EMA' })).toHaveProperty('Technical Analysis: EMA');
    expect(await getJson(rsiQ)).toEqual(PREMIUM_BODY);
    expect(await getJson(rsiQ)).toHaveProperty('Technical Analysis: RSI');
    expect(emu.history.slice(-4).map((h) => `${h.function}:${h.outcome}`)).toEqual(['TIME_SERIES_DAILY:ok', 'EMA:ok', 'RSI:premium', 'RSI:ok']);
  });
});
