/**
 * A team asking Alpha Vantage for RSI and MACD (`features.alphavantage`), its cycles run by the real CLI
 * against the local emulator (ALPHAVANTAGE_BASE_URL): the feature matrix carries the emulator's values
 * by date; a premium or rate-limit answer on an indicator call is a typed, logged error, the cache stays
 * whole, the symbol is marked stale and not traded, and the cycle does not crash.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlphaVantageEmulator, type AlphaVantageEmulator } from '../../src/sim/alphavantage/index.ts';
import { sampleMarketData } from '../../src/adapters/market/csv.ts';
import { runArena } from '../../src/testing/processes.ts';
import { REPO_ROOT } from '../../src/testing/services.ts';

const KEY = 'emulator-key-indicators-77';
const SYMBOLS = ['MSFT', 'GOOGL', 'IXIC'];
const AV_COLUMNS = ['av_rsi_14', 'av_macd', 'av_macd_signal', 'av_macd_hist'];

interface JournalEntry {
  date: string;
  step: string;
  record: Record<string, unknown>;
}
interface FetchRecord {
  symbols: Record<string, { stale: boolean; last: string }>;
  blocked: Record<string, string>;
  indicators: Record<string, Record<string, { stale: boolean; staleReason?: string; last: string | null }>>;
}

describe('Alpha Vantage indicators as features, in a cycle (emulated)', () => {
  let emu: AlphaVantageEmulator;
  let dir: string;
  const ws = () => path.join(dir, 'workspaces', 'blue');

  /** A scratch project whose blue team reads Alpha Vantage and asks it for RSI 14 and MACD. */
  function project(): string {
    const d = mkdtempSync(path.join(tmpdir(), 'arena-av-ind-'));
    cpSync(path.join(REPO_ROOT, 'strategies'), path.join(d, 'strategies'), { recursive: true });
    cpSync(path.join(REPO_ROOT, 'teams'), path.join(d, 'teams'), { recursive: true });
    const blue = path.join(d, 'teams', 'blue.yml');
    writeFileSync(
      blue,
      readFileSync(blue, 'utf8')
        .replace(/provider: sample[^\n]*/, 'provider: alphavantage\n  refresh_interval_minutes: 0\n  requests_per_day: 200')
        .replace('features:\n', 'features:\n  alphavantage:\n    - { function: RSI, time_period: 14 }\n    - { function: MACD }\n'),
    );
    return d;
  }

  beforeAll(async () => {
    emu = await startAlphaVantageEmulator({ data: sampleMarketData(), apiKey: KEY, asOf: '2017-11-09' });
    dir = project();
  });
  afterAll(async () => {
    await emu.close();
  });

  const avEnv = () => ({ ...process.env, ALPHAVANTAGE_BASE_URL: emu.url, ALPHAVANTAGE_API_KEY: KEY });
  const cycle = (date: string, cwd = dir) => runArena(cwd, ['cycle', '--team', 'teams/blue.yml', '--date', date], { env: avEnv() });

  const journal = (): JournalEntry[] =>
    readFileSync(path.join(ws(), 'state', 'journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JournalEntry);
  const fetchRecord = (date: string) => journal().find((e) => e.date === date && e.step === 'fetch')?.record as unknown as FetchRecord;
  const orders = (date: string) => (journal().find((e) => e.date === date && e.step === 'trade.plan')?.record as { orders: { symbol: string; side: string; qty: number }[] }).orders;
  const readCsv = (file: string): { header: string[]; rows: string[][] } => {
    const [h, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
    return { header: (h ?? '').split(','), rows: lines.map((l) => l.split(',')) };
  };
  /** The emulator's own answer, read with plain fetch (not through our provider). */
  async function emulatorValues(fn: string, symbol: string, extra: string): Promise<Record<string, Record<string, string>>> {
    const res = await fetch(`${emu.url}?function=${fn}&symbol=${symbol}&interval=daily&series_type=close${extra}&apikey=${KEY}`);
    const body = (await res.json()) as Record<string, unknown>;
    return body[`Technical Analysis: ${fn}`] as Record<string, Record<string, string>>;
  }
  const indicatorCache = (symbol: string, key: string) =>
    JSON.parse(readFileSync(path.join(ws(), 'cache', 'cache', 'alphavantage', 'indicators', symbol, `${key}.json`), 'utf8')) as { rows: [string, Record<string, number>][]; fetchedAt: string };

  it('an indicator that fails before anything is cached: that symbol has no rows and is not traded; no crash', { timeout: 300_000 }, async () => {
    const fresh = project();
    emu.setFault({ mode: 'premium', function: 'RSI', count: 1 });
    const r = await cycle('2017-11-09', fresh);
    emu.setFault(null);
    expect(r.code, r.stderr).toBe(0);
    const entries = readFileSync(path.join(fresh, 'workspaces', 'blue', 'state', 'journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JournalEntry);
    const rec = entries.find((e) => e.step === 'fetch')?.record as unknown as FetchRecord;
    expect(rec.indicators.MSFT?.RSI_14_close).toMatchObject({ last: null, stale: true });
    expect(rec.indicators.MSFT?.RSI_14_close?.staleReason).toMatch(/premium/);
    expect(rec.blocked.MSFT).toMatch(/^stale indicator data \(RSI_14_close: .*premium/);
    expect(rec.indicators.GOOGL?.RSI_14_close).toEqual({ last: '2017-11-09', stale: false });
    const features = entries.find((e) => e.step === 'features')?.record as { rows: Record<string, number> };
    expect(features.rows).toEqual({ MSFT: 0, GOOGL: 2035, IXIC: 4647 });
    const predict = entries.find((e) => e.step === 'predict')?.record as { predictions: { symbol: string }[]; skipped: Record<string, string> };
    expect(predict.predictions.map((p) => p.symbol)).toEqual(['GOOGL', 'IXIC']);
    expect(predict.skipped).toEqual({ MSFT: 'no feature rows yet' });
    // GOOGL's and IXIC's P(up) (0.455, 0.494 with this seed) are below the 0.53 to buy, and nothing is held: no order.
    const plan = entries.find((e) => e.step === 'trade.plan')?.record as { orders: { symbol: string }[] };
    expect(plan.orders).toEqual([]);
    expect(readFileSync(path.join(fresh, 'workspaces', 'blue', 'logs', 'arena.jsonl'), 'utf8')).toMatch(/alphavantage MSFT RSI_14_close: indicator unavailable and nothing cached \(.*premium/);
  });

  it('arena features writes the same av_* columns as the cycle', { timeout: 300_000 }, async () => {
    const out = path.join(dir, 'msft-features.csv');
    const r = await runArena(dir, ['features', '--team', 'teams/blue.yml', '--symbol', 'MSFT', '--out', out], { env: avEnv() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/dropped: .*alphavantage/);
    const { header, rows } = readCsv(out);
    for (const c of AV_COLUMNS) expect(header, c).toContain(c);
    const rsi = await emulatorValues('RSI', 'MSFT', '&time_period=14');
    const last = rows.at(-1) as string[];
    expect(Number(last[header.indexOf('av_rsi_14')])).toBe(Number(rsi[last[0] as string]?.RSI));
  });

  it('the feature matrix carries the emulator’s RSI and MACD by date', { timeout: 300_000 }, async () => {
    const r = await cycle('2017-11-09');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain(KEY);
    for (const s of SYMBOLS)
      for (const fn of ['RSI', 'MACD']) expect(emu.history.some((h) => h.function === fn && h.symbol === s && h.outcome === 'ok'), `${fn} ${s}`).toBe(true);

    const rec = fetchRecord('2017-11-09');
    for (const s of SYMBOLS) {
      expect(rec.indicators[s]?.RSI_14_close).toEqual({ last: '2017-11-09', stale: false });
      expect(rec.indicators[s]?.MACD_12_26_9_close).toEqual({ last: '2017-11-09', stale: false });
    }

    const rsi = await emulatorValues('RSI', 'MSFT', '&time_period=14');
    const macd = await emulatorValues('MACD', 'MSFT', '&fastperiod=12&slowperiod=26&signalperiod=9');
    const { header, rows } = readCsv(path.join(ws(), 'features', 'MSFT.csv'));
    for (const c of AV_COLUMNS) expect(header, c).toContain(c);
    // Every MSFT date from the first with all features (MACD's and the 100-day SMA's warm-up past) on.
    expect(rows.length).toBe(4395);
    expect(rows[0]?.[0]).toBe('2000-05-24');
    expect(rows.at(-1)?.[0]).toBe('2017-11-09');
    const col = (name: string) => header.indexOf(name);
    // `===`, not Object.is: the emulator's "-0.0000" is the same value as our 0.
    const same = (got: string | undefined, want: string | undefined, what: string) => expect(Number(got) === Number(want), `${what}: ${got} vs ${want}`).toBe(true);
    for (const row of rows) {
      const date = row[0] as string;
      same(row[col('av_rsi_14')], rsi[date]?.RSI, `${date} RSI`);
      same(row[col('av_macd')], macd[date]?.MACD, `${date} MACD`);
      same(row[col('av_macd_signal')], macd[date]?.MACD_Signal, `${date} MACD_Signal`);
      same(row[col('av_macd_hist')], macd[date]?.MACD_Hist, `${date} MACD_Hist`);
    }
    // The first rows are the emulator's first MACD date at the earliest: warm-up is dropped, not zero-filled.
    const firstMacd = Object.keys(macd).sort()[0] as string;
    expect((rows[0]?.[0] as string) >= firstMacd).toBe(true);
    // What the fetch step snapshotted (DVC-versioned; a resumed cycle reads it back).
    expect(existsSync(path.join(ws(), 'data', 'indicators', 'MSFT.csv'))).toBe(true);
    // The model saw the columns.
    const model = journal().find((e) => e.date === '2017-11-09' && e.step === 'features')?.record as { columns: number; dropped: { feature: string }[] };
    expect(model.dropped.map((d) => d.feature)).not.toContain('alphavantage RSI');
  });

  it('a cycle killed after fetch resumes from the snapshot: same matrix, no second indicator request', { timeout: 300_000 }, async () => {
    const file = path.join(ws(), 'state', 'journal.jsonl');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const fetchAt = lines.findIndex((l) => (JSON.parse(l) as JournalEntry).step === 'fetch');
    expect(fetchAt).toBeGreaterThanOrEqual(0);
    writeFileSync(file, lines.slice(0, fetchAt + 1).join('\n') + '\n');
    const featuresCsv = path.join(ws(), 'features', 'MSFT.csv');
    const before = readFileSync(featuresCsv, 'utf8');
    writeFileSync(featuresCsv, '');
    const indicatorCalls = () => emu.history.filter((h) => h.function === 'RSI' || h.function === 'MACD').length;
    const calls = indicatorCalls();
    const r = await cycle('2017-11-09');
    expect(r.code, r.stderr).toBe(0);
    expect(indicatorCalls()).toBe(calls);
    expect(readFileSync(featuresCsv, 'utf8')).toBe(before);
  });

  it('a premium answer on MSFT’s MACD: typed error logged, cache whole, MSFT stale and not traded, the others go on', { timeout: 300_000 }, async () => {
    // Day one decided on fresh data: P(up) MSFT 0.485, GOOGL 0.499, IXIC 0.523 with this seed (the dense JS
    // engine); none reaches the 0.53 to buy, so nothing was bought.
    expect(orders('2017-11-09').map((o) => [o.symbol, o.side, o.qty])).toEqual([]);
    const before = indicatorCache('MSFT', 'MACD_12_26_9_close');
    emu.setAsOf('2017-11-10');
    // Symbols are fetched in team order: the first MACD call is MSFT's.
    emu.setFault({ mode: 'premium', function: 'MACD', count: 1 });
    const r = await cycle('2017-11-10');
    emu.setFault(null);
    expect(r.code, r.stderr).toBe(0);
    expect(emu.history.filter((h) => h.function === 'MACD').slice(-3).map((h) => `${h.symbol}:${h.outcome}`)).toEqual(['MSFT:premium', 'GOOGL:ok', 'IXIC:ok']);

    const rec = fetchRecord('2017-11-10');
    // The daily bars and RSI are fresh; MSFT's MACD is served from the cache, marked stale with the typed error.
    expect(rec.symbols.MSFT).toMatchObject({ stale: false, last: '2017-11-10' });
    expect(rec.indicators.MSFT?.RSI_14_close).toEqual({ last: '2017-11-10', stale: false });
    expect(rec.indicators.MSFT?.MACD_12_26_9_close).toMatchObject({ last: '2017-11-09', stale: true });
    expect(rec.indicators.MSFT?.MACD_12_26_9_close?.staleReason).toMatch(/^premium: .*premium endpoint/);
    expect(rec.blocked.MSFT).toMatch(/^stale indicator data \(MACD_12_26_9_close: premium/);
    for (const s of ['GOOGL', 'IXIC']) {
      expect(rec.indicators[s]?.MACD_12_26_9_close, s).toEqual({ last: '2017-11-10', stale: false });
      expect(rec.blocked[s] ?? '', s).not.toMatch(/indicator/);
    }
    // MSFT (blocked) has no prediction; of the others only IXIC's P(up) 0.547 reaches the 0.53 to buy: 60 % of
    // $100,000 at the 6750.94 close is 8 whole shares. MSFT is not traded.
    const predicted = (journal().find((e) => e.date === '2017-11-10' && e.step === 'predict')?.record as { predictions: { symbol: string }[] }).predictions;
    expect(predicted.map((p) => p.symbol)).toEqual(['GOOGL', 'IXIC']);
    expect(orders('2017-11-10').map((o) => [o.symbol, o.side, o.qty])).toEqual([['IXIC', 'buy', 8]]);
    expect(indicatorCache('MSFT', 'MACD_12_26_9_close')).toEqual(before);
    const log = readFileSync(path.join(ws(), 'logs', 'arena.jsonl'), 'utf8');
    expect(log).toMatch(/alphavantage MSFT MACD_12_26_9_close: indicator stale \(premium: /);
    expect(log).not.toContain(KEY);
    // No feature row for a day without MACD: MSFT's last row stays the previous day; GOOGL has today's.
    expect(readCsv(path.join(ws(), 'features', 'MSFT.csv')).rows.at(-1)?.[0]).toBe('2017-11-09');
    expect(readCsv(path.join(ws(), 'features', 'GOOGL.csv')).rows.at(-1)?.[0]).toBe('2017-11-10');
  });

  it('a rate-limit answer on RSI: same, and the daily quota is then respected', { timeout: 300_000 }, async () => {
    const before = indicatorCache('GOOGL', 'RSI_14_close');
    emu.setAsOf('2017-11-13');
    emu.setFault({ mode: 'rate_limit', function: 'RSI' });
    const r = await cycle('2017-11-13');
    emu.setFault(null);
    expect(r.code, r.stderr).toBe(0);
    const rec = fetchRecord('2017-11-13');
    for (const s of SYMBOLS) {
      expect(rec.indicators[s]?.RSI_14_close).toMatchObject({ last: '2017-11-10', stale: true });
      expect(rec.indicators[s]?.RSI_14_close?.staleReason).toMatch(/^rate_limit/);
      expect(rec.blocked[s], s).toMatch(/stale indicator data/);
    }
    // The server said the day's quota is gone: only the first RSI call went out.
    expect(emu.history.filter((h) => h.function === 'RSI' && h.outcome === 'rate_limit')).toHaveLength(1);
    expect(orders('2017-11-13')).toEqual([]);
    const after = indicatorCache('GOOGL', 'RSI_14_close');
    expect(after.rows).toEqual(before.rows);
    // GOOGL's RSI as cached on 2017-11-10: from its first RSI date to that day, nothing added by the failed call.
    expect([after.rows.length, after.rows[0]?.[0], after.rows.at(-1)?.[0]]).toEqual([2121, '2009-06-12', '2017-11-10']);
    expect(readFileSync(path.join(ws(), 'logs', 'arena.jsonl'), 'utf8')).toMatch(/alphavantage MSFT RSI_14_close: indicator stale \(rate_limit: /);
  });
});
