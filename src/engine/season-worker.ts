/**
 * A season worker: plays its share of the teams (season.ts playTeams) on the market the parent
 * loaded, and reports each finished day and each failure to the parent over IPC. It stops between
 * two steps when asked (the parent got SIGINT/SIGTERM) or on its own SIGINT/SIGTERM, and exits at
 * once when the parent is gone (its channel closed), as a killed process would: the journals make
 * the next season resume where it stopped.
 */
import { errorMessage } from '../core/errors.ts';
import { createLogger } from '../core/log.ts';
import { loadMarket, playTeams, SeasonInterrupted } from './season.ts';
import { teamInWorker, type FromWorker, type ToWorker, type WorkerJob } from './season-workers.ts';

const controller = new AbortController();
let started = false;

function send(m: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
}

process.on('disconnect', () => process.exit(1));
for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => controller.abort());

async function play(job: WorkerJob): Promise<void> {
  const logger = createLogger({ stderr: true });
  try {
    const allTeams = await Promise.all(job.allTeams.map(teamInWorker));
    const market = await loadMarket(allTeams, job.dataDir);
    await playTeams({
      teams: await Promise.all(job.teams.map(teamInWorker)),
      market,
      seasonId: job.seasonId,
      from: job.from,
      days: job.days,
      out: job.out,
      logger,
      signal: controller.signal,
      onDay: (day) => void send({ type: 'day', day }),
      onFailure: (failure) => void send({ type: 'failed', failure }),
    });
    await send(controller.signal.aborted ? { type: 'interrupted' } : { type: 'done' });
  } catch (err) {
    await send(err instanceof SeasonInterrupted || controller.signal.aborted ? { type: 'interrupted' } : { type: 'fatal', error: errorMessage(err) });
  }
  process.exit(0);
}

process.on('message', (m: ToWorker) => {
  if (m.type === 'stop') controller.abort();
  else if (m.type === 'start' && !started) {
    started = true;
    void play(m.job);
  }
});
