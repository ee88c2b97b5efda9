/**
 * Latencies a user waits for, printed next to their budgets (tests never time anything: they assert
 * behaviour, and a busy machine must not turn them red). `benchLatency()` is called by bench/run.ts;
 * `node --import tsx bench/latency.ts` runs it alone.
 * - SIGTERM to exit of `arena run` in the middle of training (a deploy or Ctrl-C waits for it);
 * - a calendar year of NYSE sessions, walked day by day as a replay does;
 * - MinIO refusing wrong credentials (the user waits for that error before fixing the keys).
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MinioArtifactStore } from '../src/adapters/storage/minio.ts';
import { TRAINING_NODE_FLAGS } from '../src/core/paths.ts';
import { isTradingDay, nextTradingDay, session, tradingDays } from '../src/domain/calendar/nyse.ts';
import { servicesEnv } from '../src/testing/services.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Budgets, with why. */
export const LATENCY_BUDGETS = {
  /** Kubernetes sends SIGKILL 60 s after SIGTERM (terminationGracePeriodSeconds); a stop should feel immediate. */
  sigtermToExitMs: 10_000,
  /** 2 % of the replay budget for a year (252 trading days at >= 50 days/s per team = 5 s). */
  calendarYearMs: 100,
  /** One round trip, no retry: the error comes at once. */
  minioWrongKeysMs: 1_000,
} as const;

const verdict = (value: number, budget: number) => (value <= budget ? 'within budget' : 'OVER BUDGET');

/** `arena run` on red with a training that would take minutes; SIGTERM once the model step runs. */
async function sigtermWhileTraining(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-bench-sigterm-'));
  try {
    cpSync(path.join(ROOT, 'teams'), path.join(dir, 'teams'), { recursive: true });
    cpSync(path.join(ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
    const team = path.join(dir, 'teams', 'red.yml');
    writeFileSync(team, readFileSync(team, 'utf8').replace(/epochs: \d+/, 'epochs: 5000').replace(/early_stopping_patience: \d+/, 'early_stopping_patience: 0').replace(/^versioning: .*$/m, 'versioning: { enabled: false }'));
    const child = spawn(process.execPath, [...TRAINING_NODE_FLAGS, path.join(ROOT, 'bin', 'arena.mjs'), 'run', '--team', 'teams/red.yml', '--port', '0'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        log += d.toString();
        if (/features done in/.test(log)) resolve();
      });
      void exited.then((code) => reject(new Error(`arena run exited (${String(code)}) before training: ${log.slice(-500)}`)));
    });
    await new Promise((r) => setTimeout(r, 1500)); // inside the training loop
    const t0 = performance.now();
    child.kill('SIGTERM');
    const code = await exited;
    const ms = performance.now() - t0;
    console.log(`SIGTERM to exit, daemon mid-training: ${(ms / 1000).toFixed(2)} s, exit code ${String(code)} (budget < ${LATENCY_BUDGETS.sigtermToExitMs / 1000} s: ${verdict(ms, LATENCY_BUDGETS.sigtermToExitMs)})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Every year 1990..2035 walked session by session (nextTradingDay, isTradingDay, session with its
 * open and close times) plus its trading-day list, each year for the first time (no memo helps).
 */
function calendarYears(): void {
  const wall: number[] = [];
  const c0 = process.cpuUsage();
  for (let year = 1990; year <= 2035; year++) {
    const t0 = performance.now();
    const days = tradingDays(`${year}-01-01`, `${year}-12-31`);
    for (let d = days[0] as string; d <= `${year}-12-31` && d < '2035-12-31'; d = nextTradingDay(d)) {
      if (!isTradingDay(d) || !session(d)) throw new Error(`${d}: not a session`);
    }
    wall.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(c0);
  const sorted = [...wall].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  console.log(`a calendar year of NYSE sessions (each of 1990..2035 walked day by day, cold): median ${median.toFixed(1)} ms wall, first year ${(wall[0] as number).toFixed(1)} ms (time-zone data load), ${((cpu.user + cpu.system) / 1000 / wall.length).toFixed(1)} ms CPU per year (budget < ${LATENCY_BUDGETS.calendarYearMs} ms: ${verdict(median, LATENCY_BUDGETS.calendarYearMs)})`);
}

/** The real MinIO of `scripts/services.sh start`, asked with a wrong secret. */
async function minioWrongKeys(): Promise<void> {
  const env = servicesEnv();
  if (!env.MINIO_ENDPOINT || !env.MINIO_ACCESS_KEY || !env.MINIO_SECRET_KEY) {
    console.log('MinIO wrong credentials: skipped (no MinIO; `bash scripts/services.sh start`)');
    return;
  }
  const store = new MinioArtifactStore({ endpoint: env.MINIO_ENDPOINT, accessKey: env.MINIO_ACCESS_KEY, secretKey: `${env.MINIO_SECRET_KEY}-wrong`, region: 'us-east-1', bucketPrefix: 'bench-latency', team: 'red' });
  const t0 = performance.now();
  const err = await store.put('data/AAPL.csv', 'x').then(() => null, (e: unknown) => e as Error);
  const ms = performance.now() - t0;
  const attempts = /after (\d+) attempt/.exec(err?.message ?? '')?.[1] ?? '?';
  console.log(`MinIO wrong credentials: ${err ? 'refused' : 'ACCEPTED?'} after ${ms.toFixed(0)} ms, ${attempts} attempt(s) (budget < ${LATENCY_BUDGETS.minioWrongKeysMs} ms: ${verdict(ms, LATENCY_BUDGETS.minioWrongKeysMs)})`);
}

export async function benchLatency(): Promise<void> {
  calendarYears();
  await minioWrongKeys();
  await sigtermWhileTraining();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchLatency();
