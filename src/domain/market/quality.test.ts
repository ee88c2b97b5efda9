import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CsvMarketData, SAMPLE_DATA_DIR, readBarsCsv } from '../../adapters/market/csv.ts';
import { blocksTrading, checkQuality, likelySplit, severityOverrides, summarizeFindings } from './quality.ts';
import type { Finding } from './quality.ts';
import type { Bar, DailySeries } from './types.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../tests/fixtures/market');

const series = (symbol: string, bars: Bar[], extra: Partial<DailySeries> = {}): DailySeries => ({ symbol, bars, source: 'test', stale: false, ...extra });
const bar = (date: string, close: number, o: Partial<Bar> = {}): Bar => ({ date, open: close, high: close, low: close, close, volume: 1000, ...o });
const codes = (fs: Finding[]) => fs.map((f) => f.code);
/** Consecutive January 2024 NYSE trading days (15 Jan is Martin Luther King Jr. Day). */
const JAN = ['2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-08', '2024-01-09', '2024-01-10', '2024-01-11', '2024-01-12', '2024-01-16', '2024-01-17', '2024-01-18', '2024-01-19'];
const clean = (n = JAN.length): Bar[] => JAN.slice(0, n).map((d, i) => bar(d, 100 + i, { open: 99.5 + i, high: 101 + i, low: 99 + i }));

describe('checkQuality on the planted-fault fixture', () => {
  const md = new CsvMarketData(FIXTURES);

  it('names the duplicate date, the negative price and the 3:1 split, and blocks trading', async () => {
    const s = await md.daily({ symbol: 'BAD', asOf: '2024-01-31' });
    const findings = checkQuality(s, { asOf: '2024-01-31' });
    const dup = findings.filter((f) => f.code === 'duplicate_date');
    const neg = findings.filter((f) => f.code === 'non_positive_price');
    const jump = findings.filter((f) => f.code === 'suspicious_jump');
    expect(dup).toEqual([expect.objectContaining({ symbol: 'BAD', date: '2024-01-16', severity: 'error' })]);
    expect(neg).toEqual([expect.objectContaining({ date: '2024-01-10', severity: 'error' })]);
    expect(neg[0]?.message).toMatch(/low -300\.5/);
    expect(jump).toEqual([expect.objectContaining({ date: '2024-01-22', severity: 'error' })]);
    expect(jump[0]?.message).toMatch(/3:1 split/);
    // Nothing else: the rest of the file is clean.
    expect(new Set(codes(findings))).toEqual(new Set(['duplicate_date', 'non_positive_price', 'suspicious_jump']));
    expect(blocksTrading(findings)).toBe(true);
    expect(summarizeFindings(findings)).toBe('BAD: 3 errors (duplicate_date, non_positive_price, suspicious_jump)');
  });

  it('the same faults straight from readBarsCsv (file order) are found too', () => {
    const bars = readBarsCsv(readFileSync(path.join(FIXTURES, 'BAD.csv'), 'utf8'), 'BAD.csv');
    const findings = checkQuality(series('BAD', bars), { asOf: '2024-01-31' });
    expect(codes(findings).sort()).toEqual(['duplicate_date', 'non_positive_price', 'suspicious_jump']);
  });
});

describe('checkQuality on clean data', () => {
  it('the last 300 days of bundled MSFT have no error findings', async () => {
    const md = new CsvMarketData(SAMPLE_DATA_DIR, { provider: 'sample' });
    const all = await md.daily({ symbol: 'MSFT', asOf: '2099-01-01' });
    const bars = all.bars.slice(-300);
    const asOf = bars.at(-1)?.date as string;
    const findings = checkQuality({ ...all, bars }, { asOf });
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(blocksTrading(findings)).toBe(false);
  });

  it('the whole bundled history of every symbol has no errors (old gaps are outside the window)', async () => {
    const md = new CsvMarketData(SAMPLE_DATA_DIR, { provider: 'sample' });
    for (const symbol of await md.knownSymbols()) {
      const s = await md.daily({ symbol, asOf: '2099-01-01' });
      const findings = checkQuality(s, { asOf: s.bars.at(-1)?.date as string });
      expect(findings.filter((f) => f.severity === 'error'), symbol).toEqual([]);
    }
  });

  it('close-only data gives close_only info and no errors', async () => {
    const s = await new CsvMarketData(FIXTURES).daily({ symbol: 'CLOSEONLY', asOf: '2024-01-19' });
    const findings = checkQuality(s, { asOf: '2024-01-19' });
    expect(findings).toEqual([expect.objectContaining({ code: 'close_only', severity: 'info' })]);
    expect(blocksTrading(findings)).toBe(false);
    expect(summarizeFindings(findings)).toBe('CLOSEONLY: 1 info (close_only)');
  });

  it('a clean synthetic series has no findings at all', () => {
    expect(checkQuality(series('OK', clean()), { asOf: '2024-01-19' })).toEqual([]);
    expect(summarizeFindings([], ['OK'])).toBe('OK: ok');
  });
});

