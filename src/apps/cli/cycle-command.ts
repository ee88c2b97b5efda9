/** `arena cycle`: one daily cycle of one team, for today's (or a given) trading day. */
import { isTradingDay, previousTradingDay, tradingDayOf } from '../../domain/calendar/nyse.ts';
import { nyDateTime, ReplayClock, WallClock } from '../../adapters/clock.ts';
import type { TeamConfig } from '../../config/load.ts';
import { UsageError } from '../../core/errors.ts';
import { acquireLock } from '../../core/lock.ts';
import { closeLogger, createLogger } from '../../core/log.ts';
import { loadEnv, type Env } from '../../config/env.ts';
import { journalFile, runDirs, type RunDirs } from '../../engine/context.ts';
import { runCycle, type CycleOutcome } from '../../engine/cycle.ts';
import { checkJournalAndLedger } from '../../engine/integrity.ts';
import { Journal } from '../../engine/journal.ts';
import { writeIndex } from '../../engine/reporting.ts';
import { CYCLE_STEPS, PREPARE_STEPS } from '../../engine/steps/index.ts';
import { liveContext } from '../../engine/wiring.ts';
import path from 'node:path';
import type { DateTime } from 'luxon';
import type { Clock } from '../../ports.ts';

/** The latest trading day whose after-close time has passed at `now`. */
export function dueCycleDate(now: DateTime, afterClose: string): string {
  let d = tradingDayOf(now);
  if (!isTradingDay(d) || now < nyDateTime(d, afterClose)) d = previousTradingDay(d);
  return d;
}

export interface CycleRunOptions {
  /** Secrets and endpoints (default: the environment and the team's .env.secrets). */
  env?: Env;
  date?: string;
  out: string;
  /** Consumed by the model step (POST /retrain, `arena retrain`). */
  retrain?: boolean;
  signal?: AbortSignal;
  clock?: Clock;
  quiet?: boolean;
  /** This cycle places no orders, for this reason (a catch-up day whose session has passed). */
  noTradeReason?: string;
  /** Drift every N trading days instead of daily. */
  driftEveryTradingDays?: number;
  /** `prepare`: only the after-close steps (through monitor); the rest runs at the trade time. */
  phase?: 'prepare' | 'full';
}

export async function runOneCycle(team: TeamConfig, opts: CycleRunOptions): Promise<{ outcome: CycleOutcome; summary: string }> {
  const dirs = runDirs(team.workspaceDir);
  const lock = await acquireLock(path.join(dirs.state, 'lock'), { onWait: (pid) => process.stderr.write(`${team.team}: workspace busy (pid ${pid} is running a cycle); waiting\n`), ...(opts.signal ? { signal: opts.signal } : {}) });
  try {
    return await cycleLocked(team, opts, dirs);
  } finally {
    await lock.release();
  }
}

async function cycleLocked(team: TeamConfig, opts: CycleRunOptions, dirs: RunDirs): Promise<{ outcome: CycleOutcome; summary: string }> {
  const wall = opts.clock ?? new WallClock();
  const date = opts.date ?? dueCycleDate(wall.now(), team.schedule.after_close);
  const journal = await new Journal(journalFile(dirs)).load();
  const later = journal.datesWith('trade').filter((d) => d > date);
  if (later.length && !journal.has(date, 'version')) throw new UsageError(`--date: cycles of ${team.team} run in date order; the last one was ${later[later.length - 1]}, got ${date}`);
  // A cycle for a past date runs at that date's after-close time, so the broker fills and marks as of
  // then; a daemon passes its own clock (one ledger, one timeline).
  const clock = opts.date && !opts.clock ? new ReplayClock({ start: nyDateTime(date, team.schedule.after_close) }) : wall;
  const env = opts.env ?? loadEnv({ cwd: team.root });
  const logger = createLogger({ console: !opts.quiet, stderr: true, jsonFile: path.join(dirs.logs, 'arena.jsonl'), level: env.logLevel });
  try {
    const ctx = await liveContext(team, {
      env,
      clock,
      logger,
      asOf: date,
      reportsOut: opts.out,
      ...(opts.driftEveryTradingDays ? { driftEveryTradingDays: opts.driftEveryTradingDays } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    // A cut journal or a torn ledger must not silently change the account (engine/integrity.ts).
    await checkJournalAndLedger(ctx, logger);
    const request = { retrain: opts.retrain ?? false, ...(opts.noTradeReason ? { noTradeReason: opts.noTradeReason } : {}) };
    const outcome = await runCycle(ctx, date, opts.phase === 'prepare' ? PREPARE_STEPS : CYCLE_STEPS, request, {
      onStepDone: (step, secs) => logger.info(`${step} done in ${secs.toFixed(2)} s`, { team: team.team, date }),
    });
    await writeIndex(opts.out, new Date().toISOString());
    const trade = outcome.state.trade ?? ctx.services.journal.get(date, 'trade');
    const summary = opts.phase === 'prepare'
      ? `${team.team} ${date}: prepared (${outcome.ran.length ? `ran ${outcome.ran.join(', ')}` : 'from the journal'}); orders at the trade time`
      : outcome.alreadyDone
      ? `${team.team} ${date}: already done (journal ${ctx.services.journal.file})`
      : `${team.team} ${date}: ran ${outcome.ran.join(', ')}; equity ${trade ? `$${trade.equity.toFixed(2)}` : '—'}; ${trade?.refused ? `no trade: ${trade.refused}` : `${trade?.orders.length ?? 0} order(s)`}`;
    return { outcome, summary };
  } finally {
    await closeLogger(logger);
  }
}
