/**
 * A team on `data.provider: alphavantage`, its cycle run by the real CLI against the local Alpha
 * Vantage emulator (ALPHAVANTAGE_BASE_URL): a good day trades; a rate-limited day serves the cache,
 * marks it stale, does not crash and does not trade.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlphaVantageEmulator, type AlphaVantageEmulator } from '../../src/sim/alphavantage/index.ts';
import { sampleMarketData } from '../../src/adapters/market/csv.ts';
import { runArena } from '../../src/testing/processes.ts';
import { REPO_ROOT } from '../../src/testing/services.ts';

const KEY = 'emulator-key-123456';

describe('a cycle on Alpha Vantage (emulated)', () => {
  let emu: AlphaVantageEmulator;
  beforeAll(async () => {
    emu = await startAlphaVantageEmulator({ data: sampleMarketData(), apiKey: KEY, asOf: '2017-11-09' });
  });
  afterAll(async () => {
    await emu.close();
  });

  const cycle = (cwd: string, date: string) => runArena(cwd, ['cycle', '--team', 'teams/blue.yml', '--date', date], { env: { ...process.env, ALPHAVANTAGE_BASE_URL: emu.url, ALPHAVANTAGE_API_KEY: KEY } });

  it('trades on fresh data; on a rate-limited day it uses the cache marked stale and does not trade', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-av-'));
    cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
    cpSync(path.join(REPO_ROOT, 'teams'), path.join(dir, 'teams'), { recursive: true });
    const blue = path.join(dir, 'teams', 'blue.yml');
    writeFileSync(blue, readFileSync(blue, 'utf8').replace(/provider: sample[^\n]*/, 'provider: alphavantage\n  refresh_interval_minutes: 0'));

    const good = await cycle(dir, '2017-11-09');
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).not.toContain(KEY);
    const fullFetches = emu.history.filter((h) => h.function === 'TIME_SERIES_DAILY' && h.outputsize === 'full' && h.outcome === 'ok').map((h) => h.symbol);
    expect(new Set(fullFetches)).toEqual(new Set(['MSFT', 'GOOGL', 'IXIC', 'SPX']));

    emu.setAsOf('2017-11-10');
    emu.setFault('rate_limit');
    const before = emu.history.length;
    const limited = await cycle(dir, '2017-11-10');
    expect(limited.code, limited.stderr).toBe(0);
    // One request: its daily-quota answer is remembered by the request budget, so no other symbol asks.
    expect(emu.history.slice(before).map((h) => `${h.function} ${h.symbol} ${h.outputsize}: ${h.outcome}`)).toEqual(['TIME_SERIES_DAILY MSFT compact: rate_limit']);

    const journal = readFileSync(path.join(dir, 'workspaces', 'blue', 'state', 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { date: string; step: string; record: Record<string, unknown> });
    const fetch = journal.find((e) => e.date === '2017-11-10' && e.step === 'fetch')?.record as { symbols: Record<string, { stale: boolean; staleReason?: string; last: string }>; blocked: Record<string, string> };
    for (const s of ['MSFT', 'GOOGL', 'IXIC']) {
      expect(fetch.symbols[s]?.stale, s).toBe(true);
      expect(fetch.symbols[s]?.staleReason, s).toMatch(/rate.limit/i);
      expect(fetch.symbols[s]?.last).toBe('2017-11-09');
      // Blocked for being stale, with the provider's reason.
      expect(fetch.blocked[s], s).toBe(`stale data (${fetch.symbols[s]?.staleReason})`);
    }
    const plan = (date: string) => journal.find((e) => e.date === date && e.step === 'trade.plan')?.record as { orders: { symbol: string; side: string; qty: number; reason: string }[]; refused: string | null };
    // Day one: blue's seeded logistic model gives P(up) MSFT 0.555, GOOGL 0.538, IXIC 0.485; the strategy
    // buys only the best one above 0.53 (MSFT), 60 % of $100,000 at the 84.09 close = 713 whole shares.
    expect(plan('2017-11-09').orders.map((o) => [o.symbol, o.side, o.qty])).toEqual([['MSFT', 'buy', 713]]);
    // Day two: no fresh row, no prediction, no order.
    expect(plan('2017-11-10')).toMatchObject({ orders: [], refused: 'no prediction today (stale data or no model)' });
    // The cache the first day wrote is still whole.
    const cache = JSON.parse(readFileSync(path.join(dir, 'workspaces', 'blue', 'cache', 'cache', 'alphavantage', 'MSFT.json'), 'utf8')) as { bars: { date: string }[] };
    expect(cache.bars.at(-1)?.date).toBe('2017-11-09');
    const source = (await sampleMarketData().daily({ symbol: 'MSFT', asOf: '2017-11-09' })).bars.map((b) => b.date);
    expect(cache.bars.map((b) => b.date)).toEqual(source);
  });
});
