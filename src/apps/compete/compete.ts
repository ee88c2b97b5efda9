/**
 * `arena compete`: a season played the way production runs it. The shared Alpaca-compatible
 * exchange runs here on a replay clock; every team is its own `arena run` process (own account, own
 * workspace, own HTTP API) trading on that exchange and following its clock. The clock moves at N
 * seconds per trading day but never past a team that has not finished the day, so a slow or
 * restarted team changes nothing: the result equals `arena season` on the same inputs. A daemon that
 * dies is restarted (like a container restart policy) and resumes from its journal.
 *
 * With a class (`arena compete --class`), each daemon follows its team's git branch: a team changes
 * its config by pushing, and the coordinator's copy of the rules (competition.yml from `main`) says
 * what it may not change. The coordinator serves the live leaderboard while the days go by, and
 * sends its own notifications (the day's standings, teams' config changes, daemons that die).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { nyDateTime, ReplayClock } from '../../adapters/clock.ts';
import { nextTradingDay, tradingDays } from '../../domain/calendar/nyse.ts';
import type { TeamConfig } from '../../config/load.ts';
import { alpacaKeyNames } from '../../config/secrets.ts';
import { processEnvironment } from '../../config/env.ts';
import { paperAccountOptions } from '../../engine/wiring.ts';
import { ArenaError } from '../../core/errors.ts';
import { writeFileAtomic } from '../../core/fsx.ts';
import { acquireLock } from '../../core/lock.ts';
import type { Logger } from '../../core/log.ts';
import { startAlpacaExchange, type AlpacaExchange } from '../../sim/alpaca/server.ts';
import type { Leaderboard } from '../../adapters/reports/types.ts';
import { Journal } from '../../engine/journal.ts';
import { emitSeasonReports, type SeasonTeamResult } from '../../engine/reporting.ts';
import { journalFile, runDirs } from '../../engine/context.ts';
import { loadMarket, seasonId, seasonSpan } from '../../engine/season.ts';
import { PACKAGE_ROOT, TRAINING_NODE_FLAGS } from '../../core/paths.ts';
import type { NotifyConfig } from '../../config/schema.ts';
import type { Secrets } from '../../config/secrets.ts';
import { redact } from '../../core/redact.ts';
import { notifierFor, type Notifier } from '../../adapters/notify/notifier.ts';
import { configNotice } from '../../engine/notices.ts';
import { startLiveServer, type LiveServer } from './live-server.ts';
import { liveStandings, type LiveSnapshot } from './standings.ts';

export interface CompeteOptions {
  teams: TeamConfig[];
  /** The team files as given (the daemons load them again). */
  teamFiles: string[];
  from?: string;
  to?: string;
  out: string;
  logger: Logger;
  signal?: AbortSignal;
  /** Real seconds per trading day at least (the clock still waits for every team). */
  secondsPerDay: number;
  /** Give up when a team has not finished a day after this long (default 30 min). */
  dayTimeoutMs?: number;
  /** Rewrite the leaderboard every N days while running (default 1). */
  refreshEveryDays?: number;
  onDay?: (p: { index: number; total: number; date: string; teams: { team: string; equity: number | null }[] }) => void;
  /** A team's daemon was (re)started: its pid (tests kill it). */
  onDaemon?: (e: { team: string; pid: number; start: number }) => void;
  /** The teams follow their git branches (`arena compete --class`): each daemon runs `arena run --config-repo`. */
  follow?: CompeteFollow;
  /** The teams' key pairs on the exchange (a class's); default: made per competition and kept in its directory. */
  keys?: Record<string, { key_id: string; secret_key: string }>;
  /** Symbols the exchange serves besides the teams' own (a class's universe: a team may switch to them). */
  universe?: string[];
  /** Serve the live leaderboard (default on, any free port on 127.0.0.1). */
  live?: { host: string; port: number } | false;
  onLive?: (url: string) => void;
  /** After the last day, keep the live page up until the signal aborts. */
  keepServing?: boolean;
  /** The coordinator's notifications (daily leaderboard, config changes, daemons that die), with the secrets holding the webhook URLs. */
  notify?: { config: NotifyConfig; secrets: Secrets; display: string };
  /** The competition's name on the live page. */
  name?: string;
  /** The result is final (called before keepServing waits). */
  onFinished?: (r: CompeteResult) => void;
}

