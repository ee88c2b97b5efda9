/**
 * A team on `data.provider: alphavantage`, its cycle run by the real CLI against the local Alpha
 * Vantage emulator (ALPHAVANTAGE_BASE_URL): a good day trades; a rate-limited day serves the cache,
 * marks it stale, does not crash and does not trade.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlphaVantageEmulator, type AlphaVantageEmulator } from '../../src/sim/alphavantage/index.ts';
import { sampleMarketData } from '../../src/adapters/market/csv.ts';
import { REPO_ROOT } from '../../src/testing/services.ts';

const BIN = path.join(REPO_ROOT, 'bin', 'arena.mjs');
const KEY = 'emulator-key-123456';

describe('a cycle on Alpha Vantage (emulated)', () => {
  let emu: AlphaVantageEmulator;
  beforeAll(async () => {
    emu = await startAlphaVantageEmulator({ data: sampleMarketData(), apiKey: KEY, asOf: '2017-11-09' });
  });
  afterAll(async () => {
    await emu.close();
  });

  function cycle(cwd: string, date: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) =>
      execFile(process.execPath, [BIN, 'cycle', '--team', 'teams/blue.yml', '--date', date], { cwd, timeout: 240_000, env: { ...process.env, ALPHAVANTAGE_BASE_URL: emu.url, ALPHAVANTAGE_API_KEY: KEY } }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
  }

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
    const limited = await cycle(dir, '2017-11-10');
    expect(limited.code, limited.stderr).toBe(0);
    expect(emu.history.slice(-8).map((h) => `${h.symbol}:${h.outputsize}:${h.outcome}`).join(" ")).toMatch(/rate_limit/);

    const journal = readFileSync(path.join(dir, 'workspaces', 'blue', 'state', 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { date: string; step: string; record: Record<string, unknown> });
    const fetch = journal.find((e) => e.date === '2017-11-10' && e.step === 'fetch')?.record as { symbols: Record<string, { stale: boolean; staleReason?: string; last: string }>; blocked: Record<string, string> };
    for (const s of ['MSFT', 'GOOGL', 'IXIC']) {
      expect(fetch.symbols[s]?.stale, s).toBe(true);
      expect(fetch.symbols[s]?.staleReason, s).toMatch(/rate.limit/i);
      expect(fetch.symbols[s]?.last).toBe('2017-11-09');
      expect(fetch.blocked[s], s).toBeDefined();
    }
    const trade = journal.find((e) => e.date === '2017-11-10' && e.step === 'trade.plan')?.record as { orders: unknown[] };
    expect(trade.orders).toEqual([]);
    // The cache the first day wrote is still whole.
    const cache = JSON.parse(readFileSync(path.join(dir, 'workspaces', 'blue', 'cache', 'cache', 'alphavantage', 'MSFT.json'), 'utf8')) as { bars: { date: string }[] };
    expect(cache.bars.at(-1)?.date).toBe('2017-11-09');
    expect(cache.bars.length).toBeGreaterThan(4000);
  });
});
