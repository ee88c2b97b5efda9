/**
 * `arena run`: the long-running daemon of one team. It runs the due cycle at start (catch_up: run),
 * then sleeps until the next trading day's after-close time on the NYSE calendar; serves its HTTP
 * API meanwhile; SIGTERM/SIGINT stop it between steps (the journal resumes the rest next start).
 */
import Fastify from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { nextTradingDay } from '../calendar/nyse.ts';
import { nyDateTime, WallClock } from '../calendar/clock.ts';
import type { TeamConfig } from '../config/load.ts';
import { loadSecrets } from '../config/secrets.ts';
import { errorMessage } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import { createLogger, closeLogger } from '../core/log.ts';
import type { TradeOutput } from '../daemon/steps/trade.ts';
import { dueCycleDate, runOneCycle } from './cycle-command.ts';
import { openLiveRuntime } from '../daemon/live.ts';
import { describeReconciliation, reconcile } from '../daemon/reconcile.ts';

export interface DaemonOptions {
  out: string;
  port?: number;
  host?: string;
}

export async function runDaemon(team: TeamConfig, opts: DaemonOptions): Promise<void> {
  const clock = new WallClock();
  const logger = createLogger({ stderr: true });
  const ac = new AbortController();
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const cycles = new Counter({ name: 'arena_cycles_total', help: 'daily cycles by outcome', labelNames: ['team', 'outcome'], registers: [metrics] });
  const duration = new Histogram({ name: 'arena_cycle_duration_seconds', help: 'wall time of a daily cycle', labelNames: ['team'], buckets: [1, 2, 5, 10, 30, 60, 120, 300], registers: [metrics] });
  const equity = new Gauge({ name: 'arena_equity_usd', help: 'account equity after the last cycle', labelNames: ['team'], registers: [metrics] });
  const state: { last: string | null; lastError: string | null; running: boolean; next: string | null; retrain: boolean } = { last: null, lastError: null, running: false, next: null, retrain: false };

  const app = Fastify({ logger: false });
  app.get('/health', async () => ({ status: 'ok', team: team.team }));
  app.get('/status', async () => ({ team: team.team, last_cycle: state.last, next_cycle: state.next, running: state.running, last_error: state.lastError, retrain_requested: state.retrain }));
  app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));
  const token = loadSecrets({ cwd: team.root }).get('ARENA_API_TOKEN');
  app.post('/retrain', async (req, reply) => {
    // Mutating endpoints need the bearer token when one is configured.
    if (token && req.headers.authorization !== `Bearer ${token}`) return reply.code(401).send({ error: 'missing or wrong bearer token (ARENA_API_TOKEN)' });
    state.retrain = true;
    return reply.code(202).send({ accepted: true, note: 'the next cycle retrains' });
  });
  const port = opts.port ?? team.server.port;
  const address = await app.listen({ host: opts.host ?? team.server.host, port });
  logger.info(`${team.team} daemon listening on ${address}`, { team: team.team });

  const stop = () => {
    logger.info('stopping: the current step finishes, the journal resumes the rest', { team: team.team });
    ac.abort();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  const runDue = async (date: string) => {
    state.running = true;
    const end = duration.startTimer({ team: team.team });
    try {
      const r = await runOneCycle(team, { date: undefined, out: opts.out, retrain: state.retrain, signal: ac.signal, clock, quiet: false });
      state.retrain = false;
      state.last = date;
      state.lastError = null;
      const trade = (r.outcome.state.trade ?? null) as TradeOutput | null;
      if (trade) equity.set({ team: team.team }, trade.equity);
      cycles.inc({ team: team.team, outcome: r.outcome.alreadyDone ? 'already_done' : 'ok' });
      logger.info(r.summary, { team: team.team });
    } catch (err) {
      if (ac.signal.aborted) return;
      state.lastError = redact(errorMessage(err));
      cycles.inc({ team: team.team, outcome: 'failed' });
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
      state.next = at.toISO();
      logger.info(`next cycle ${due} at ${at.toFormat('yyyy-LL-dd HH:mm')} New York`, { team: team.team });
      try {
        await clock.sleepUntil(at, ac.signal);
      } catch {
        break;
      }
      await runDue(due);
    }
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    await app.close();
    logger.info('stopped', { team: team.team });
    await closeLogger(logger);
  }
}
