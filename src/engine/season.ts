/**
 * A season: every team's daily cycle replayed over history on one shared replay clock and one
 * market. State lives under `workspaces/<team>/seasons/<id>/` (the id hashes configs, dates and
 * data), so a season killed at any moment and started again resumes from its journals and ends
 * with the same ledger and leaderboard. Reports are rebuilt from the journals at the end.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { addTradingDays, isTradingDay, nextTradingDay, previousTradingDay, tradingDays } from '../domain/calendar/nyse.ts';
import { nyDateTime, ReplayClock } from '../adapters/clock.ts';
import type { TeamConfig } from '../config/load.ts';
import { UsageError } from '../core/errors.ts';
import { loadEnv } from '../config/env.ts';
import { closeLogger, createLogger, silentLogger, type Logger } from '../core/log.ts';
import { acquireLock, type Lock } from '../core/lock.ts';
import type { Bar } from '../domain/market/types.ts';
import { CsvMarketData } from '../adapters/market/csv.ts';
import { InMemoryMarketData } from '../adapters/market/memory.ts';
import type { ProviderFactory } from '../adapters/market/providers.ts';
import type { Leaderboard } from '../adapters/reports/types.ts';
import type { MarketData } from '../ports.ts';
import type { TeamContext } from './context.ts';
import { runCycle } from './cycle.ts';
import { checkJournalAndLedger } from './integrity.ts';
import { emitSeasonReports, type SeasonTeamResult } from './reporting.ts';
import { CYCLE_STEPS } from './steps/index.ts';
import { providerFor, seasonContext, universe, versionerFor } from './wiring.ts';

export interface SeasonOptions {
  teams: TeamConfig[];
  from?: string;
  to?: string;
  /** A directory of SYMBOL.csv files used by every team instead of its own data source. */
  dataDir?: string;
  /** Where the reports go (default `reports/`). */
  out: string;
  logger: Logger;
  signal?: AbortSignal;
  /** Progress per trading day (the CLI prints it). */
  onDay?: (p: { index: number; total: number; date: string; teams: { team: string; equity: number | null; model: string | null; ran: boolean }[] }) => void;
  /** Version each team's season state with DVC + git at the end (default true). */
  version?: boolean;
}

export interface SeasonResult {
  id: string;
  from: string;
  to: string;
  leaderboard: Leaderboard;
  reportsDir: string;
  versioning: { team: string; commit: string | null; notes: string[] }[];
  /** Wall seconds spent in each step, summed over teams and days (for `npm run bench`). */
  stepSeconds: Record<string, number>;
}

/** Trading days of the default season: about one year, ending at the last date every symbol has. */
export const DEFAULT_SEASON_TRADING_DAYS = 252;
/** History a model needs before the first season day (features warm-up + training + test window). */
const MIN_HISTORY_TRADING_DAYS = 400;

/** Every team's symbols and benchmark, from its own replayable source (or `--data-dir`), in one market. */
export async function loadMarket(teams: readonly TeamConfig[], dataDir: string | undefined): Promise<InMemoryMarketData> {
  const series = new Map<string, Bar[]>();
  for (const team of teams) {
    const provider = dataDir ? null : providerFor(team);
    if (provider && !provider.replayable)
      throw new UsageError(`${team.file}: data.provider: a season replays local history; expected a replayable source such as sample or csv (or pass --data-dir DIR), got ${team.data.provider}`);
    const source: MarketData = dataDir ? new CsvMarketData(dataDir) : await (provider as ProviderFactory).create(team, { env: loadEnv({ cwd: team.root }), workspace: team.workspaceDir, logger: silentLogger() });
    for (const symbol of universe(team).filter((s) => !series.has(s))) series.set(symbol, (await source.daily({ symbol, asOf: '9999-12-31' })).bars);
  }
  return new InMemoryMarketData(dataDir ? 'csv' : 'sample', new Map([...series].sort(([a], [b]) => (a < b ? -1 : 1))));
}

export function seasonSpan(market: InMemoryMarketData, teams: readonly TeamConfig[], from?: string, to?: string): { from: string; to: string } {
  const symbols = [...new Set(teams.flatMap((t) => t.symbols))];
  const spans = symbols.map((s) => ({ s, span: market.span(s) }));
  const missing = spans.find((x) => !x.span);
  if (missing) throw new UsageError(`no bars for ${missing.s}`);
  const commonFirst = spans.map((x) => x.span?.first as string).sort().pop() as string;
  const commonLast = spans.map((x) => x.span?.last as string).sort()[0] as string;
  let end = to ?? commonLast;
  if (!isTradingDay(end)) end = previousTradingDay(end);
  let start = from ?? addTradingDays(end, -(DEFAULT_SEASON_TRADING_DAYS - 1));
  if (!isTradingDay(start)) start = nextTradingDay(start);
  if (start > end) throw new UsageError(`--from ${start} is after --to ${end}`);
  if (end > commonLast) throw new UsageError(`--to ${end} is after the last date every symbol has (${commonLast})`);
  const earliest = addTradingDays(commonFirst, MIN_HISTORY_TRADING_DAYS);
  if (start < earliest) throw new UsageError(`--from ${start} leaves too little history to train on: the symbols' common data starts ${commonFirst}; start on or after ${earliest}`);
  return { from: start, to: end };
}

