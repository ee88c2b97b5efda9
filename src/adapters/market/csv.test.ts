import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvFormatError, CsvMarketData, SAMPLE_DATA_DIR, readBarsCsv, sampleMarketData } from './csv.ts';
import { MarketDataError } from './errors.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../tests/fixtures/market');

describe('readBarsCsv', () => {
  it('reads case-insensitive headers in any order, ignores extra columns, accepts ISO dates and quotes', () => {
    const text = 'Date,Close,Open,Adj Close,High,Low,Volume,Note\r\n2024-01-03T00:00:00Z,10.5,10.1,10.4,10.9,10.0,1200,x\r\n2024-01-02,10.2,,10.1,,,,"quoted, note"\r\n';
    const bars = readBarsCsv(text, 'x.csv');
    expect(bars).toEqual([
      { date: '2024-01-03', open: 10.1, high: 10.9, low: 10, close: 10.5, volume: 1200 },
      { date: '2024-01-02', open: null, high: null, low: null, close: 10.2, volume: null },
    ]);
  });

  it('keeps file order, duplicates and negative prices (the quality gate judges them)', () => {
    const bars = readBarsCsv('date,open,high,low,close,volume\n2024-01-03,1,2,-1,1.5,10\n2024-01-02,1,2,1,1.5,10\n2024-01-02,1,2,1,1.5,10\n', 'd.csv');
    expect(bars.map((b) => b.date)).toEqual(['2024-01-03', '2024-01-02', '2024-01-02']);
    expect(bars[0]?.low).toBe(-1);
  });

  it('handles a close-only file, a BOM and blank lines', () => {
    const bars = readBarsCsv('\uFEFFdate,close\n\n2024-01-02,5\n\n2024-01-03,6\n', 'c.csv');
    expect(bars).toEqual([
      { date: '2024-01-02', open: null, high: null, low: null, close: 5, volume: null },
      { date: '2024-01-03', open: null, high: null, low: null, close: 6, volume: null },
    ]);
  });

  it('keeps the words NaN/null in optional columns for the gate to see', () => {
    const [bar] = readBarsCsv('date,open,high,low,close,volume\n2024-01-02,NaN,2,1,1.5,null\n', 'n.csv');
    expect(Number.isNaN(bar?.open)).toBe(true);
    expect(bar?.volume).toBeNull();
  });

  const bad: [string, string, number, string, RegExp][] = [
    ['non-numeric close', 'date,open,high,low,close,volume\n2024-01-02,1,2,1,1.5,10\n2024-01-03,1,2,1,abc,10\n', 3, 'close', /expected a number, got "abc"/],
    ['missing close', 'date,open,high,low,close,volume\n2024-01-02,1,2,1,,10\n', 2, 'close', /close is missing/],
    ['short row', 'date,open,high,low,close,volume\n2024-01-02,1,2\n', 2, 'close', /close is missing/],
    ['NaN close', 'date,close\n2024-01-02,NaN\n', 2, 'close', /expected a number/],
    ['bad volume', 'date,open,high,low,close,volume\n2024-01-02,1,2,1,1.5,1e\n', 2, 'volume', /got "1e"/],
    ['bad high', 'DATE,OPEN,HIGH,LOW,CLOSE\n2024-01-02,1,two,1,1.5\n', 2, 'high', /got "two"/],
    ['bad date', 'date,close\n01/02/2024,1.5\n', 2, 'date', /YYYY-MM-DD/],
    ['impossible date', 'date,close\n2024-02-30,1.5\n', 2, 'date', /2024-02-30/],
    ['no close column', 'date,price\n2024-01-02,1.5\n', 1, 'close', /no "close" column/],
    ['no date column', 'day,close\n2024-01-02,1.5\n', 1, 'date', /no "date" column/],
  ];
  it.each(bad)('%s is an error naming file, line and column', (_name, text, line, column, re) => {
    let err: unknown;
    try {
      readBarsCsv(text, 'data/MSFT.csv');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CsvFormatError);
    const e = err as CsvFormatError;
    expect(e.file).toBe('data/MSFT.csv');
    expect(e.line).toBe(line);
    expect(e.column).toBe(column);
    expect(e.message).toMatch(`data/MSFT.csv:${line}: column ${column}:`);
    expect(e.message).toMatch(re);
  });

  it('an empty file is an error', () => {
    expect(() => readBarsCsv('\n\n', 'e.csv')).toThrow(/e\.csv:1: .*empty/);
  });
});

