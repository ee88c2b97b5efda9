/**
 * fetch: daily bars for every symbol (and the benchmark) up to the cycle date, through the
 * MarketData port, then the quality gate. Symbols with stale data or gate errors are blocked
 * from trading today, with the reason. When the team lists `features.alphavantage`, those
 * indicators are fetched too (same provider, same budget and cache); a stale one blocks the symbol.
 */
import { createHash, type Hash } from 'node:crypto';
import { errorMessage } from '../../core/errors.ts';
import { externalValuesCsv, joinAvValues, type AvAnswer, type ExternalValues } from '../../domain/features/alphavantage.ts';
import { externalColumns } from '../../domain/features/matrix.ts';
import { blocksTrading, checkQuality, usableBars, type Finding } from '../../domain/market/quality.ts';
import type { Bar, DailySeries } from '../../domain/market/types.ts';
import { indicatorKey, isIndicatorSource, providerSpec } from '../../adapters/market/alphavantage/index.ts';
import type { TeamContext } from '../context.ts';
import type { StepDef } from '../cycle-state.ts';
import type { FetchRecord, IndicatorRecord } from '../records.ts';

const CSV_HEADER = 'date,open,high,low,close,volume\n';
const csvCell = (v: number | null) => (v === null ? '' : String(v));
/** One bar as its barsCsv line (the hash covers exactly the bytes `barsCsv` writes). */
const csvLine = (b: Bar): string => `${b.date},${csvCell(b.open)},${csvCell(b.high)},${csvCell(b.low)},${String(b.close)},${csvCell(b.volume)}\n`;

/** What the fetch step keeps of a symbol between cycles, so a day costs its new bars only. */
interface SymbolMemo {
  /** The raw bars seen last time: their count and the last one (a replay serves the same objects). */
  count: number;
  last: Bar | null;
  /** SHA-256 over `symbol` + barsCsv(bars), still open for more lines (`hash.copy()` digests it). */
  hash: Hash;
  /** usableBars(bars) of those bars. */
  usable: Bar[];
}

/**
 * The per-symbol memo, advanced to `bars`: when `bars` extends what was seen (same leading bars, the new
 * ones dated after), only the new bars are hashed and cleaned; otherwise (a provider revised its history,
 * a live source re-read from disk) the symbol is done again from scratch.
 */
function advance(memo: SymbolMemo | undefined, symbol: string, bars: readonly Bar[]): SymbolMemo {
  let extends_ = memo !== undefined && memo.last !== null && bars.length >= memo.count && bars[memo.count - 1] === memo.last;
  for (let i = memo?.count ?? 0; extends_ && i < bars.length; i++) extends_ = (bars[i] as Bar).date > (memo?.last as Bar).date;
  if (extends_ && bars.length === memo?.count) return memo;
  const from = extends_ ? (memo as SymbolMemo).count : 0;
  const m: SymbolMemo = extends_ ? (memo as SymbolMemo) : { count: 0, last: null, hash: createHash('sha256').update(symbol).update(CSV_HEADER), usable: [] };
  for (let i = from; i < bars.length; i++) m.hash.update(csvLine(bars[i] as Bar));
  const tail = usableBars(from === 0 ? bars : bars.slice(from));
  // A copy: the previous day's output still holds the old array (later steps must never see a bar added after their date).
  m.usable = from === 0 ? tail : m.usable.concat(tail);
  m.count = bars.length;
  m.last = bars[bars.length - 1] ?? null;
  return m;
}

/** Per team (its services object): the symbol memos of the last cycle. */
const memos = new WeakMap<object, Map<string, SymbolMemo>>();

function memoFor(ctx: TeamContext, series: Map<string, DailySeries>): Map<string, SymbolMemo> {
  let byTeam = memos.get(ctx.services);
  if (!byTeam) memos.set(ctx.services, (byTeam = new Map()));
  for (const [symbol, s] of series) byTeam.set(symbol, advance(byTeam.get(symbol), symbol, s.bars));
  return byTeam;
}

/**
 * Content hash of what the cycle saw: per symbol (sorted) the SHA-256 of its name and its bars as CSV,
 * then, with features.alphavantage, its indicator values as CSV. Per-symbol hashes run on from day to day
 * (only the new bars are hashed), so the cost does not grow with the history.
 */