export function seasonId(teams: readonly TeamConfig[], from: string, to: string, market: InMemoryMarketData): string {
  const h = createHash('sha256').update(`${from}|${to}`);
  for (const t of teams) {
    const { file: _f, root: _r, strategyFile: _s, workspaceDir: _w, plugins, strategy, ...config } = t;
    // The strategy by kind and parameters; a plug-in module by its source digest (a changed module is a new season).
    h.update(JSON.stringify({ ...config, strategy: { kind: strategy.kind, params: strategy.params }, modules: plugins.modules.map((m) => `${m.field}:${m.digest}`) }));
  }
  for (const sym of [...new Set(teams.flatMap((t) => [...t.symbols, t.data.benchmark]))].sort()) {
    const s = market.span(sym);
    h.update(`${sym}:${s?.first}:${s?.last}`);
    const bars = market.lastBarOnOrBefore(sym, to);
    h.update(JSON.stringify(bars));
  }
  return h.digest('hex').slice(0, 12);
}

export async function runSeason(opts: SeasonOptions): Promise<SeasonResult> {
  const market = await loadMarket(opts.teams, opts.dataDir);
  const { from, to } = seasonSpan(market, opts.teams, opts.from, opts.to);
  const days = tradingDays(from, to);
  const id = seasonId(opts.teams, from, to, market);
  // One process per season state: a second one (e.g. started while an orphan still runs) waits.
  const locks: Lock[] = [];
  for (const team of [...opts.teams].sort((a, b) => a.team.localeCompare(b.team))) {
    locks.push(await acquireLock(path.join(team.workspaceDir, 'seasons', id, 'state', 'lock'), { onWait: (pid) => opts.logger.warn(`${team.team}: season ${id} is being run by pid ${pid}; waiting for it to finish`), ...(opts.signal ? { signal: opts.signal } : {}) }));
  }
  try {
    return await runSeasonLocked(opts, market, from, to, days, id);
  } finally {
    for (const l of locks) await l.release();
  }
}

async function runSeasonLocked(opts: SeasonOptions, market: InMemoryMarketData, from: string, to: string, days: string[], id: string): Promise<SeasonResult> {
  const clock = new ReplayClock({ start: nyDateTime(from, '00:00') });
  const runtimes: TeamContext[] = [];
  const loggers: Logger[] = [];
  for (const team of opts.teams) {
    const logger = createLogger({ console: false, jsonFile: path.join(team.workspaceDir, 'seasons', id, 'logs', 'arena.jsonl') });
    loggers.push(logger);
    runtimes.push(await seasonContext(team, { seasonId: id, market, clock, logger, reportsOut: opts.out, ...(opts.signal ? { signal: opts.signal } : {}) }));
  }
  // Teams run in the order of their after-close time on the shared clock.
  const stepSeconds: Record<string, number> = {};
  const order = [...runtimes].sort((a, b) => (a.team.schedule.after_close < b.team.schedule.after_close ? -1 : a.team.schedule.after_close > b.team.schedule.after_close ? 1 : 0));
  try {
    // Journal and ledger must tell the same story before a day is replayed (a cut journal would trade again).
    for (const rt of runtimes) await checkJournalAndLedger(rt, opts.logger);
    for (const [i, date] of days.entries()) {
      const progress: { team: string; equity: number | null; model: string | null; ran: boolean }[] = [];
      for (const rt of order) {
        if (opts.signal?.aborted) throw new Error('season interrupted');
        clock.advanceTo(nyDateTime(date, rt.team.schedule.after_close));
        const outcome = await runCycle(rt, date, CYCLE_STEPS);
        for (const [step, secs] of Object.entries(outcome.durations)) stepSeconds[step] = (stepSeconds[step] ?? 0) + secs;
        const trade = outcome.state.trade ?? rt.services.journal.get(date, 'trade') ?? null;
        const model = outcome.state.model?.version ?? rt.services.journal.get(date, 'model')?.version ?? null;
        progress.push({ team: rt.team.team, equity: trade?.equity ?? null, model, ran: !outcome.alreadyDone });
      }
      opts.onDay?.({ index: i + 1, total: days.length, date, teams: progress });
    }
    const results: SeasonTeamResult[] = [];
    for (const rt of runtimes) {
      await rt.services.journal.load();
      results.push({ rt: { team: rt.team, reportDir: rt.reportDir, journal: rt.services.journal, broker: rt.services.broker, clock: rt.services.clock, archiveDir: rt.dirs.reports, registry: rt.services.registry }, days });
    }
    const t0 = performance.now();
    // Every page is (re)built from durable state: a fresh --out gets the whole season's reports.
    const { leaderboard, notes } = await emitSeasonReports({ results, market, from, to, out: opts.out, seasonId: id });
    for (const n of notes) opts.logger.warn(n);
    stepSeconds.reports = (performance.now() - t0) / 1000;
    const versioning: SeasonResult['versioning'] = [];
    if (opts.version ?? true) {
      for (const rt of runtimes) {
        if (!rt.team.versioning.enabled) continue;
        const v = await versionerFor(rt.team, loadEnv({ cwd: rt.team.root }), opts.logger);
        const tv = performance.now();
        const r = await v.commitCycle({ date: to, runId: `season-${id}`, paths: [path.relative(rt.team.workspaceDir, rt.dirs.root)], message: `arena(${rt.team.team}): season ${from}..${to} run ${id}` });
        versioning.push({ team: rt.team.team, commit: r.commit, notes: r.notes });
        stepSeconds.versioning = (stepSeconds.versioning ?? 0) + (performance.now() - tv) / 1000;
      }
    }
    return { id, from, to, leaderboard, reportsDir: opts.out, versioning, stepSeconds };
  } finally {
    await Promise.all(loggers.map((l) => closeLogger(l)));
  }
}
