/**
 * The parent side of a parallel season: the teams are dealt round-robin (in after-close order) into
 * at most os.availableParallelism() shares; the season's own process plays the first share and one
 * worker process each other share, running season-worker.ts with the same V8 flags as `npm start`. Messages carry each team's finished day
 * and its failure; a worker that dies takes only its own teams down. On SIGINT/SIGTERM (the
 * season's signal) every worker is asked to stop between two steps; when the parent itself dies,
 * each worker exits as its IPC channel closes (season-worker.ts), and the team's worker lock makes
 * a restarted season wait for such an orphan.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadTeam, type TeamConfig } from '../config/load.ts';

/** One team's finished day, as the day loop reports it. */
export interface TeamDay {
  team: string;
  index: number;
  date: string;
  equity: number | null;
  model: string | null;
  ran: boolean;
  durations: Partial<Record<string, number>>;
}

/** A team that stopped: the date whose cycle failed (null: it could not start) and why. */
export interface TeamFailure {
  team: string;
  date: string | null;
  error: string;
}

/**
 * A team as it crosses to a worker: its data without the code it loaded (functions do not cross a
 * process boundary). The worker loads the team file again for the code, checks it is the same code
 * (`code`), and keeps the parent's data (a caller may have moved the workspace, as the tests do).
 */
export interface TeamForWorker {
  data: Omit<TeamConfig, 'strategy' | 'plugins'>;
  code: string;
}

/** The strategy's kind and parameters and every plug-in module's digest: what a reload must match. */
function codeOf(team: TeamConfig): string {
  return JSON.stringify({ strategy: { kind: team.strategy.kind, params: team.strategy.params }, modules: team.plugins.modules.map((m) => `${m.field}:${m.digest}`) });
}

export function teamForWorker(team: TeamConfig): TeamForWorker {
  const { strategy: _s, plugins: _p, ...data } = team;
  return { data, code: codeOf(team) };
}

/** The worker's side: the team file loaded again, refused if its code changed since the season started. */
export async function teamInWorker(t: TeamForWorker): Promise<TeamConfig> {
  const loaded = await loadTeam(t.data.file, { root: t.data.root, checkSecrets: false });
  if (codeOf(loaded) !== t.code) throw new Error(`${t.data.file}: its strategy or plug-in modules changed after the season started; run the season again`);
  return { ...loaded, ...t.data };
}

/** What a worker is asked to play. */
export interface WorkerJob {
  teams: TeamForWorker[];
  /** Every team of the season: the worker loads the same market the parent did. */
  allTeams: TeamForWorker[];
  dataDir?: string;
  seasonId: string;
  from: string;
  days: string[];
  out: string;
}

export type ToWorker = { type: 'start'; job: WorkerJob } | { type: 'stop' };
export type FromWorker = { type: 'day'; day: TeamDay } | { type: 'failed'; failure: TeamFailure } | { type: 'done' } | { type: 'interrupted' } | { type: 'fatal'; error: string };

const ENTRY = fileURLToPath(new URL('./season-worker.mjs', import.meta.url));

/** `npm start`'s heap cap, plus this process's CPU-profile flags (so `node --cpu-prof` profiles the workers too). */
function workerExecArgv(): string[] {
  return ['--max-old-space-size=256', ...process.execArgv.filter((a) => a.startsWith('--cpu-prof'))];
}

export interface PlayInWorkersOptions {
  allTeams: readonly TeamConfig[];
  dataDir?: string | undefined;
  seasonId: string;
  from: string;
  days: readonly string[];
  out: string;
  signal?: AbortSignal;
  onDay(day: TeamDay): void;
  onFailure(failure: TeamFailure): void;
}

/** Plays `teams` in a worker process; resolves when it has ended (failures are reported, not thrown). */
export function runWorker(teams: TeamConfig[], o: PlayInWorkersOptions): Promise<void> {
  return new Promise((resolve) => {
    const child: ChildProcess = fork(ENTRY, [], { execArgv: workerExecArgv(), serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const open = new Set(teams.map((t) => t.team));
    let ended = false;
    const stop = () => {
      if (child.connected) child.send({ type: 'stop' } satisfies ToWorker);
    };
    o.signal?.addEventListener('abort', stop, { once: true });
    const fail = (why: string) => {
      for (const team of open) o.onFailure({ team, date: null, error: why });
      open.clear();
    };
    child.on('message', (m: FromWorker) => {
      if (m.type === 'day') o.onDay(m.day);
      else if (m.type === 'failed') {
        open.delete(m.failure.team);
        o.onFailure(m.failure);
      } else if (m.type === 'done') {
        ended = true;
        open.clear();
      } else if (m.type === 'interrupted') ended = true;
      else if (m.type === 'fatal') {
        ended = true;
        if (!o.signal?.aborted) fail(m.error);
      }
    });
    child.on('error', (err) => {
      if (!o.signal?.aborted) fail(`worker process: ${err.message}`);
    });
    child.on('exit', (code, signal) => {
      o.signal?.removeEventListener('abort', stop);
      if (!ended && !o.signal?.aborted) fail(`its worker process exited (${signal ?? `code ${code}`}) before the season ended`);
      resolve();
    });
    child.send({ type: 'start', job: { teams: teams.map(teamForWorker), allTeams: o.allTeams.map(teamForWorker), ...(o.dataDir ? { dataDir: o.dataDir } : {}), seasonId: o.seasonId, from: o.from, days: [...o.days], out: o.out } } satisfies ToWorker);
  });
}

/** The teams dealt round-robin into at most `n` non-empty shares. */
export function dealTeams<T>(teams: readonly T[], n = availableParallelism()): T[][] {
  const shares: T[][] = Array.from({ length: Math.max(1, Math.min(teams.length, n)) }, () => []);
  teams.forEach((t, i) => shares[i % shares.length]?.push(t));
  return shares;
}
