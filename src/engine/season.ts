/**
 * A season: every team's daily cycle replayed over history on one market. State lives under
 * `workspaces/<team>/seasons/<id>/` (the id hashes configs, dates and data), so a season killed at
 * any moment and started again resumes from its journals and ends with the same ledger and
 * leaderboard. Reports are rebuilt from the journals at the end.
 *
 * Teams are independent until the leaderboard, so their day loops run in parallel: at most
 * os.availableParallelism() shares of the teams, this process playing one and a worker process
 * (season-worker.ts) each other; the parent prints a day's progress once every team has finished it. `parallel: false` (`--sequential`)
 * runs them one after another in this process; both give the same ledgers, journals and reports
 * (tested). A team that fails (an exception in its plug-in, say) stops alone: the others play on and
 * its leaderboard row carries the error.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { addTradingDays, isTradingDay, nextTradingDay, previousTradingDay, tradingDays } from '../domain/calendar/nyse.ts';
import { nyDateTime, ReplayClock } from '../adapters/clock.ts';
import type { TeamConfig } from '../config/load.ts';
import { errorMessage, UsageError } from '../core/errors.ts';
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
import { monitoringDaysFile, writeMonitoringPage } from './monitoring-page.ts';
import { emitSeasonReports, type SeasonTeamResult } from './reporting.ts';
import { dealTeams, runWorker, type TeamDay, type TeamFailure } from './season-workers.ts';
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
  /** Teams in parallel, in worker processes (default true); false: every team in this process, one after another. */
  parallel?: boolean;
}

export type { TeamDay, TeamFailure } from './season-workers.ts';

export interface SeasonResult {
  id: string;
  from: string;
  to: string;
  leaderboard: Leaderboard;
  reportsDir: string;
  versioning: { team: string; commit: string | null; notes: string[] }[];
  /** Wall seconds spent in each step, summed over teams and days (for `npm run bench`). */
  stepSeconds: Record<string, number>;
  /** Teams that stopped before the end (their leaderboard row says so). */
  failures: TeamFailure[];
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

export interface PlayTeamsOptions {
  teams: readonly TeamConfig[];
  market: InMemoryMarketData;
  seasonId: string;
  from: string;
  days: readonly string[];
  out: string;
  logger: Logger;
  signal?: AbortSignal;
  onDay(day: TeamDay): void;
  onFailure(failure: TeamFailure): void;
}

export class SeasonInterrupted extends Error {
  constructor() {
    super('season interrupted');
  }
}

/**
 * The day loop of some teams in this process (the sequential season, or one worker's share): each
 * day, each team's cycle in the order of their after-close time on one replay clock. A team whose
 * cycle throws is reported and left out of the later days; the others go on.
 */
export async function playTeams(o: PlayTeamsOptions): Promise<void> {
  const clock = new ReplayClock({ start: nyDateTime(o.from, '00:00') });
  // The process that writes a team's journal and ledger holds this lock: an orphaned worker of a killed season still finishing makes the next one wait.
  const locks: Lock[] = [];
  const loggers: Logger[] = [];
  const runtimes: TeamContext[] = [];
  const failed = new Set<string>();
  try {
    for (const team of [...o.teams].sort((a, b) => a.team.localeCompare(b.team))) {
      locks.push(await acquireLock(path.join(team.workspaceDir, 'seasons', o.seasonId, 'state', 'worker.lock'), { onWait: (pid) => o.logger.warn(`${team.team}: a process of season ${o.seasonId} (pid ${pid}) is still running; waiting for it to stop`), ...(o.signal ? { signal: o.signal } : {}) }));
    }
    for (const team of o.teams) {
      const logger = createLogger({ console: false, jsonFile: path.join(team.workspaceDir, 'seasons', o.seasonId, 'logs', 'arena.jsonl') });
      loggers.push(logger);
      try {
        runtimes.push(await seasonContext(team, { seasonId: o.seasonId, market: o.market, clock, logger, reportsOut: o.out, ...(o.signal ? { signal: o.signal } : {}) }));
      } catch (err) {
        failed.add(team.team);
        o.onFailure({ team: team.team, date: null, error: errorMessage(err) });
      }
    }
    // Teams run in the order of their after-close time on the shared clock.
    const order = [...runtimes].sort((a, b) => (a.team.schedule.after_close < b.team.schedule.after_close ? -1 : a.team.schedule.after_close > b.team.schedule.after_close ? 1 : 0));
    for (const [i, date] of o.days.entries()) {
      for (const rt of order) {
        if (failed.has(rt.team.team)) continue;
        if (o.signal?.aborted) throw new SeasonInterrupted();
        clock.advanceTo(nyDateTime(date, rt.team.schedule.after_close));
        let outcome: Awaited<ReturnType<typeof runCycle>>;
        try {
          outcome = await runCycle(rt, date, CYCLE_STEPS);
        } catch (err) {
          if (o.signal?.aborted) throw new SeasonInterrupted();
          failed.add(rt.team.team);
          rt.services.logger.error(`season ${o.seasonId}: ${errorMessage(err)}`, { team: rt.team.team, date });
          o.onFailure({ team: rt.team.team, date, error: errorMessage(err) });
          continue;
        }
        const trade = outcome.state.trade ?? rt.services.journal.get(date, 'trade') ?? null;
        const model = outcome.state.model?.version ?? rt.services.journal.get(date, 'model')?.version ?? null;
        o.onDay({ team: rt.team.team, index: i + 1, date, equity: trade?.equity ?? null, model, ran: !outcome.alreadyDone, durations: outcome.durations });
      }
    }
  } finally {
    await Promise.all(loggers.map((l) => closeLogger(l)));
    for (const l of locks) await l.release();
  }
}

/** Prints a day's progress once every team still playing has finished it, days in order. */
class DayProgress {
  private readonly got = new Map<number, Map<string, TeamDay>>();
  /** Team → the first day index it no longer plays (it failed before finishing it). */
  private readonly stoppedAt = new Map<string, number>();
  private next = 1;