describe('checkQuality codes', () => {
  const asOf = '2024-01-19';

  it('calendar_gap only inside the tail window', () => {
    const bars = clean().filter((b) => b.date !== '2024-01-09' && b.date !== '2024-01-10' && b.date !== '2024-01-03');
    const all = checkQuality(series('G', bars), { asOf });
    const gaps = all.filter((f) => f.code === 'calendar_gap');
    expect(gaps.map((f) => [f.date, f.severity])).toEqual([
      ['2024-01-03', 'warn'],
      ['2024-01-09', 'warn'],
    ]);
    expect(gaps[1]?.message).toMatch(/2 trading days 2024-01-09\.\.2024-01-10/);
    // Only the last 5 trading days (01-12..01-19) are checked: no gap there.
    expect(checkQuality(series('G', bars), { asOf, gapWindowTradingDays: 5 }).filter((f) => f.code === 'calendar_gap')).toEqual([]);
    expect(checkQuality(series('G', bars), { asOf, gapCheckFrom: '2024-01-05' }).filter((f) => f.code === 'calendar_gap').map((f) => f.date)).toEqual(['2024-01-09']);
  });

  it('non_trading_day for weekends and holidays', () => {
    const bars = [...clean(9), bar('2024-01-13', 109), bar('2024-01-15', 109), ...clean().slice(9)];
    const f = checkQuality(series('W', bars), { asOf }).filter((x) => x.code === 'non_trading_day');
    expect(f.map((x) => x.date)).toEqual(['2024-01-13', '2024-01-15']);
  });

  it('OHLC consistency: high_below_low, close/open outside the range, zero volume', () => {
    const bars = clean();
    bars[2] = { ...bars[2], high: 90, low: 110 } as Bar;
    bars[3] = { ...bars[3], close: 200 } as Bar; // also a jump up and back down
    bars[4] = { ...bars[4], open: 50 } as Bar;
    bars[5] = { ...bars[5], volume: 0 } as Bar;
    const f = checkQuality(series('R', bars), { asOf, jumpThreshold: 5 });
    expect(f.map((x) => [x.code, x.date, x.severity])).toEqual([
      ['high_below_low', '2024-01-04', 'error'],
      ['close_outside_range', '2024-01-05', 'error'],
      ['open_outside_range', '2024-01-08', 'warn'],
      ['zero_volume', '2024-01-09', 'warn'],
    ]);
  });

  it('rounding noise is not a range violation', () => {
    const bars = clean();
    bars[1] = { ...bars[1], close: (bars[1]?.high as number) + 0.00004 } as Bar;
    expect(checkQuality(series('N', bars), { asOf })).toEqual([]);
  });

  it('missing_value for NaN and for null where the column has values elsewhere', () => {
    const bars = clean();
    bars[1] = { ...bars[1], open: null } as Bar;
    bars[2] = { ...bars[2], volume: Number.NaN } as Bar;
    bars[3] = { ...bars[3], close: Number.NaN } as Bar;
    const f = checkQuality(series('M', bars), { asOf, jumpThreshold: 5 }).filter((x) => x.code === 'missing_value');
    expect(f.map((x) => x.date)).toEqual(['2024-01-03', '2024-01-04', '2024-01-05']);
    expect(f.every((x) => x.severity === 'error')).toBe(true);
  });

  it('stale: last bar too far behind asOf, or the provider flagged the series', () => {
    const bars = clean(10); // last bar 2024-01-16
    expect(checkQuality(series('S', bars), { asOf: '2024-01-17' })).toEqual([]);
    const late = checkQuality(series('S', bars), { asOf: '2024-01-19' });
    expect(late).toEqual([expect.objectContaining({ code: 'stale', severity: 'error', date: '2024-01-16' })]);
    expect(late[0]?.message).toMatch(/3 trading days behind/);
    expect(checkQuality(series('S', bars), { asOf: '2024-01-19', staleAfterTradingDays: 3 })).toEqual([]);
    // Over a weekend/holiday nothing is missing: asOf Monday 15 Jan (holiday), last bar Friday 12 Jan.
    expect(checkQuality(series('S', clean(9)), { asOf: '2024-01-15', staleAfterTradingDays: 0 })).toEqual([]);
    const flagged = checkQuality(series('S', bars, { stale: true, staleReason: 'rate_limit: quota' }), { asOf: '2024-01-16' });
    expect(flagged).toEqual([expect.objectContaining({ code: 'stale', severity: 'warn' })]);
    expect(flagged[0]?.message).toContain('rate_limit: quota');
    expect(checkQuality(series('E', []), { asOf })).toEqual([expect.objectContaining({ code: 'stale', severity: 'error' })]);
  });

  it('future bars are look-ahead', () => {
    const f = checkQuality(series('F', clean()), { asOf: '2024-01-17' });
    expect(f).toEqual([expect.objectContaining({ code: 'future_bar', severity: 'error', date: '2024-01-18' })]);
  });

  it('a big move that is not a split ratio is a warning', () => {
    const bars = clean().map((b) => (b.date >= '2024-01-17' ? { ...b, open: b.close * 1.45, high: b.close * 1.46, low: b.close * 1.44, close: b.close * 1.45 } : b));
    const f = checkQuality(series('J', bars), { asOf });
    expect(f.map((x) => [x.code, x.date, x.severity])).toEqual([['suspicious_jump', '2024-01-17', 'warn']]);
    expect(f[0]?.message).not.toMatch(/split/);
  });

  it('severity overrides, off, and folding of long runs', () => {
    const bars = clean().map((b) => ({ ...b, volume: 0 }));
    const def = checkQuality(series('Z', bars), { asOf, maxFindingsPerCode: 3 });
    expect(def).toHaveLength(4);
    expect(def[3]?.message).toMatch(/and 10 more zero_volume findings/);
    expect(blocksTrading(def)).toBe(false);
    const strict = checkQuality(series('Z', bars), { asOf, severities: { zero_volume: 'error' } });
    expect(strict).toHaveLength(13);
    expect(blocksTrading(strict)).toBe(true);
    expect(checkQuality(series('Z', bars), { asOf, severities: { zero_volume: 'off' } })).toEqual([]);
  });

  it('severityOverrides validates codes from the team file', () => {
    expect(severityOverrides({ zero_volume: 'error', calendar_gap: 'off' })).toEqual({ zero_volume: 'error', calendar_gap: 'off' });
    expect(() => severityOverrides({ zero_volumes: 'error' })).toThrow(/unknown quality finding code "zero_volumes"/);
  });

  it('dates outside the calendar range (1990–2035) skip the calendar checks instead of failing', () => {
    const old = ['1985-01-02', '1985-01-03', '1985-01-05', '1985-01-06'].map((d, i) => bar(d, 10 + i * 0.1));
    expect(checkQuality(series('OLD', old), { asOf: '1985-01-06' })).toEqual([]);
  });

  it('out_of_order is reported', () => {
    const bars = clean();
    const [a, b] = [bars[3] as Bar, bars[4] as Bar];
    bars[3] = b;
    bars[4] = a;
    expect(codes(checkQuality(series('O', bars), { asOf }))).toEqual(['out_of_order']);
  });
});

describe('likelySplit', () => {
  it.each([
    [1 / 3, '3:1 split'],
    [0.5, '2:1 split'],
    [0.26, '4:1 split'],
    [0.1, '10:1 split'],
    [2 / 3, '3:2 split'],
    [2, '1:2 reverse split'],
    [3.1, '1:3 reverse split'],
    [10, '1:10 reverse split'],
  ])('%f → %s', (ratio, label) => {
    expect(likelySplit(ratio)).toBe(label);
  });
  it.each([0.62, 1.45, 1.75, -1, 0, Number.NaN])('%f is not a split', (ratio) => {
    expect(likelySplit(ratio)).toBeUndefined();
  });
});