export interface CompeteFollow {
  /** The repository (an absolute path or a URL). */
  repo: string;
  /** Team → its branch and team file. */
  branches: Record<string, { branch: string; path: string }>;
  /** The rules the daemons enforce (competition.yml), copied into the competition's directory. */
  rulesText: string;
  /** Identifies the class: the competition's id hashes it, not the configs (which change as teams push). */
  key: string;
}

export interface CompeteResult {
  id: string;
  from: string;
  to: string;
  leaderboard: Leaderboard;
  restarts: Record<string, number>;
  stateDir: string;
  liveUrl?: string;
}

const keysSchema = z.record(z.string(), z.strictObject({ key_id: z.string().min(1), secret_key: z.string().min(1) }));
const BIN = path.join(PACKAGE_ROOT, 'bin', 'arena.mjs');
const MAX_RESTARTS = 10;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** One key pair per team, kept (mode 600) so a resumed competition reopens the same accounts. */
async function teamKeys(file: string, teams: readonly TeamConfig[]): Promise<z.infer<typeof keysSchema>> {
  let keys: z.infer<typeof keysSchema> = {};
  try {
    keys = keysSchema.parse(JSON.parse(await fs.readFile(file, 'utf8')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ArenaError(`${file}: unreadable competition keys (${(err as Error).message}); delete the competition directory to start over`);
  }
  let changed = false;
  for (const t of teams) {
    if (keys[t.team]) continue;
    keys[t.team] = { key_id: `PK${randomBytes(9).toString('hex').toUpperCase()}`, secret_key: randomBytes(24).toString('base64url') };
    changed = true;
  }
  if (changed) {
    await writeFileAtomic(file, JSON.stringify(keys, null, 2) + '\n');
    await fs.chmod(file, 0o600);
  }
  return keys;
}

interface Daemon {
  team: TeamConfig;
  file: string;
  port: number;
  workspace: string;
  child: ChildProcess | null;
  starts: number;
  stopping: boolean;
}

/** What the daemon reports on GET /health (null while it cannot answer): the last completed and prepared days. */
async function healthOf(d: Daemon): Promise<{ last_cycle: string | null; last_prepared: string | null } | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${d.port}/health`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return null;
    return z.object({ last_cycle: z.string().nullable(), last_prepared: z.string().nullable() }).parse(await res.json());
  } catch {
    return null;
  }
}

export async function runCompetition(opts: CompeteOptions): Promise<CompeteResult> {
  if (opts.teams.length !== opts.teamFiles.length) throw new Error('teams and teamFiles differ in length');
  // A class's universe is served too: a team that switches symbols on its branch finds them on the exchange.
  const universeTeam = opts.universe && opts.teams[0] ? [{ ...opts.teams[0], symbols: opts.universe }] : [];
  const market = await loadMarket([...opts.teams, ...universeTeam], undefined);
  const { from, to } = seasonSpan(market, opts.teams, opts.from, opts.to);
  const days = tradingDays(from, to);
  const id = opts.follow
    ? `class-${createHash('sha256').update(JSON.stringify([opts.follow.key, from, to, opts.teams.map((t) => t.team), opts.universe ?? []])).digest('hex').slice(0, 12)}`
    : seasonId(opts.teams, from, to, market);
  const root = path.join(path.dirname(opts.teams[0]?.workspaceDir as string), 'competitions', id);
  const lock = await acquireLock(path.join(root, 'lock'), { onWait: (pid) => opts.logger.warn(`competition ${id} is being run by pid ${pid}; waiting for it to finish`), ...(opts.signal ? { signal: opts.signal } : {}) });
  let exchange: AlpacaExchange | null = null;
  let live: LiveServer | null = null;
  let notifier: Notifier | null = null;
  const daemons: Daemon[] = [];
  try {
    notifier = opts.notify ? notifierFor(opts.notify.config, opts.notify.secrets, opts.notify.display, opts.logger) : null;
    const keys = opts.keys ?? (await teamKeys(path.join(root, 'keys.json'), opts.teams));
    for (const t of opts.teams) if (!keys[t.team]) throw new ArenaError(`no exchange key pair for team ${t.team}`, { hint: 'run `arena class init` again for a new class, or add its keys to the class secrets file' });
    let rulesFile: string | null = null;
    if (opts.follow) {
      rulesFile = path.join(root, 'competition.yml');
      await fs.mkdir(root, { recursive: true });
      await writeFileAtomic(rulesFile, opts.follow.rulesText);
    }
    // Each team's journal, as its daemon has written it so far.
    const journalOf = (t: TeamConfig) => new Journal(journalFile(runDirs(path.join(root, t.team)))).load();
    // Resume: the clock restarts at the end of the last day every team completed.
    const doneSets = await Promise.all(opts.teams.map(async (t) => new Set((await journalOf(t)).datesWith('version'))));
    let resume = 0;
    while (resume < days.length && doneSets.every((s) => s.has(days[resume] as string))) resume++;
    // Each day: every team's after-close time on the day, then every trade time on the next session.
    const closeTimes = [...new Set(opts.teams.map((t) => t.schedule.after_close))].sort();
    const tradeTimes = [...new Set(opts.teams.map((t) => t.schedule.trade_at).filter((x) => x !== 'after_close'))].sort();
    const endOfDay = (d: string) => (tradeTimes.length ? nyDateTime(nextTradingDay(d), tradeTimes[tradeTimes.length - 1] as string) : nyDateTime(d, closeTimes[closeTimes.length - 1] as string));
    const clock = new ReplayClock({ start: resume > 0 ? endOfDay(days[resume - 1] as string) : nyDateTime(from, '00:00') });
    // One set of terms for every team (starting cash, fees, slippage, margin): a fair competition or none.
    const termsOf = (t: TeamConfig) => {
      // The same fee and margin settings a season's paper account gets (engine/wiring.ts).
      const a = paperAccountOptions(t.broker);
      return { startingCash: a.startingCash, slippageBps: a.slippageBps, commissionPerShare: a.commissionPerShare, commissionMin: a.commissionMin, marginMultiplier: a.multiplier };
    };
    const terms = termsOf(opts.teams[0] as TeamConfig);
    for (const t of opts.teams.slice(1)) {
      const other = termsOf(t);
      if (JSON.stringify(other) !== JSON.stringify(terms))
        throw new ArenaError(`teams ${opts.teams[0]?.team} and ${t.team} trade on different terms (broker starting_cash, slippage_bps, commission_per_share, commission_min, margin_multiplier): every team of a competition gets the same`, { hint: 'make the broker settings of the team files equal' });
    }
    // The coordinator alone moves the market clock, through the exchange's admin endpoint and this token.
    const adminToken = randomBytes(24).toString('base64url');
    exchange = await startAlpacaExchange({
      market,
      clock,
      stateDir: path.join(root, 'exchange'),
      host: '127.0.0.1',
      port: 0,
      terms,
      adminToken,
      accounts: opts.teams.map((t) => ({ key_id: keys[t.team]?.key_id as string, secret_key: keys[t.team]?.secret_key as string, name: t.team })),
    });
    opts.logger.info(`competition ${id}: ${from} .. ${to} (${days.length} trading days), exchange ${exchange.url}, state ${root}${resume ? `, resuming after ${days[resume - 1]}` : ''}`);
    const ex = exchange;
    const advance = async (at: ReturnType<typeof nyDateTime>) => {
      if (clock.now() >= at) return;
      const res = await fetch(`${ex.url}/__admin/clock`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ to: at.toISO() }) });
      if (!res.ok) throw new ArenaError(`the exchange refused to move its clock to ${at.toISO() ?? '?'}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    };
    const logs = path.join(root, 'logs');
    await fs.mkdir(logs, { recursive: true });

    const start = (d: Daemon) => {
      const k = keys[d.team.team] as { key_id: string; secret_key: string };
      const [[keyIdName], [secretName]] = alpacaKeyNames(d.team) as [[string], [string]];
      // Only its own key pair: another team's per-team keys in the coordinator's environment are left out.
      const own = Object.fromEntries(Object.entries(processEnvironment()).filter(([name]) => !/^ALPACA_(?:KEY_ID|SECRET_KEY)_/.test(name)));
      const env = {
        ...own,
        [keyIdName]: k.key_id,
        [secretName]: k.secret_key,
        // A daemon whose coordinator died (SIGKILL) stops too, instead of outliving its exchange.
        ARENA_PARENT_PID: String(process.pid),
      };
      const follow = opts.follow?.branches[d.team.team];
      const source = opts.follow && follow && rulesFile ? ['--config-repo', opts.follow.repo, '--branch', follow.branch, '--path', follow.path, '--rules', rulesFile] : ['--team', d.file];
      const args = [...TRAINING_NODE_FLAGS, BIN, 'run', ...source, '--workspace', d.workspace, '--port', String(d.port), '--host', '127.0.0.1', '--exchange', ex.url, '--first-day', from, '--drift-every', String(d.team.monitoring.season_drift_every_trading_days), '--out', opts.out];
      const log = createWriteStream(path.join(logs, `${d.team.team}.log`), { flags: 'a' });
      const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      d.child = child;
      d.starts++;
      opts.onDaemon?.({ team: d.team.team, pid: child.pid ?? -1, start: d.starts });
      child.once('exit', (code, signal) => {
        d.child = null;
        if (d.stopping) return;
        if (d.starts > MAX_RESTARTS) {
          opts.logger.error(`${d.team.team}: daemon exited (${signal ?? `code ${code}`}) ${d.starts} times; not restarting (see ${path.join(logs, `${d.team.team}.log`)})`);
          notifier?.notify({ event: 'errors', team: d.team.team, level: 'error', title: 'daemon stopped for good', text: `exited (${signal ?? `code ${code}`}) ${d.starts} times; not restarted`, at: new Date().toISOString() });
          return;
        }
        opts.logger.warn(`${d.team.team}: daemon exited (${signal ?? `code ${code}`}); restarting it, it resumes from its journal`);
        notifier?.notify({ event: 'errors', team: d.team.team, level: 'warn', title: 'daemon restarted', text: `exited (${signal ?? `code ${code}`}); restarted, it resumes from its journal`, at: new Date().toISOString() });
        setTimeout(() => {
          if (!d.stopping) start(d);
        }, 500);
      });
    };

    // The live leaderboard: up before the first day, updated after each one.
    // Every team's journal read once per use (standings, notices and progress of a day share one read).
    const journalsNow = async () => new Map(await Promise.all(opts.teams.map(async (t) => [t.team, await journalOf(t)] as const)));
    const standings = async (done: number, finished: boolean, journals?: Map<string, Journal>): Promise<LiveSnapshot> => {
      const read = journals ?? (await journalsNow());
      return liveStandings({
        name: opts.name ?? `competition ${id}`,
        teams: opts.teams.map((t) => ({ team: t.team, broker: t.broker, feature: t.model.output.feature, journal: read.get(t.team) as Journal })),
        market,
        benchmark: (opts.teams[0] as TeamConfig).data.benchmark,
        days,
        done,
        finished,
        generatedAt: clock.now().toISO() ?? new Date().toISOString(),
      });
    };
    if (opts.live !== false) {
      live = await startLiveServer({ host: opts.live?.host ?? '127.0.0.1', port: opts.live?.port ?? 0, reportsDir: opts.out, initial: await standings(resume, false) });
      opts.logger.info(`live leaderboard on ${live.url}`);
      opts.onLive?.(live.url);
    }

    for (const [i, team] of opts.teams.entries()) {
      const d: Daemon = { team, file: path.resolve(opts.teamFiles[i] as string), port: await freePort(), workspace: path.join(root, team.team), child: null, starts: 0, stopping: false };
      daemons.push(d);
      start(d);
    }

    // Reports read each team's journal (written by its daemon) and its account on the exchange.
    const report = async (done: number, progress: boolean) => {
      const results: SeasonTeamResult[] = [];
      for (const team of opts.teams) {
        const k = keys[team.team] as { key_id: string; secret_key: string };
        const journal = await journalOf(team);
        // While running, only the days played so far (the benchmark too: no peeking at the future).
        results.push({ rt: { team, journal, broker: await ex.account(k.key_id, k.secret_key), reportDir: path.join(opts.out, team.team), clock }, days: days.slice(0, done) });
      }
      const refreshSeconds = Math.max(2, Math.ceil(opts.secondsPerDay * (opts.refreshEveryDays ?? 1)));
      return emitSeasonReports({ results, market, from, to: days[done - 1] as string, out: opts.out, seasonId: id, ...(progress ? { progress: { done, total: days.length, refreshSeconds } } : {}) });
    };

    const timeout = opts.dayTimeoutMs ?? 30 * 60_000;
    const waitFor = async (d: Daemon, date: string, what: 'last_cycle' | 'last_prepared') => {
      const t0 = Date.now();
      for (;;) {
        if (opts.signal?.aborted) throw new ArenaError('competition interrupted; start it again to resume');
        const last = (await healthOf(d))?.[what] ?? null;
        if (last !== null && last >= date) return;
        if (!d.child && d.starts > MAX_RESTARTS) throw new ArenaError(`${d.team.team}: daemon keeps dying; see ${path.join(logs, `${d.team.team}.log`)}`);
        if (Date.now() - t0 > timeout) throw new ArenaError(`${d.team.team} did not finish ${date} within ${Math.round(timeout / 1000)} s; see ${path.join(logs, `${d.team.team}.log`)}`, { hint: 'a failing cycle is retried by the daemon; fix the cause and run arena compete again to resume' });
        await sleep(100);
      }
    };

    let last = Date.now();
    for (let i = resume; i < days.length; i++) {
      const date = days[i] as string;
      const pace = last + opts.secondsPerDay * 1000 - Date.now();
      if (pace > 0 && i > resume) await sleep(pace);
      last = Date.now();
      // Teams run in the order of their schedule times, as in a season.
      for (const time of closeTimes) {
        const at = nyDateTime(date, time);
        await advance(at);
        for (const d of daemons.filter((x) => x.team.schedule.after_close === time)) await waitFor(d, date, d.team.schedule.trade_at === 'after_close' ? 'last_cycle' : 'last_prepared');
      }
      for (const time of tradeTimes) {
        const at = nyDateTime(nextTradingDay(date), time);
        await advance(at);
        for (const d of daemons.filter((x) => x.team.schedule.trade_at === time)) await waitFor(d, date, 'last_cycle');
      }
      const every = opts.refreshEveryDays ?? 1;
      if ((i + 1 - resume) % every === 0 && i < days.length - 1) await report(i + 1, true);
      const journals = live || notifier || opts.onDay ? await journalsNow() : null;
      if (journals && (live || notifier)) {
        const snap = await standings(i + 1, false, journals);
        live?.update(snap);
        if (notifier) {
          for (const t of opts.teams) {
            const e = journals.get(t.team)?.get(date, 'config')?.event;
            if (e) notifier.notify(configNotice(t.team, e, clock.now().toISO() ?? new Date().toISOString()));
          }
          const top = snap.teams.map((t) => `${t.rank}. ${t.team} ${t.equity === null ? '—' : `$${t.equity.toFixed(2)}`}`).join(', ');
          notifier.notify({ event: 'daily_summary', team: null, level: 'info', title: `${date}: day ${i + 1} of ${days.length}`, text: top, at: clock.now().toISO() ?? new Date().toISOString() });
        }
      }
      if (journals && opts.onDay) {
        const teams = opts.teams.map((t) => ({ team: t.team, equity: journals.get(t.team)?.get(date, 'trade')?.equity ?? null }));
        opts.onDay({ index: i + 1, total: days.length, date, teams });
      }
    }
    const { leaderboard } = await report(days.length, false);
    const result = { id, from, to, leaderboard, restarts: Object.fromEntries(daemons.map((d) => [d.team.team, Math.max(0, d.starts - 1)])), stateDir: root, ...(live ? { liveUrl: live.url } : {}) };
    if (live) {
      live.update(await standings(days.length, true));
      if (opts.keepServing && !opts.signal?.aborted) {
        await stopDaemons(daemons, opts.logger);
        opts.onFinished?.(result);
        opts.logger.info(`the competition is over; the live leaderboard stays on ${live.url} until Ctrl-C`);
        await new Promise<void>((resolve) => {
          // Ctrl-C may have come during stopDaemons (a listener added now would never fire); no signal, nothing to wait for.
          const signal = opts.signal;
          if (!signal || signal.aborted) return resolve();
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
      }
    }
    return result;
  } finally {
    await stopDaemons(daemons, opts.logger);
    await exchange?.close();
    await live?.close();
    await notifier?.close(5000).catch((err: unknown) => opts.logger.warn(`notify: ${redact(String(err))}`));
    await lock.release();
  }
}

/** SIGTERM, then SIGKILL after 15 s: a daemon stops between steps and exits 0. */
async function stopDaemons(daemons: Daemon[], logger: Logger): Promise<void> {
  await Promise.all(daemons.map(async (d) => {
    d.stopping = true;
    const child = d.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      logger.warn(`${d.team.team}: daemon did not stop in 15 s; killing it`);
      child.kill('SIGKILL');
    }, 15_000);
    await exited;
    clearTimeout(timer);
  }));
}