  constructor(
    private readonly order: readonly string[],
    private readonly days: readonly string[],
    private readonly onDay: SeasonOptions['onDay'],
  ) {}

  day(d: TeamDay): void {
    let m = this.got.get(d.index);
    if (!m) this.got.set(d.index, (m = new Map()));
    m.set(d.team, d);
    this.flush();
  }

  failed(team: string, date: string | null): void {
    this.stoppedAt.set(team, date === null ? 1 : this.days.indexOf(date) + 1);
    this.flush();
  }

  private flush(): void {
    while (this.next <= this.days.length) {
      const got = this.got.get(this.next) ?? new Map<string, TeamDay>();
      const playing = this.order.filter((t) => (this.stoppedAt.get(t) ?? Infinity) > this.next);
      if (!playing.every((t) => got.has(t))) return;
      this.onDay?.({
        index: this.next,
        total: this.days.length,
        date: this.days[this.next - 1] as string,
        teams: this.order.map((t) => {
          const d = got.get(t);
          return { team: t, equity: d?.equity ?? null, model: d?.model ?? null, ran: d?.ran ?? false };
        }),
      });
      this.got.delete(this.next);
      this.next++;
    }
  }
}

async function runSeasonLocked(opts: SeasonOptions, market: InMemoryMarketData, from: string, to: string, days: string[], id: string): Promise<SeasonResult> {
  const byAfterClose = [...opts.teams].sort((a, b) => (a.schedule.after_close < b.schedule.after_close ? -1 : a.schedule.after_close > b.schedule.after_close ? 1 : 0));
  const stepSeconds: Record<string, number> = {};
  const failures = new Map<string, TeamFailure>();
  const progress = new DayProgress(byAfterClose.map((t) => t.team), days, opts.onDay);
  const onDay = (d: TeamDay) => {
    for (const [step, secs] of Object.entries(d.durations)) stepSeconds[step] = (stepSeconds[step] ?? 0) + (secs ?? 0);
    progress.day(d);
  };
  const onFailure = (f: TeamFailure) => {
    failures.set(f.team, f);
    opts.logger.error(`${f.team}: ${f.date ? `the cycle of ${f.date} failed` : 'could not start'}: ${f.error}; the other teams play on`);
    progress.failed(f.team, f.date);
  };
  // Journal and ledger must tell the same story before a day is replayed (a cut journal would trade
  // again): checked here, before any worker starts, so a refusal stops the season with nothing run.
  for (const team of opts.teams) {
    const ctx = await seasonContext(team, { seasonId: id, market, clock: new ReplayClock({ start: nyDateTime(from, '00:00') }), logger: silentLogger(), reportsOut: opts.out });
    await checkJournalAndLedger(ctx, opts.logger);
  }
  const play = { market, seasonId: id, from, days, out: opts.out, logger: opts.logger, ...(opts.signal ? { signal: opts.signal } : {}), onDay, onFailure };
  const [mine = [], ...others] = (opts.parallel ?? true) ? dealTeams(byAfterClose) : [[...opts.teams]];
  // This process plays the first share while the workers play theirs; every player ends before the reports.
  const ended = await Promise.allSettled([playTeams({ ...play, teams: mine }), ...others.map((teams) => runWorker(teams, { ...play, allTeams: opts.teams, dataDir: opts.dataDir }))]);
  for (const e of ended) if (e.status === 'rejected') throw e.reason;
  if (opts.signal?.aborted) throw new SeasonInterrupted();

  // Reports from the durable state, on a clock at the season's last after-close time (the same in either mode).
  const lastClose = byAfterClose[byAfterClose.length - 1]?.schedule.after_close ?? '16:30';
  const clock = new ReplayClock({ start: nyDateTime(to, lastClose) });
  const at = clock.now().toISO() as string;
  const t0 = performance.now();
  const runtimes: TeamContext[] = [];
  for (const team of opts.teams) runtimes.push(await seasonContext(team, { seasonId: id, market, clock, logger: silentLogger(), reportsOut: opts.out }));
  const results: SeasonTeamResult[] = [];
  for (const rt of runtimes) {
    await rt.services.journal.load();
    await writeMonitoringPage(rt.reportDir, monitoringDaysFile(rt.dirs), at);
    const failure = failures.get(rt.team.team);
    results.push({ rt: { team: rt.team, reportDir: rt.reportDir, journal: rt.services.journal, broker: rt.services.broker, registry: rt.services.registry, clock }, days, ...(failure ? { error: failure.date ? `failed on ${failure.date}: ${failure.error}` : `could not start: ${failure.error}` } : {}) });
  }
  // Every page is (re)built from durable state: a fresh --out gets the whole season's reports.
  const { leaderboard } = await emitSeasonReports({ results, market, from, to, out: opts.out, seasonId: id });
  stepSeconds.reports = (performance.now() - t0) / 1000;
  const versioning: SeasonResult['versioning'] = [];
  const tv0 = performance.now();
  if (opts.version ?? true) {
    // Each team's workspace is its own DVC + git repository: they are versioned side by side (DVC is a Python process each).
    const versioned = await Promise.all(
      runtimes
        .filter((rt) => rt.team.versioning.enabled)
        .map(async (rt) => {
          const v = await versionerFor(rt.team, loadEnv({ cwd: rt.team.root }), opts.logger);
          const r = await v.commitCycle({ date: to, runId: `season-${id}`, paths: [path.relative(rt.team.workspaceDir, rt.dirs.root)], message: `arena(${rt.team.team}): season ${from}..${to} run ${id}` });
          return { team: rt.team.team, commit: r.commit, notes: r.notes };
        }),
    );
    versioning.push(...versioned);
    if (versioned.length) stepSeconds.versioning = (performance.now() - tv0) / 1000;
  }
  return { id, from, to, leaderboard, reportsDir: opts.out, versioning, stepSeconds, failures: [...failures.values()] };
}
