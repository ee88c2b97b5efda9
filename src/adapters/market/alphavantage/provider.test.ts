import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { silentLogger, type Logger } from '../../../core/log.ts';
import { MarketDataError, RequestBudget, errorBodyOf, errorFromBody, errorFromClientRejection } from './index.ts';
import type { MarketLogger } from './index.ts';
import { barsFromDailyBody, dailyBodySchema } from './schemas.ts';

const ctx = { provider: 'alphavantage', symbol: 'IBM', secret: 'SECRETKEY123' };
const P = 'An AlphaVantage error occurred. ';

describe('error recognition', () => {
  it.each([
    [P + '500: [object Promise]', 'http', true],
    [P + '503: [object Promise]', 'http', true],
    [P + '404: [object Promise]', 'http', false],
    [P + '429: [object Promise]', 'rate_limit', false],
    [P + 'Thank you for using Alpha Vantage! This is a premium endpoint. You may subscribe…', 'premium', false],
    [P + 'Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day.', 'rate_limit', false],
    [P + 'We have detected your API key as SECRETKEY123 and our standard API rate limit is 25 requests per day. Please subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly remove all daily rate limits.', 'rate_limit', false],
    [P + 'Thank you for using Alpha Vantage! Please consider spreading out your free API requests more sparingly (1 request per second).', 'rate_limit', false],
    [P + JSON.stringify({ Note: 'Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute and 500 calls per day.' }), 'rate_limit', false],
    [P + JSON.stringify({ 'Error Message': 'Invalid API call. Please retry or visit the documentation (https://www.alphavantage.co/documentation/) for TIME_SERIES_DAILY.' }), 'bad_symbol', false],
    [P + JSON.stringify({ 'Error Message': 'the parameter apikey is invalid or missing. Please claim your free API key on (https://www.alphavantage.co/support/#api-key).' }), 'bad_key', false],
    [P + JSON.stringify({ foo: 1 }), 'malformed', false],
    [P + 'The **demo** API key is for demo purposes only. Please claim your free API key at …', 'bad_key', false],
  ] as const)('client rejection %j → %s (retryable %s)', (reason, kind, retryable) => {
    const err = errorFromClientRejection(reason, ctx);
    expect(err).toBeInstanceOf(MarketDataError);
    expect(err.kind).toBe(kind);
    expect(err.retryable).toBe(retryable);
    expect(err.message).not.toContain('SECRETKEY123');
    expect(err.message).toMatch(/^alphavantage IBM: /);
    expect(err.hint).toBeTruthy();
  });

  it('daily-quota vs burst vs legacy limits', () => {
    expect(errorFromBody({ Information: 'Our standard API rate limit is 25 requests per day.' }, ctx).dailyQuota).toBe(true);
    expect(errorFromBody({ Information: 'Please consider spreading out your free API requests more sparingly (1 request per second).' }, ctx).dailyQuota).toBe(false);
    expect(errorFromBody({ Note: 'Our standard API call frequency is 5 calls per minute and 500 calls per day.' }, ctx).dailyQuota).toBe(false);
  });

  it('real Errors: truncated JSON is malformed, fetch failures are network', () => {
    let syntax: unknown;
    try {
      JSON.parse('{"Meta Data": {');
    } catch (e) {
      syntax = e;
    }
    expect(errorFromClientRejection(syntax, ctx).kind).toBe('malformed');
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    const net = errorFromClientRejection(refused, ctx);
    expect(net).toMatchObject({ kind: 'network', retryable: true });
    expect(net.message).toContain('ECONNREFUSED');
  });

  it('errorBodyOf ignores data bodies and non-objects', () => {
    expect(errorBodyOf({ 'Meta Data': {}, Information: 'x' })).toBeUndefined();
    expect(errorBodyOf([])).toBeUndefined();
    expect(errorBodyOf('x')).toBeUndefined();
    expect(errorBodyOf({ Information: 'x' })).toEqual({ Information: 'x' });
  });
});

// A type check, so `npm run typecheck` (tsc) makes it, not a test run: the app's winston logger is a
// MarketLogger, and something without debug/warn is not.
expectTypeOf<Logger>().toExtend<MarketLogger>();
expectTypeOf<{ info(message: string): void }>().not.toExtend<MarketLogger>();

describe('daily body parsing', () => {
  it('parses strings to numbers, ascending', () => {
    const body = dailyBodySchema.parse({
      'Meta Data': { '1. Information': 'x', '2. Symbol': 'IBM', '3. Last Refreshed': '2024-01-03', '4. Output Size': 'Compact', '5. Time Zone': 'US/Eastern' },
      'Time Series (Daily)': {
        '2024-01-03': { '1. open': '2.0000', '2. high': '3.0000', '3. low': '1.5000', '4. close': '2.5000', '5. volume': '100' },
        '2024-01-02': { '1. open': '', '2. high': '', '3. low': '', '4. close': '2.0000', '5. volume': '' },
      },
    });
    expect(barsFromDailyBody(body)).toEqual([
      { date: '2024-01-02', open: null, high: null, low: null, close: 2, volume: null },
      { date: '2024-01-03', open: 2, high: 3, low: 1.5, close: 2.5, volume: 100 },
    ]);
  });
  it('refuses non-numeric values and bad dates', () => {
    const meta = { '2. Symbol': 'IBM', '3. Last Refreshed': '2024-01-03' };
    const row = { '1. open': '1', '2. high': '1', '3. low': '1', '4. close': 'n/a', '5. volume': '1' };
    expect(dailyBodySchema.safeParse({ 'Meta Data': meta, 'Time Series (Daily)': { '2024-01-03': row } }).success).toBe(false);
    expect(dailyBodySchema.safeParse({ 'Meta Data': meta, 'Time Series (Daily)': { 'Jan 3': { ...row, '4. close': '1' } } }).success).toBe(false);
  });
});

