/**
 * `arena run`: the long-running daemon of one team. It reconciles with the broker, runs the due
 * cycle at start (catch_up: run), then sleeps until the next trading day's after-close time on the
 * NYSE calendar; serves its HTTP API meanwhile and logs a heartbeat; SIGTERM/SIGINT stop it between
 * steps (the journal resumes the rest on the next start) and it exits 0.
 */
import path from 'node:path';
import { nextTradingDay } from '../calendar/nyse.ts';
import { nyDateTime, WallClock } from '../calendar/clock.ts';
import type { TeamConfig } from '../config/load.ts';
import { loadSecrets } from '../config/secrets.ts';
import { errorMessage } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import { createLogger, closeLogger } from '../core/log.ts';
import { buildApi, daemonMetrics, type DaemonState } from '../daemon/api.ts';
import { Journal } from '../daemon/journal.ts';
import { openLiveRuntime } from '../daemon/live.ts';
import { describeReconciliation, reconcile } from '../daemon/reconcile.ts';
import { runDirs } from '../daemon/runtime.ts';
import { ModelRegistry } from '../models/registry.ts';
import { dueCycleDate, runOneCycle } from './cycle-command.ts';

export interface DaemonOptions {
  out: string;
  port?: number;
  host?: string;
  /** Heartbeat log interval (default 60 s). */
  heartbeatMs?: number;
}

export async function runDaemon(team: TeamConfig, opts: DaemonOptions): Promise<void> {
  const clock = new WallClock();
  const logger = createLogger({ stderr: true, jsonFile: path.join(runDirs(team.workspaceDir).logs, 'arena.jsonl') });
  const ac = new AbortController();
  const dirs = runDirs(team.workspaceDir);
  const journal = new Journal(path.join(dirs.state, 'journal.jsonl'));
  const metrics = daemonMetrics(team.team);
  const state: DaemonState = { lastCycle: null, lastError: null, running: false, paused: false, nextCycle: null, retrainRequested: false, startedAt: new Date().toISOString() };
  await metrics.refresh(journal).catch(() => undefined);
  state.lastCycle = journal.datesWith('version').pop() ?? null;

  const app = buildApi({ team, state, metrics, journal, registry: new ModelRegistry(dirs.models), reportsDir: path.join(opts.out, team.team), token: loadSecrets({ cwd: team.root }).get('ARENA_API_TOKEN') });
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

  const runDue = async (date: string) => {
    if (state.paused) {
      logger.warn(`paused: cycle ${date} not run (POST /resume to continue)`, { team: team.team });
      return;
    }
    state.running = true;
    const end = metrics.cycleSeconds.startTimer();
    try {
      const r = await runOneCycle(team, { out: opts.out, retrain: state.retrainRequested, signal: ac.signal, clock, quiet: false });
      state.retrainRequested = false;
      state.lastCycle = r.outcome.date;
      state.lastError = null;
      for (const [step, secs] of Object.entries(r.outcome.durations)) metrics.stepSeconds.observe({ step }, secs);
      metrics.cycles.inc({ outcome: r.outcome.alreadyDone ? 'already_done' : 'ok' });
      await metrics.refresh(await new Journal(journal.file).load());
      logger.info(r.summary, { team: team.team });
    } catch (err) {
      if (ac.signal.aborted) return;
      state.lastError = redact(errorMessage(err));
      metrics.cycles.inc({ outcome: 'failed' });
      logger.error(`cycle ${date} failed: ${state.lastError}; it resumes at the failed step on the next attempt`, { team: team.team });
    } finally {
      end();
      state.running = false;
    }
  };

  try {
    // What the broker holds may have moved while the daemon was down: say so before trading again.
    try {
      const rt = await openLiveRuntime(team, { clock, logger, asOf: dueCycleDate(clock.now(), team.schedule.after_close), reportsOut: opts.out });
      const diffs = describeReconciliation(await reconcile(rt.journal, rt.broker));
      for (const d of diffs) logger.warn(`reconcile: ${d}`, { team: team.team });
      if (!diffs.length) logger.info('reconcile: journal and broker agree', { team: team.team });
    } catch (err) {
      logger.warn(`reconcile skipped: ${redact(errorMessage(err))}`, { team: team.team });
    }
    let due = dueCycleDate(clock.now(), team.schedule.after_close);
    if (team.schedule.catch_up === 'run') await runDue(due);
    while (!ac.signal.aborted) {
      due = nextTradingDay(due);
      const at = nyDateTime(due, team.schedule.after_close);
      state.nextCycle = at.toISO();
      logger.info(`next cycle ${due} at ${at.toFormat('yyyy-LL-dd HH:mm')} New York`, { team: team.team });
      try {
        await clock.sleepUntil(at, ac.signal);
      } catch {
        break;
      }
      await runDue(due);
    }
  } finally {
    clearInterval(heartbeat);
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    await app.close();
    logger.info('stopped', { team: team.team });
    await closeLogger(logger);
  }
}
