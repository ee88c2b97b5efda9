/**
 * fetch: daily bars for every symbol (and the benchmark) up to the cycle date, through the
 * MarketData port, then the quality gate. Symbols with stale data or gate errors are blocked
 * from trading today, with the reason.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { writeFileAtomic } from '../../core/fsx.ts';
import { checkQuality, blocksTrading, usableBars, type Finding } from '../../market/quality.ts';
import type { Bar, DailySeries } from '../../market/types.ts';
import { readBarsCsv } from '../../market/csv.ts';
import { promises as fs } from 'node:fs';
import type { StepDef } from '../cycle.ts';
import type { TeamRuntime } from '../runtime.ts';

export interface FetchOutput {
  series: Map<string, DailySeries>;
  benchmark: DailySeries | null;
  findings: Finding[];
  /** Symbol → why it must not be traded today. */
  blocked: Record<string, string>;
  /** Content hash of the bars every later step saw. */
  dataVersion: string;
}

interface FetchRecord {
  dataVersion: string;
  symbols: Record<string, { bars: number; last: string | null; stale: boolean; staleReason?: string }>;
  findings: Finding[];
  blocked: Record<string, string>;
}

export function barsCsv(bars: readonly Bar[]): string {
  const cell = (v: number | null) => (v === null ? '' : String(v));
  return ['date,open,high,low,close,volume', ...bars.map((b) => [b.date, cell(b.open), cell(b.high), cell(b.low), String(b.close), cell(b.volume)].join(','))].join('\n') + '\n';
}

function versionOf(series: Map<string, DailySeries>): string {
  const h = createHash('sha256');
  for (const [symbol, s] of [...series].sort(([a], [b]) => (a < b ? -1 : 1))) h.update(symbol).update(barsCsv(s.bars));
  return h.digest('hex').slice(0, 16);
}

async function load(rt: TeamRuntime, date: string): Promise<Map<string, DailySeries>> {
  const series = new Map<string, DailySeries>();
  for (const symbol of rt.team.symbols) series.set(symbol, await rt.market.daily({ symbol, asOf: date }));
  return series;
}

async function loadBenchmark(rt: TeamRuntime, date: string): Promise<DailySeries | null> {
  const b = rt.team.data.benchmark;
  try {
    return await rt.market.daily({ symbol: b, asOf: date });
  } catch (err) {
    rt.logger.warn(`benchmark ${b} unavailable: ${(err as Error).message}`);
    return null;
  }
}

/** After the first cycle has scanned the whole history, later cycles check the last year only. */
const QUALITY_WINDOW_BARS = 260;

function gate(rt: TeamRuntime, date: string, series: Map<string, DailySeries>): { findings: Finding[]; blocked: Record<string, string> } {
  const q = rt.team.data.quality;
  const findings: Finding[] = [];
  const blocked: Record<string, string> = {};
  const scannedBefore = rt.journal.datesWith('fetch').some((d) => d < date);
  for (const [symbol, full] of series) {
    const s = scannedBefore ? { ...full, bars: full.bars.slice(-QUALITY_WINDOW_BARS) } : full;
    const f = checkQuality(s, {
      asOf: date,
      jumpThreshold: q.jump_threshold,
      staleAfterTradingDays: q.stale_after_trading_days,
      gapWindowTradingDays: q.gap_window_trading_days,
      severities: q.severities,
    });
    findings.push(...f);
    if (blocksTrading(f)) {
      const errors = f.filter((x) => x.severity === 'error').map((x) => x.code);
      blocked[symbol] = `data quality: ${[...new Set(errors)].join(', ')}`;
    } else if (s.stale) blocked[symbol] = `stale data (${s.staleReason ?? 'fetch failed'})`;
  }
  return { findings, blocked };
}

/** Later steps see clean bars; the record keeps the findings and the symbol stays blocked. */
function usable(series: Map<string, DailySeries>): Map<string, DailySeries> {
  return new Map([...series].map(([k, s]) => [k, { ...s, bars: usableBars(s.bars) }]));
}

export const fetchStep: StepDef<'fetch'> = {
  name: 'fetch',
  async run(rt, date) {
    const series = await load(rt, date);
    const benchmark = await loadBenchmark(rt, date);
    const { findings, blocked } = gate(rt, date, series);
    const dataVersion = versionOf(series);
    if (rt.writeSnapshots) {
      // The snapshot is what DVC versions and what a resumed cycle reads back (no second fetch).
      for (const [symbol, s] of series) await writeFileAtomic(path.join(rt.dirs.data, `${symbol}.csv`), barsCsv(s.bars));
      if (benchmark) await writeFileAtomic(path.join(rt.dirs.data, 'benchmark', `${benchmark.symbol}.csv`), barsCsv(benchmark.bars));
    }
    for (const f of findings) if (f.severity !== 'info') rt.logger.log(f.severity === 'error' ? 'warn' : 'info', `quality ${f.symbol}: ${f.message}`, { team: rt.team.team, date });
    const record: FetchRecord = {
      dataVersion,
      symbols: Object.fromEntries(
        [...series].map(([k, s]) => [k, { bars: s.bars.length, last: s.bars[s.bars.length - 1]?.date ?? null, stale: s.stale, ...(s.staleReason ? { staleReason: s.staleReason } : {}) }]),
      ),
      findings,
      blocked,
    };
    return { output: { series: usable(series), benchmark, findings, blocked, dataVersion }, record };
  },
  async restore(rt, date, _state, raw) {
    const rec = raw as FetchRecord;
    let series: Map<string, DailySeries>;
    let benchmark: DailySeries | null = null;
    if (rt.writeSnapshots) {
      series = new Map();
      for (const symbol of rt.team.symbols) {
        const file = path.join(rt.dirs.data, `${symbol}.csv`);
        const sym = rec.symbols[symbol];
        series.set(symbol, { symbol, bars: readBarsCsv(await fs.readFile(file, 'utf8'), file), source: 'snapshot', stale: sym?.stale ?? false, ...(sym?.staleReason ? { staleReason: sym.staleReason } : {}) });
      }
      const bfile = path.join(rt.dirs.data, 'benchmark', `${rt.team.data.benchmark}.csv`);
      const text = await fs.readFile(bfile, 'utf8').catch(() => null);
      if (text) benchmark = { symbol: rt.team.data.benchmark, bars: readBarsCsv(text, bfile), source: 'snapshot', stale: false };
    } else {
      // Replays read deterministic sources: loading again gives the same bars.
      series = await load(rt, date);
      benchmark = await loadBenchmark(rt, date);
    }
    return { series: usable(series), benchmark, findings: rec.findings, blocked: rec.blocked, dataVersion: rec.dataVersion };
  },
};