describe('RequestBudget', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'av-budget-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('counts per UTC day by default and per New York day when asked', async () => {
    // 2024-03-05T02:00Z is still 4 March in New York.
    let now = new Date('2024-03-05T02:00:00Z');
    const file = path.join(dir, 'utc.json');
    const utc = new RequestBudget({ file, requestsPerDay: 1, minIntervalMs: 0, now: () => now });
    await utc.acquire();
    await expect(utc.acquire('IBM')).rejects.toMatchObject({ kind: 'rate_limit', localBudget: true, symbol: 'IBM' });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ day: '2024-03-05', dayZone: 'UTC', used: 1 });
    now = new Date('2024-03-06T00:00:01Z');
    await utc.acquire();

    const ny = new RequestBudget({ file: path.join(dir, 'ny.json'), requestsPerDay: 1, minIntervalMs: 0, dayZone: 'America/New_York', now: () => now });
    now = new Date('2024-03-05T02:00:00Z');
    await ny.acquire();
    expect((await ny.snapshot()).day).toBe('2024-03-04');
    now = new Date('2024-03-05T04:59:00Z'); // 23:59 in New York: same day
    await expect(ny.acquire()).rejects.toBeInstanceOf(MarketDataError);
    now = new Date('2024-03-05T05:00:00Z'); // midnight EST
    await ny.acquire();
  });

  it('on a replay clock, counts by the replayed day, not the real UTC day', async () => {
    const real = new Date('2026-11-30T12:00:00Z');
    let replay = new Date('2017-07-14T20:30:00Z'); // 16:30 in New York on 2017-07-14
    const b = new RequestBudget({ file: path.join(dir, 'replay.json'), requestsPerDay: 2, minIntervalMs: 0, now: () => real, dayClock: () => replay });
    await b.acquire();
    await b.acquire();
    await expect(b.acquire()).rejects.toThrow(/2\/2 requests used \(UTC day 2017-07-14\)/);
    // The next replayed day has its own quota, although the real day has not changed.
    replay = new Date('2017-07-17T20:30:00Z');
    await b.acquire();
    expect((await b.snapshot()).day).toBe('2017-07-17');
    // And the spacing between requests is real time: the stored time is the real one.
    expect(JSON.parse(await readFile(path.join(dir, 'replay.json'), 'utf8'))).toMatchObject({ day: '2017-07-17', used: 1, lastRequestAt: real.toISOString() });
  });

  it('waits out the minimum interval and serialises concurrent callers', async () => {
    let t = Date.parse('2024-03-05T12:00:00Z');
    const waits: number[] = [];
    const b = new RequestBudget({
      file: path.join(dir, 'gap.json'),
      minIntervalMs: 1000,
      now: () => new Date(t),
      sleep: async (ms) => {
        waits.push(ms);
        t += ms;
      },
    });
    await Promise.all([b.acquire(), b.acquire(), b.acquire()]);
    expect(waits).toEqual([1000, 1000]);
    expect((await b.snapshot()).used).toBe(3);
  });

  it('markExhausted blocks the rest of the day', async () => {
    const b = new RequestBudget({ file: path.join(dir, 'ex.json'), minIntervalMs: 0 });
    await b.markExhausted();
    expect((await b.snapshot()).remaining).toBe(0);
    await expect(b.acquire()).rejects.toThrow(/server reported the daily quota exhausted/);
  });

  it('a corrupt budget file is an error naming the file, not a fresh quota', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, '{"version":1,"used":"lots"}');
    await expect(new RequestBudget({ file }).acquire()).rejects.toThrow(file);
  });
});

describe('the alphavantage provider in a replay', () => {
  it('is given the replay clock: its request budget counts the replayed day', async () => {
    const { BUILTIN_PROVIDERS } = await import('../providers.ts');
    const { ReplayClock, nyDateTime } = await import('../../clock.ts');
    const { loadEnv } = await import('../../../config/env.ts');
    const workspace = await mkdtemp(path.join(os.tmpdir(), 'av-replay-'));
    const team = { team: 'red', root: workspace, data: { refresh_interval_minutes: 15 }, storage: { kind: 'fs', bucket_prefix: 'arena', region: 'us-east-1' } } as unknown as Parameters<NonNullable<ReturnType<typeof BUILTIN_PROVIDERS.get>>['create']>[0];
    const env = loadEnv({ file: '/nonexistent', env: { ALPHAVANTAGE_API_KEY: 'k-123456' } });
    const factory = BUILTIN_PROVIDERS.get('alphavantage');
    const replayed = (await factory?.create(team, { env, workspace, logger: silentLogger(), clock: new ReplayClock({ start: nyDateTime('2017-07-14', '16:30') }) })) as unknown as { budgetSnapshot(): Promise<{ day: string }> };
    expect((await replayed.budgetSnapshot()).day).toBe('2017-07-14');
    const before = new Date().toISOString().slice(0, 10);
    const live = (await factory?.create(team, { env, workspace, logger: silentLogger() })) as unknown as { budgetSnapshot(): Promise<{ day: string }> };
    expect([before, new Date().toISOString().slice(0, 10)]).toContain((await live.budgetSnapshot()).day);
    await rm(workspace, { recursive: true, force: true });
  });
});