function versionOf(series: Map<string, DailySeries>, memo: Map<string, SymbolMemo>, external?: { values: Map<string, ExternalValues>; columns: string[] }): string {
  const h = createHash('sha256');
  for (const [symbol] of [...series].sort(([a], [b]) => (a < b ? -1 : 1))) {
    h.update(symbol).update((memo.get(symbol) as SymbolMemo).hash.copy().digest());
    const ext = external?.values.get(symbol);
    if (external && ext) h.update(externalValuesCsv(ext, external.columns));
  }
  return h.digest('hex').slice(0, 16);
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
async function loadIndicators(ctx: TeamContext, date: string, deadline?: number): Promise<LoadedIndicators | undefined> {
  const { team } = ctx;
  const { market, logger } = ctx.services;
  const wanted = team.features.alphavantage;
  if (!wanted?.length) return undefined;
  if (!isIndicatorSource(market)) {
    logger.warn(`features.alphavantage: the ${market.provider} data source does not serve Alpha Vantage indicators; those columns are dropped`, { team: team.team, date });
    return undefined;
  }
  const out: LoadedIndicators = { values: new Map(), records: {}, stale: {} };
  for (const symbol of team.symbols) {
    const answers: AvAnswer[] = [];
    const records: Record<string, IndicatorRecord> = {};
    const problems: string[] = [];
    for (const ind of wanted) {
      const spec = providerSpec(ind);
      try {
        const s = await market.indicator(symbol, spec, { asOf: date, ...(deadline !== undefined ? { deadline } : {}) });
        answers.push({ indicator: ind, values: s.values });
        records[s.key] = { last: [...s.values.keys()].at(-1) ?? null, stale: s.stale, ...(s.staleReason ? { staleReason: s.staleReason } : {}) };
        if (s.stale) {
          problems.push(`${s.key}: ${s.staleReason ?? 'refresh failed'}`);
          logger.warn(`alphavantage ${symbol} ${s.key}: indicator stale (${s.staleReason ?? 'refresh failed'})`, { team: team.team, date });
        }
      } catch (err) {
        const why = errorMessage(err);
        const key = indicatorKey(spec);
        records[key] = { last: null, stale: true, staleReason: why };
        problems.push(`${key}: ${why}`);
        logger.warn(`alphavantage ${symbol} ${key}: indicator unavailable and nothing cached (${why})`, { team: team.team, date });
      }
    }
    out.values.set(symbol, joinAvValues(answers));
    out.records[symbol] = records;
    if (problems.length) out.stale[symbol] = `stale indicator data (${problems.join('; ')})`;
  }
  return out;
}

async function load(ctx: TeamContext, date: string, deadline?: number): Promise<Map<string, DailySeries>> {
  const series = new Map<string, DailySeries>();
  for (const symbol of ctx.team.symbols) series.set(symbol, await ctx.services.market.daily({ symbol, asOf: date, ...(deadline !== undefined ? { deadline } : {}) }));
  return series;
}

async function loadBenchmark(ctx: TeamContext, date: string, deadline?: number): Promise<DailySeries | null> {
  const b = ctx.team.data.benchmark;
  try {
    return await ctx.services.market.daily({ symbol: b, asOf: date, ...(deadline !== undefined ? { deadline } : {}) });
  } catch (err) {
    ctx.services.logger.warn(`benchmark ${b} unavailable: ${errorMessage(err)}`);
    return null;
  }
}

/** After the first cycle has scanned the whole history, later cycles check the last year only. */
const QUALITY_WINDOW_BARS = 260;

function gate(ctx: TeamContext, date: string, series: Map<string, DailySeries>): { findings: Finding[]; blocked: Record<string, string> } {
  const q = ctx.team.data.quality;
  const findings: Finding[] = [];
  const blocked: Record<string, string> = {};
  const scannedBefore = ctx.services.journal.latest('fetch', date) !== undefined;
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

/** Later steps see clean bars (usableBars, kept per symbol across cycles); the record keeps the findings and the symbol stays blocked. */
function usable(ctx: TeamContext, series: Map<string, DailySeries>): Map<string, DailySeries> {
  const memo = memoFor(ctx, series);
  return new Map([...series].map(([k, s]) => [k, { ...s, bars: (memo.get(k) as SymbolMemo).usable }]));
}

/** What the workspace kept of this day (null in a replay: nothing is kept, the sources are read again). */
async function fromSnapshots(ctx: TeamContext, rec: FetchRecord): Promise<Pick<FetchOutputParts, 'series' | 'benchmark' | 'external'> | null> {
  const { snapshots } = ctx.services;
  const series = new Map<string, DailySeries>();
  for (const symbol of ctx.team.symbols) {
    const bars = await snapshots.loadBars(symbol);
    if (bars === null) return null;
    const sym = rec.symbols[symbol];
    series.set(symbol, { symbol, bars, source: 'snapshot', stale: sym?.stale ?? false, ...(sym?.staleReason ? { staleReason: sym.staleReason } : {}) });
  }
  const b = ctx.team.data.benchmark;
  const bbars = await snapshots.loadBenchmark(b);
  let external: Map<string, ExternalValues> | undefined;
  if (rec.indicators) {
    external = new Map();
    for (const symbol of ctx.team.symbols) external.set(symbol, (await snapshots.loadIndicators(symbol)) ?? new Map());
  }
  return { series, benchmark: bbars ? { symbol: b, bars: bbars, source: 'snapshot', stale: false } : null, ...(external ? { external } : {}) };
}

interface FetchOutputParts {
  series: Map<string, DailySeries>;
  benchmark: DailySeries | null;
  external?: Map<string, ExternalValues>;
}

export const fetchStep: StepDef<'fetch'> = {
  name: 'fetch',
  async run(ctx, date) {
    const { snapshots, logger } = ctx.services;
    // One deadline for every request of this step (real time: it bounds the network, not the replay).
    const deadline = Date.now() + ctx.team.data.fetch_deadline_seconds * 1000;
    const series = await load(ctx, date, deadline);
    const benchmark = await loadBenchmark(ctx, date, deadline);
    const indicators = await loadIndicators(ctx, date, deadline);
    const { findings, blocked } = gate(ctx, date, series);
    for (const [symbol, why] of Object.entries(indicators?.stale ?? {})) blocked[symbol] ??= why;
    const columns = externalColumns(ctx.team.features);
    const dataVersion = versionOf(series, memoFor(ctx, series), indicators ? { values: indicators.values, columns } : undefined);
    // The snapshot is what DVC versions and what a resumed cycle reads back (no second fetch).
    for (const [symbol, s] of series) await snapshots.saveBars(symbol, s.bars);
    if (benchmark) await snapshots.saveBenchmark(benchmark.symbol, benchmark.bars);
    for (const [symbol, v] of indicators?.values ?? []) await snapshots.saveIndicators(symbol, v, columns);
    for (const f of findings) if (f.severity !== 'info') logger.log(f.severity === 'error' ? 'warn' : 'info', `quality ${f.symbol}: ${f.message}`, { team: ctx.team.team, date });
    const record: FetchRecord = {
      dataVersion,
      symbols: Object.fromEntries(
        [...series].map(([k, s]) => [k, { bars: s.bars.length, last: s.bars[s.bars.length - 1]?.date ?? null, stale: s.stale, ...(s.staleReason ? { staleReason: s.staleReason } : {}) }]),
      ),
      findings,
      blocked,
      ...(indicators ? { indicators: indicators.records } : {}),
    };
    return { output: { series: usable(ctx, series), benchmark, findings, blocked, dataVersion, ...(indicators ? { external: indicators.values } : {}) }, record };
  },
  async restore(ctx, date, _state, rec) {
    // Replays read deterministic sources: loading again gives the same bars.
    const kept = await fromSnapshots(ctx, rec);
    const parts: FetchOutputParts = kept ?? {
      series: await load(ctx, date),
      benchmark: await loadBenchmark(ctx, date),
      ...(rec.indicators ? ((v) => (v ? { external: v } : {}))((await loadIndicators(ctx, date))?.values) : {}),
    };
    return { series: usable(ctx, parts.series), benchmark: parts.benchmark, findings: rec.findings, blocked: rec.blocked, dataVersion: rec.dataVersion, ...(parts.external ? { external: parts.external } : {}) };
  },
};
