/**
 * The `csv` provider (a directory of `SYMBOL.csv`) and the `sample` provider (the bundled `data/sample`).
 * Columns `date,open,high,low,close,volume`, case-insensitive, extra columns ignored. Nothing is fixed
 * up here: duplicates, negative prices and gaps pass through so the quality gate can see and report them.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BUNDLED_DATA_DIR } from '../../core/paths.ts';
import { formatCsv, parseCsvRecords } from '../../core/csv.ts';
import { ArenaError } from '../../core/errors.ts';
import { MarketDataError } from './errors.ts';
import type { Bar, DailyRequest, DailySeries } from '../../domain/market/types.ts';
import type { MarketData } from '../../ports.ts';

/** A CSV cell we cannot read. The message names file, line (1-based, header = 1) and column. */
export class CsvFormatError extends ArenaError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: string,
    problem: string,
  ) {
    super(`${file}:${line}: column ${column}: ${problem}`, { hint: `fix line ${line} of ${file}` });
  }
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// `date` may be a plain date or an ISO timestamp; the date as written is the trading date.
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/;

type Field = 'date' | 'open' | 'high' | 'low' | 'close' | 'volume';
const FIELDS: readonly Field[] = ['date', 'open', 'high', 'low', 'close', 'volume'];

function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * Parse daily bars in file order (not sorted, not de-duplicated). Empty open/high/low/volume cells (and
 * the words `null`/`NaN`) become null/NaN; a missing or non-numeric close, a bad date, or a non-numeric
 * non-empty cell is a CsvFormatError naming file, line and column.
 */
export function readBarsCsv(text: string, file: string): Bar[] {
  const records = parseCsvRecords(text, file).filter((r) => r.record.some((c) => c.trim() !== ''));
  const head = records[0];
  if (!head) throw new CsvFormatError(file, 1, 'date', 'the file is empty (expected a header date,open,high,low,close,volume)');
  const headerLine = head.line - 1;
  const header = head.record.map((h) => h.trim().toLowerCase());
  const index = new Map<Field, number>();
  for (const f of FIELDS) {
    const at = header.indexOf(f);
    if (at >= 0) index.set(f, at);
  }
  for (const required of ['date', 'close'] as const) {
    if (!index.has(required)) throw new CsvFormatError(file, headerLine + 1, required, `the header has no "${required}" column (got: ${header.join(',')})`);
  }

  const bars: Bar[] = [];
  for (const { record: cells, line: lineNo } of records.slice(1)) {
    const cell = (f: Field): string | undefined => {
      const at = index.get(f);
      return at === undefined ? undefined : cells[at]?.trim();
    };

    const dateCell = cell('date') ?? '';
    const dm = DATE_RE.exec(dateCell);
    if (!dm || !isRealDate(Number(dm[1]), Number(dm[2]), Number(dm[3]))) {
      throw new CsvFormatError(file, lineNo, 'date', `expected a date YYYY-MM-DD, got "${dateCell}"`);
    }
    const date = `${dm[1]}-${dm[2]}-${dm[3]}`;

    const closeCell = cell('close');
    if (closeCell === undefined || closeCell === '') throw new CsvFormatError(file, lineNo, 'close', 'the close is missing');
    if (!NUMBER_RE.test(closeCell)) throw new CsvFormatError(file, lineNo, 'close', `expected a number, got "${closeCell}"`);

    const optional = (f: 'open' | 'high' | 'low' | 'volume'): number | null => {
      const v = cell(f);
      if (v === undefined || v === '' || v.toLowerCase() === 'null') return null;
      if (v.toLowerCase() === 'nan') return Number.NaN; // kept so the quality gate reports it
      if (!NUMBER_RE.test(v)) throw new CsvFormatError(file, lineNo, f, `expected a number or an empty cell, got "${v}"`);
      return Number(v);
    };
    bars.push({ date, open: optional('open'), high: optional('high'), low: optional('low'), close: Number(closeCell), volume: optional('volume') });
  }
  return bars;
}

/** Stable sort by date: duplicates stay (adjacent) for the quality gate to see. */
function sortByDate(bars: Bar[]): Bar[] {
  return bars
    .map((b, i) => [b, i] as const)
    .sort(([a, ia], [b, ib]) => (a.date < b.date ? -1 : a.date > b.date ? 1 : ia - ib))
    .map(([b]) => b);
}

export interface CsvMarketDataOptions {
  /** Provider name reported in `DailySeries.source`. Default `csv`. */
  provider?: string;
}

export class CsvMarketData implements MarketData {
  readonly provider: string;
  readonly dir: string;
  /** Parsed files, re-read when size or mtime changes (a replay asks for the same file every day). */
  private readonly cache = new Map<string, { mtimeMs: number; size: number; bars: Bar[] }>();

  constructor(dir: string, opts: CsvMarketDataOptions = {}) {
    this.dir = path.resolve(dir);
    this.provider = opts.provider ?? 'csv';
  }

  async knownSymbols(): Promise<string[]> {
    const entries = await this.listCsv();
    return entries.map((f) => f.slice(0, -4)).sort();
  }

  async daily(req: DailyRequest): Promise<DailySeries> {
    const file = await this.fileFor(req.symbol);
    const bars = await this.load(file);
    const out = bars.filter((b) => b.date <= req.asOf && (req.from === undefined || b.date >= req.from));
    return { symbol: req.symbol.toUpperCase(), bars: out, source: this.provider, stale: false };
  }

  private async listCsv(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ArenaError(`${this.dir}: cannot list the data directory (${code ?? String(err)})`, {
        cause: err,
        hint: 'check data.dir in the team file (or --data-dir): a directory of SYMBOL.csv files',
      });
    }
    return names.filter((n) => n.toLowerCase().endsWith('.csv') && !n.startsWith('.'));
  }

  private async fileFor(symbol: string): Promise<string> {
    const want = `${symbol}.csv`.toLowerCase();
    const names = await this.listCsv();
    const hit = names.find((n) => n === `${symbol}.csv`) ?? names.find((n) => n.toLowerCase() === want);
    if (!hit) {
      throw new MarketDataError({
        kind: 'bad_symbol',
        provider: this.provider,
        symbol,
        detail: `no ${symbol}.csv in ${this.dir} (known: ${names.map((n) => n.slice(0, -4)).join(', ') || 'none'})`,
      });
    }
    return path.join(this.dir, hit);
  }

  private async load(file: string): Promise<Bar[]> {
    const st = await fs.stat(file);
    const hit = this.cache.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.bars;
    const bars = sortByDate(readBarsCsv(await fs.readFile(file, 'utf8'), file));
    this.cache.set(file, { mtimeMs: st.mtimeMs, size: st.size, bars });
    return bars;
  }
}

/** The bundled real daily bars, resolved from this module's location (works from any cwd). */
export const SAMPLE_DATA_DIR = BUNDLED_DATA_DIR;

export function sampleMarketData(): CsvMarketData {
  return new CsvMarketData(SAMPLE_DATA_DIR, { provider: 'sample' });
}

/** The CSV form of bars that readBarsCsv reads back (empty cells for a close-only series' nulls). */
export function barsCsv(bars: readonly Bar[]): string {
  return formatCsv([['date', 'open', 'high', 'low', 'close', 'volume'], ...bars.map((b) => [b.date, b.open, b.high, b.low, b.close, b.volume])]);
}
