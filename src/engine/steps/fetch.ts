/**
 * fetch: daily bars for every symbol (and the benchmark) up to the cycle date, through the
 * MarketData port, then the quality gate. Symbols with stale data or gate errors are blocked
 * from trading today, with the reason. When the team lists `features.alphavantage`, those
 * indicators are fetched too (same provider, same budget and cache); a stale one blocks the symbol.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { writeFileAtomic } from '../../core/fsx.ts';
import { checkQuality, blocksTrading, usableBars, type Finding } from '../../domain/market/quality.ts';
import type { Bar, DailySeries } from '../../domain/market/types.ts';
import { readBarsCsv } from '../../adapters/market/csv.ts';
import { promises as fs } from 'node:fs';
import type { StepDef } from '../cycle.ts';
import type { TeamRuntime } from '../runtime.ts';
import { errorMessage } from '../../core/errors.ts';
import { externalColumns } from '../../domain/features/matrix.ts';
import { externalValuesCsv, joinAvValues, parseExternalValuesCsv, type AvAnswer, type AvIndicator, type ExternalValues } from '../../domain/features/alphavantage.ts';
import { indicatorKey, isIndicatorSource } from '../../adapters/market/alphavantage/index.ts';
import type { IndicatorSpec } from '../../ports.ts';

export interface FetchOutput {
  series: Map<string, DailySeries>;
  benchmark: DailySeries | null;
  findings: Finding[];
  /** Symbol → why it must not be traded today. */
  blocked: Record<string, string>;
  /** Content hash of the bars (and indicator values) every later step saw. */
  dataVersion: string;
  /**
   * Per symbol: date → `av_*` column values (features.alphavantage). Absent when the team asks for none
   * or the source cannot serve them (the features step then drops those columns, with the reason).
   */
  external?: Map<string, ExternalValues>;
}

interface IndicatorRecord {
  /** Last date with a value (≤ the cycle date), null when nothing could be fetched. */
  last: string | null;
  stale: boolean;
  staleReason?: string;
}

export interface FetchRecord {
  dataVersion: string;
  symbols: Record<string, { bars: number; last: string | null; stale: boolean; staleReason?: string }>;
  findings: Finding[];
  blocked: Record<string, string>;
  /** Symbol → indicator key (e.g. RSI_14_close) → outcome; only with features.alphavantage. */
  indicators?: Record<string, Record<string, IndicatorRecord>>;
}

export function barsCsv(bars: readonly Bar[]): string {
  const cell = (v: number | null) => (v === null ? '' : String(v));
  return ['date,open,high,low,close,volume', ...bars.map((b) => [b.date, cell(b.open), cell(b.high), cell(b.low), String(b.close), cell(b.volume)].join(','))].join('\n') + '\n';
}

function versionOf(series: Map<string, DailySeries>, external?: { values: Map<string, ExternalValues>; columns: string[] }): string {
  const h = createHash('sha256');
  for (const [symbol, s] of [...series].sort(([a], [b]) => (a < b ? -1 : 1))) {
    h.update(symbol).update(barsCsv(s.bars));
    const ext = external?.values.get(symbol);
    if (external && ext) h.update(externalValuesCsv(ext, external.columns));
  }
  return h.digest('hex').slice(0, 16);
}

/** The YAML entry (API parameter names) as the provider's request. */
export function providerSpec(ind: AvIndicator): IndicatorSpec {
  switch (ind.function) {
    case 'RSI':
    case 'EMA':
    case 'SMA':
      return { function: ind.function, timePeriod: ind.time_period, seriesType: ind.series_type };
    case 'MACD':
      return { function: 'MACD', fastPeriod: ind.fastperiod, slowPeriod: ind.slowperiod, signalPeriod: ind.signalperiod, seriesType: ind.series_type };
    case 'BBANDS':
      return { function: 'BBANDS', timePeriod: ind.time_period, nbdevup: ind.nbdevup, nbdevdn: ind.nbdevdn, matype: ind.matype, seriesType: ind.series_type };
  }
}

interface LoadedIndicators {
  values: Map<string, ExternalValues>;
  records: Record<string, Record<string, IndicatorRecord>>;
  /** Symbol → why its indicator data is not today's. */
  stale: Record<string, string>;
}

/**
 * The team's Alpha Vantage indicators, each symbol through the provider (budget, cache, typed errors).
 * A failed refresh is served from the cache marked stale; with no cache yet the symbol gets no values
 * (so no feature rows). Either way the symbol is not traded today, and the cycle goes on.
 */
