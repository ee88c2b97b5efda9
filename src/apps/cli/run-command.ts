/**
 * `arena run`: the long-running daemon of one team. It reconciles with the broker, catches up the
 * trading days missed since its last completed cycle (catch_up: run, in date order, orders only for
 * the latest: the sessions of earlier days have passed) or only the latest (skip), then sleeps until
 * each next trading day's after-close time on the NYSE calendar; serves its HTTP API meanwhile and
 * logs a heartbeat; a failed cycle is retried with backoff; SIGTERM/SIGINT stop it mid-step (training
 * aborts, the journal resumes the step on the next start) and it exits 0.
 */
import path from 'node:path';
import { isTradingDay, nextTradingDay, session as sessionOf, tradingDays } from '../../domain/calendar/nyse.ts';
import { nyDateTime, WallClock } from '../../adapters/clock.ts';
import type { TeamConfig } from '../../config/load.ts';
import { loadEnv, type Env } from '../../config/env.ts';
import { errorMessage } from '../../core/errors.ts';
import { acquireLock } from '../../core/lock.ts';
import { redact } from '../../core/redact.ts';
import { createLogger, closeLogger } from '../../core/log.ts';
import { buildApi, daemonMetrics, type DaemonState } from '../http/api.ts';
import { journalFile, runDirs } from '../../engine/context.ts';
import { Journal } from '../../engine/journal.ts';
import { checkJournalAndLedger } from '../../engine/integrity.ts';
import { describeReconciliation, reconcile } from '../../engine/reconcile.ts';
import { backendResolverFor, liveContext } from '../../engine/wiring.ts';
import { ModelRegistry } from '../../adapters/models/registry.ts';
import type { Clock } from '../../ports.ts';
import { dueCycleDate, runOneCycle } from './cycle-command.ts';
import type { ConfigFollower } from '../../engine/config-follow.ts';
import { DaemonOps, type DaemonOpsOptions } from './daemon-ops.ts';

export interface DaemonOptions {
  out: string;
  /** Secrets and endpoints (default: the environment and the team's .env.secrets; `--exchange` overrides the Alpaca URLs). */
  env?: Env;
  port?: number;
  host?: string;
  /** Heartbeat log interval (default 60 s). */
  heartbeatMs?: number;
  /** The clock to schedule on (default: the wall clock; a competition follows its exchange's clock). */
  clock?: Clock;
  /** Never run a cycle for a date before this one (a competition's first day). */
  firstDay?: string;
  /** Drift every N trading days (a competition keeps its season's cadence). */
  driftEveryTradingDays?: number;
  /** Waits before retrying a failed cycle (default 5 s, 30 s, 120 s). */
  retryDelaysMs?: readonly number[];
  /** Follow the team's git branch: each date's cycle runs with the config in force at its start. */
  follow?: ConfigFollower;
  /** Notifier tuning (tests). */
  notifyTuning?: DaemonOpsOptions['notifyTuning'];
}

const DEFAULT_RETRY_DELAYS_MS = [5_000, 30_000, 120_000];

/** The days a daemon owes at start: after its last completed cycle, up to the due one. */
export function daysToCatchUp(lastCompleted: string | null, due: string, policy: 'run' | 'skip', firstDay?: string): { run: string[]; skipped: string[] } {
  let owed = lastCompleted === null ? [due] : lastCompleted >= due ? [] : tradingDays(nextTradingDay(lastCompleted), due);
  if (firstDay) owed = owed.filter((d) => d >= firstDay);
  if (policy === 'skip' && owed.length > 1) return { run: owed.slice(-1), skipped: owed.slice(0, -1) };
  return { run: owed, skipped: [] };
}