describe('CsvMarketData', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'market-csv-'));
    await writeFile(
      path.join(dir, 'ABC.csv'),
      'date,open,high,low,close,volume\n2024-01-04,3,3,3,3,30\n2024-01-02,1,1,1,1,10\n2024-01-03,2,2,2,2,20\n2024-01-03,2.5,2.5,2.5,2.5,25\n2024-01-05,4,4,4,4,40\n',
    );
    await writeFile(path.join(dir, 'lower.csv'), 'date,close\n2024-01-02,7\n');
    await writeFile(path.join(dir, 'notes.txt'), 'not data');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns bars ≤ asOf ascending (stable: duplicates kept in file order), from is inclusive', async () => {
    const md = new CsvMarketData(dir);
    const s = await md.daily({ symbol: 'ABC', asOf: '2024-01-04' });
    expect(s.source).toBe('csv');
    expect(s.stale).toBe(false);
    expect(s.symbol).toBe('ABC');
    expect(s.bars.map((b) => [b.date, b.close])).toEqual([
      ['2024-01-02', 1],
      ['2024-01-03', 2],
      ['2024-01-03', 2.5],
      ['2024-01-04', 3],
    ]);
    expect(s.bars.every((b) => b.date <= '2024-01-04')).toBe(true);
    const from = await md.daily({ symbol: 'ABC', asOf: '2024-01-05', from: '2024-01-04' });
    expect(from.bars.map((b) => b.date)).toEqual(['2024-01-04', '2024-01-05']);
    const none = await md.daily({ symbol: 'ABC', asOf: '2023-12-31' });
    expect(none.bars).toEqual([]);
  });

  it('lists symbols from file names and matches them case-insensitively', async () => {
    const md = new CsvMarketData(dir);
    expect(await md.knownSymbols()).toEqual(['ABC', 'lower']);
    expect((await md.daily({ symbol: 'LOWER', asOf: '2024-12-31' })).bars).toHaveLength(1);
  });

  it('re-reads a file that changed', async () => {
    const md = new CsvMarketData(dir);
    await writeFile(path.join(dir, 'CHG.csv'), 'date,close\n2024-01-02,1\n');
    expect((await md.daily({ symbol: 'CHG', asOf: '2024-12-31' })).bars).toHaveLength(1);
    await writeFile(path.join(dir, 'CHG.csv'), 'date,close\n2024-01-02,1\n2024-01-03,2\n');
    expect((await md.daily({ symbol: 'CHG', asOf: '2024-12-31' })).bars).toHaveLength(2);
  });

  it('an unknown symbol is a bad_symbol MarketDataError naming the directory', async () => {
    const md = new CsvMarketData(dir);
    const err = await md.daily({ symbol: 'NOPE', asOf: '2024-01-05' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MarketDataError);
    expect((err as MarketDataError).kind).toBe('bad_symbol');
    expect((err as MarketDataError).message).toContain('NOPE.csv');
  });

  it('a malformed file surfaces the CsvFormatError with its path', async () => {
    await writeFile(path.join(dir, 'BAD.csv'), 'date,close\n2024-01-02,x\n');
    const err = await new CsvMarketData(dir).daily({ symbol: 'BAD', asOf: '2024-01-05' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CsvFormatError);
    expect((err as CsvFormatError).message).toContain(`${path.join(dir, 'BAD.csv')}:2: column close`);
  });

  it('reads the mixed-format fixture', async () => {
    const md = new CsvMarketData(FIXTURES);
    const s = await md.daily({ symbol: 'MIXED', asOf: '2024-01-04' });
    expect(s.bars.map((b) => [b.date, b.close, b.volume])).toEqual([
      ['2024-01-02', 10.2, null],
      ['2024-01-03', 10.5, 1200],
      ['2024-01-04', 10.7, 0],
    ]);
  });
});

describe('sample provider', () => {
  it('serves the bundled data under the name "sample", without look-ahead', async () => {
    const md = sampleMarketData();
    expect(md.provider).toBe('sample');
    expect(SAMPLE_DATA_DIR).toMatch(/data[\\/]sample$/);
    const symbols = await md.knownSymbols();
    expect(symbols).toEqual(expect.arrayContaining(['AAPL', 'MSFT', 'SPX', 'JPM']));
    const s = await md.daily({ symbol: 'MSFT', asOf: '2017-06-30' });
    expect(s.source).toBe('sample');
    expect(s.bars.at(-1)?.date).toBe('2017-06-30');
    expect(s.bars.every((b) => b.date <= '2017-06-30')).toBe(true);
    for (let i = 1; i < s.bars.length; i++) expect((s.bars[i - 1] as { date: string }).date < (s.bars[i] as { date: string }).date).toBe(true);
    const jpm = await md.daily({ symbol: 'JPM', asOf: '2020-01-02' });
    expect(jpm.bars.at(-1)).toMatchObject({ date: '2020-01-02', open: null, high: null, low: null, volume: null });
  });
});