async function loadIndicators(rt: TeamRuntime, date: string): Promise<LoadedIndicators | undefined> {
  const wanted = rt.team.features.alphavantage;
  if (!wanted?.length) return undefined;
  const market = rt.market;
  if (!isIndicatorSource(market)) {
    rt.logger.warn(`features.alphavantage: the ${market.provider} data source does not serve Alpha Vantage indicators; those columns are dropped`, { team: rt.team.team, date });
    return undefined;
  }
  const out: LoadedIndicators = { values: new Map(), records: {}, stale: {} };
  for (const symbol of rt.team.symbols) {
    const answers: AvAnswer[] = [];
    const records: Record<string, IndicatorRecord> = {};
    const problems: string[] = [];
    for (const ind of wanted) {
      const spec = providerSpec(ind);
      try {
        const s = await market.indicator(symbol, spec, { asOf: date });
        answers.push({ indicator: ind, values: s.values });
        records[s.key] = { last: [...s.values.keys()].at(-1) ?? null, stale: s.stale, ...(s.staleReason ? { staleReason: s.staleReason } : {}) };
        if (s.stale) {
          problems.push(`${s.key}: ${s.staleReason ?? 'refresh failed'}`);
          rt.logger.warn(`alphavantage ${symbol} ${s.key}: indicator stale (${s.staleReason ?? 'refresh failed'})`, { team: rt.team.team, date });
        }
      } catch (err) {
        const why = errorMessage(err);
        const key = indicatorKey(spec);
        records[key] = { last: null, stale: true, staleReason: why };
        problems.push(`${key}: ${why}`);
        rt.logger.warn(`alphavantage ${symbol} ${key}: indicator unavailable and nothing cached (${why})`, { team: rt.team.team, date });
      }
    }
    out.values.set(symbol, joinAvValues(answers));
    out.records[symbol] = records;
    if (problems.length) out.stale[symbol] = `stale indicator data (${problems.join('; ')})`;
  }
  return out;
}

const indicatorsFile = (rt: TeamRuntime, symbol: string): string => path.join(rt.dirs.data, 'indicators', `${symbol}.csv`);

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
    const indicators = await loadIndicators(rt, date);
    const { findings, blocked } = gate(rt, date, series);
    for (const [symbol, why] of Object.entries(indicators?.stale ?? {})) blocked[symbol] ??= why;
    const columns = externalColumns(rt.team.features);
    const dataVersion = versionOf(series, indicators ? { values: indicators.values, columns } : undefined);
    if (rt.writeSnapshots) {
      // The snapshot is what DVC versions and what a resumed cycle reads back (no second fetch).
      for (const [symbol, s] of series) await writeFileAtomic(path.join(rt.dirs.data, `${symbol}.csv`), barsCsv(s.bars));
      if (benchmark) await writeFileAtomic(path.join(rt.dirs.data, 'benchmark', `${benchmark.symbol}.csv`), barsCsv(benchmark.bars));
      for (const [symbol, v] of indicators?.values ?? []) await writeFileAtomic(indicatorsFile(rt, symbol), externalValuesCsv(v, columns));
    }
    for (const f of findings) if (f.severity !== 'info') rt.logger.log(f.severity === 'error' ? 'warn' : 'info', `quality ${f.symbol}: ${f.message}`, { team: rt.team.team, date });
    const record: FetchRecord = {
      dataVersion,
      symbols: Object.fromEntries(
        [...series].map(([k, s]) => [k, { bars: s.bars.length, last: s.bars[s.bars.length - 1]?.date ?? null, stale: s.stale, ...(s.staleReason ? { staleReason: s.staleReason } : {}) }]),
      ),
      findings,
      blocked,
      ...(indicators ? { indicators: indicators.records } : {}),
    };
    return { output: { series: usable(series), benchmark, findings, blocked, dataVersion, ...(indicators ? { external: indicators.values } : {}) }, record };
  },
  async restore(rt, date, _state, raw) {
    const rec = raw as FetchRecord;
    let series: Map<string, DailySeries>;
    let benchmark: DailySeries | null = null;
    let external: Map<string, ExternalValues> | undefined;
    if (rt.writeSnapshots) {
      if (rec.indicators) {
        external = new Map();
        for (const symbol of rt.team.symbols) {
          const file = indicatorsFile(rt, symbol);
          external.set(symbol, parseExternalValuesCsv(await fs.readFile(file, 'utf8'), file));
        }
      }
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
      if (rec.indicators) external = (await loadIndicators(rt, date))?.values;
    }
    return { series: usable(series), benchmark, findings: rec.findings, blocked: rec.blocked, dataVersion: rec.dataVersion, ...(external ? { external } : {}) };
  },
};