export async function runDaemon(initial: TeamConfig, opts: DaemonOptions): Promise<void> {
  // The team's identity, workspace and schedule never change while it runs (a followed branch may not change them).
  const team = opts.follow?.team ?? initial;
  const clock = opts.clock ?? new WallClock();
  const env = opts.env ?? loadEnv({ cwd: team.root });
  const logger = createLogger({ stderr: true, jsonFile: path.join(runDirs(team.workspaceDir).logs, 'arena.jsonl'), level: env.logLevel });
  opts.follow?.useLogger(logger);
  let ops: DaemonOps;
  try {
    ops = await DaemonOps.start({ team, ...(opts.follow ? { follow: opts.follow } : {}), env, logger, clock, out: opts.out, ...(opts.notifyTuning ? { notifyTuning: opts.notifyTuning } : {}) });
  } catch (err) {
    await closeLogger(logger);
    throw err;
  }
  const ac = new AbortController();
  const dirs = runDirs(team.workspaceDir);
  const journal = new Journal(journalFile(dirs));
  const metrics = daemonMetrics(team.team, team.data.provider);
  const state: DaemonState = { lastCycle: null, lastPrepared: null, lastError: null, running: false, paused: false, nextCycle: null, retrainRequested: false, startedAt: new Date().toISOString() };
  await metrics.refresh(journal).catch(() => undefined);
  state.lastCycle = journal.datesWith('version').pop() ?? null;
  state.lastPrepared = journal.datesWith('monitor').pop() ?? null;

  // The model family is resolved from the config in force at each call: a followed branch may switch to a plug-in family.
  const app = buildApi({ team, state, metrics, journal, registry: new ModelRegistry(dirs.models, (spec) => backendResolverFor(ops.team)(spec)), reportsDir: path.join(opts.out, team.team), token: env.get('ARENA_API_TOKEN'), config: () => ops.configHealth() });
  const address = await app.listen({ host: opts.host ?? team.server.host, port: opts.port ?? team.server.port });
  logger.info(`${team.team} daemon listening on ${address}`, { team: team.team });
  const heartbeat = setInterval(() => logger.info(`heartbeat: last cycle ${state.lastCycle ?? 'none'}, next ${state.nextCycle ?? '-'}${state.paused ? ', paused' : ''}`, { team: team.team }), opts.heartbeatMs ?? 60_000);
  heartbeat.unref();

  const stop = () => {
    logger.info('stopping: the current step finishes, the journal resumes the rest', { team: team.team });
    ac.abort();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // A daemon outlives whoever reads its console (a closed pipe must not crash it: the JSON log stays).
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const parent = env.parentPid;
  const orphanCheck = parent !== undefined
    ? setInterval(() => {
        try {
          process.kill(parent, 0);
        } catch {
          logger.warn(`the competition (pid ${parent}) is gone; stopping`, { team: team.team });
          clearInterval(orphanCheck);
          stop();
        }
      }, 1000)
    : undefined;
  orphanCheck?.unref();

  /** The last day whose cycle completed, from the journal as it is on disk now. */
  const lastCompleted = async (): Promise<string | null> => (await new Journal(journal.file).load()).datesWith('version').pop() ?? null;

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    ac.signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

  /**
   * One cycle (or its after-close part, `prepare`) for `date`, retried with backoff; `noTrade` says
   * why it places no orders (a catch-up day). True when it completed.
   */
  const runDue = async (date: string, o: { noTrade?: string; phase?: 'prepare' | 'full' } = {}): Promise<boolean> => {
    if (state.paused) {
      logger.warn(`paused: cycle ${date} not run (POST /resume to continue)`, { team: team.team });
      return false;
    }
    const delays = opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    const prepare = o.phase === 'prepare';
    try {
      // The branch is looked at once per date, before its first phase; the date then runs with that config.
      await ops.beforeDate(date);
    } catch (err) {
      logger.warn(`config: the branch could not be checked (${redact(errorMessage(err))}); the config in force stays`, { team: team.team });
    }
    for (let attempt = 0; !ac.signal.aborted; attempt++) {
      state.running = true;
      const end = prepare ? null : metrics.cycleSeconds.startTimer();
      try {
        const r = await runOneCycle(ops.team, {
          env,
          date,
          out: opts.out,
          retrain: state.retrainRequested,
          signal: ac.signal,
          clock,
          quiet: false,
          ...(prepare ? { phase: 'prepare' as const } : {}),
          ...(o.noTrade ? { noTradeReason: o.noTrade } : {}),
          ...(opts.driftEveryTradingDays ? { driftEveryTradingDays: opts.driftEveryTradingDays } : {}),
        });
        state.retrainRequested = false;
        state.lastError = null;
        for (const [step, secs] of Object.entries(r.outcome.durations)) metrics.stepSeconds.observe({ step }, secs);
        state.lastPrepared = date;
        if (!prepare) {
          state.lastCycle = r.outcome.date;
          metrics.cycles.inc({ outcome: r.outcome.alreadyDone ? 'already_done' : 'ok' });
          await metrics.refresh(await new Journal(journal.file).load());
          if (!r.outcome.alreadyDone) await ops.afterDay(date).catch((e: unknown) => logger.warn(`notify: ${redact(errorMessage(e))}`, { team: team.team }));
        }
        logger.info(r.summary, { team: team.team });
        return true;
      } catch (err) {
        if (ac.signal.aborted) return false;
        state.lastError = redact(errorMessage(err));
        metrics.cycles.inc({ outcome: 'failed' });
        ops.failed(date, state.lastError);
        const wait = delays[attempt];
        if (wait === undefined) {
          logger.error(`cycle ${date} failed: ${state.lastError}; giving up after ${attempt + 1} attempts; it resumes at the failed step on the next start`, { team: team.team });
          return false;
        }
        logger.error(`cycle ${date} failed: ${state.lastError}; retrying in ${Math.round(wait / 1000)} s (resumes at the failed step)`, { team: team.team });
      } finally {
        end?.();
        state.running = false;
      }
      await sleep(delays[attempt] as number);
    }
    return false;
  };

  /**
   * A trading day as scheduled: data, model, predictions and monitoring after the close, the orders
   * at `schedule.trade_at` on the next session. Orders whose session has already opened (the
   * daemon came up late) are not placed late.
   */
  const playDay = async (date: string): Promise<void> => {
    if (team.schedule.trade_at === 'after_close') {
      await runDue(date);
      return;
    }
    const session = nextTradingDay(date);
    const at = nyDateTime(session, team.schedule.trade_at);
    const open = sessionOf(session)?.open ?? at;
    const deadline = at > open ? at : open;
    if (clock.now() >= deadline) {
      await runDue(date, { noTrade: `the session of ${session} opened before the orders of ${date} could be placed (the daemon was down); orders are not placed late` });
      return;
    }
    if (!(await runDue(date, { phase: 'prepare' }))) return;
    state.nextCycle = at.toISO();
    logger.info(`orders for ${date} at ${at.toFormat('yyyy-LL-dd HH:mm')} New York`, { team: team.team });
    try {
      await clock.sleepUntil(at, ac.signal);
    } catch {
      return;
    }
    await runDue(date);
  };

  try {
    // Under the workspace lock, as each cycle does: opening the account reads its ledger, the check may
    // rewrite the journal, and an `arena cycle` may be running on the same workspace right now.
    const lock = await acquireLock(path.join(dirs.state, 'lock'), { onWait: (pid) => logger.info(`workspace busy (pid ${pid} is running a cycle); waiting`, { team: team.team }), signal: ac.signal }).catch((err: unknown) => {
      if (ac.signal.aborted) return null;
      throw err;
    });
    if (lock) {
      try {
        // What the broker holds may have moved while the daemon was down: say so before trading again.
        const ctx = await liveContext(team, { env, clock, logger, asOf: dueCycleDate(clock.now(), team.schedule.after_close), reportsOut: opts.out }).catch((err: unknown) => {
          logger.warn(`reconcile skipped: ${redact(errorMessage(err))}`, { team: team.team });
          return null;
        });
        if (ctx) {
          // A cut journal or a torn ledger must not silently change the account: repaired when exact, else refused.
          await checkJournalAndLedger(ctx, logger);
          try {
            const diffs = describeReconciliation(await reconcile(ctx.services.journal, ctx.services.broker));
            for (const d of diffs) logger.warn(`reconcile: ${d}`, { team: team.team });
            if (!diffs.length) logger.info('reconcile: journal and broker agree', { team: team.team });
          } catch (err) {
            logger.warn(`reconcile skipped: ${redact(errorMessage(err))}`, { team: team.team });
          }
        }
      } finally {
        await lock.release();
      }
    }
    /**
     * Every day owed up to `due`, in order: earlier ones without orders (their sessions have passed),
     * `due` as scheduled. A day that still fails stops the run, so no later day overtakes it: the
     * next scheduled time (or start) begins again at that day.
     */
    const catchUpTo = async (due: string, last?: string | null): Promise<void> => {
      const owed = daysToCatchUp(last !== undefined ? last : await lastCompleted(), due, team.schedule.catch_up, opts.firstDay);
      if (owed.skipped.length) logger.warn(`catch_up skip: ${owed.skipped.length} missed trading day(s) skipped (${owed.skipped[0]} .. ${owed.skipped[owed.skipped.length - 1]})`, { team: team.team });
      if (owed.run.length > 1) logger.info(`catching up ${owed.run.length} trading days (${owed.run[0]} .. ${owed.run[owed.run.length - 1]}); orders only for the last`, { team: team.team });
      for (const [i, d] of owed.run.entries()) {
        if (ac.signal.aborted) return;
        if (i === owed.run.length - 1) await playDay(d);
        else if (!(await runDue(d, { noTrade: `catch-up of a missed day: the session after ${d} has passed, so its orders are not placed late` }))) {
          if (!ac.signal.aborted) logger.error(`catch-up stopped at ${d}; it is tried again at the next scheduled time`, { team: team.team });
          return;
        }
      }
    };
    const due = dueCycleDate(clock.now(), team.schedule.after_close);
    const lastAtStart = await lastCompleted();
    await catchUpTo(due, lastAtStart);
    let next = nextTradingDay(lastAtStart !== null && lastAtStart > due ? lastAtStart : due);
    if (opts.firstDay && next < opts.firstDay) next = isTradingDay(opts.firstDay) ? opts.firstDay : nextTradingDay(opts.firstDay);
    while (!ac.signal.aborted) {
      const at = nyDateTime(next, team.schedule.after_close);
      state.nextCycle = at.toISO();
      logger.info(`next cycle ${next} at ${at.toFormat('yyyy-LL-dd HH:mm')} New York`, { team: team.team });
      try {
        await clock.sleepUntil(at, ac.signal);
      } catch {
        break;
      }
      await catchUpTo(next);
      next = nextTradingDay(next);
    }
  } finally {
    clearInterval(heartbeat);
    clearInterval(orphanCheck);
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    await app.close();
    await ops.close();
    logger.info('stopped', { team: team.team });
    await closeLogger(logger);
  }
}
