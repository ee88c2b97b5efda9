/**
 * `npm run bench`: every row of issue 18's table, each figure next to its peer in the same run
 * (figures are never asserted in tests; the machine is shared, so CPU seconds are printed beside wall
 * seconds and ratios are taken back to back):
 * - season: the default season (`npm start`: red + blue, bundled data) at 252 and 504 trading days as
 *   `npm start` runs it (a fresh CLI process, teams in parallel), CPU and wall seconds, peak RSS (the
 *   largest process and the whole process tree), the 504/252 ratio (target ≤ 2.2); the 252-day season
 *   again with `--sequential` (same leaderboard, printed);
 * - reports: that season's reports, size and file count (target ≤ 10 MB);
 * - replay: trading days per second per team with retraining off (the model trained once, then
 *   reloaded), CPU and wall (target ≥ 50);
 * - features: 100 symbols × 5,040 bars next to TA-Lib (bench/features.ts, target within 3×);
 * - models: the MLP 32-16-1 next to scikit-learn's MLPRegressor (bench/models.ts, target within 2×);
 * - drift: drift + regression metrics on 10,000 × 50 next to Evidently;
 * - cycle: the live cycle (10 symbols, retraining, DVC + git) as the daemon runs it (≤ 10 s, ≤ 300 MB).
 * BENCH_ONLY=season,replay,reports,features,models,drift,cycle (comma-separated) runs a subset.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { loadTeams } from '../src/config/load.ts';
import { createLogger } from '../src/core/log.ts';
import { TRAINING_NODE_FLAGS } from '../src/core/paths.ts';
import { addTradingDays } from '../src/domain/calendar/nyse.ts';
import { DEFAULT_SEASON_TRADING_DAYS, loadMarket, runSeason, seasonSpan } from '../src/engine/season.ts';
import { barsCsv, sampleMarketData } from '../src/adapters/market/csv.ts';
import { seededRandom } from '../src/domain/models/rng.ts';
import { datasetDrift, type ColumnDrift, type Table } from '../src/domain/monitoring/drift/index.ts';
import { regressionMetrics } from '../src/domain/monitoring/metrics/index.ts';
import { benchLatency } from './latency.ts';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function dirSize(dir: string): { bytes: number; files: number; largestHtml: number } {
  let bytes = 0;
  let files = 0;
  let largestHtml = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const size = statSync(path.join(e.parentPath, e.name)).size;
    bytes += size;
    files++;
    if (e.name === 'monitoring.html') largestHtml = Math.max(largestHtml, size);
  }
  return { bytes, files, largestHtml };
}

/** bench/features.ts (benchFeatures) or bench/models.ts (benchDense) run as their own script, output inline. */
function benchInChild(script: string, args: string[]): void {
  const r = spawnSync(process.execPath, ['--max-old-space-size=2048', '--import', 'tsx', '--import', './bench/source-maps-off.mjs', path.join('bench', script), ...args], { stdio: 'inherit' });
  if (r.status !== 0) console.log(`  ${script}: failed (exit ${r.status ?? r.signal})`);
}

const loadAverage = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

interface SeasonRun {
  days: number;
  cpu: number;
  wall: number;
  /** Largest single process (maxrss of /usr/bin/time) and the sampled sum over the process tree. */
  maxRss: number;
  treeRss: number;
  out: string;
  leaderboard: string;
  stdout: string;
}

interface SeasonFigures {
  runs: SeasonRun[];
}

/** Resident set of `pid` and every descendant, from ps (0 when it is gone). */
function treeRss(pid: number): number {
  const ps = spawnSync('ps', ['-eo', 'pid=,ppid=,rss='], { encoding: 'utf8' });
  const rows = (ps.stdout ?? '').trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number) as [number, number, number]);
  const kids = new Map<number, number[]>();
  for (const [p, pp] of rows) kids.set(pp, [...(kids.get(pp) ?? []), p]);
  const rss = new Map(rows.map(([p, , r]) => [p, r]));
  let sum = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop() as number;
    sum += (rss.get(p) ?? 0) * 1024;
    stack.push(...(kids.get(p) ?? []));
  }
  return sum;
}

/** The teams `npm start` plays (package.json's start script), so the bench measures what a user runs. */
function startTeams(): string[] {
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
  const m = /--teams\s+(\S+)/.exec(start);
  if (!m) throw new Error(`package.json's start script names no --teams: ${start}`);
  return (m[1] as string).split(',');
}

/** `npm start`'s command line on `days` trading days ending at the default end, in a scratch project, timed by /usr/bin/time. */
async function seasonRun(days: number, extra: string[] = []): Promise<SeasonRun> {
  const work = mkdtempSync(path.join(tmpdir(), `arena-bench-season-${days}-`));
  cpSync('teams', path.join(work, 'teams'), { recursive: true });
  cpSync('strategies', path.join(work, 'strategies'), { recursive: true });
  // A plug-in team (green) imports ../../src/plugin-api.ts and zod: the scratch project sees the repository's.
  for (const d of ['src', 'node_modules', 'package.json']) symlinkSync(path.resolve(d), path.join(work, d));
  const teamFiles = startTeams();
  const teams = await loadTeams(teamFiles);
  const market = await loadMarket(teams, undefined);
  const { to } = seasonSpan(market, teams);
  const from = addTradingDays(to, -(days - 1));
  const out = path.join(work, 'reports');
  // The same flags as `npm start` (package.json).
  const args = ['-f', 'bench_time %e %U %S %M', process.execPath, '--max-old-space-size=256', path.resolve('bin/arena.mjs'), 'season', '--teams', teamFiles.join(','), '--from', from, '--to', to, '--no-version', '--quiet', '--out', out, ...extra];
  const child = spawn('/usr/bin/time', args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let peakTree = 0;
  const sampler = setInterval(() => (peakTree = Math.max(peakTree, treeRss(child.pid as number))), 250);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(sampler);
  const m = /bench_time ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
  if (code !== 0 || !m) throw new Error(`season of ${days} days failed (exit ${code}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
  return { days, wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), maxRss: Number(m[4]) * 1024, treeRss: peakTree, out, leaderboard: readFileSync(path.join(out, 'leaderboard.json'), 'utf8'), stdout };
}

const seasonLine = (r: SeasonRun, label: string): string =>
  `  ${label}: ${r.cpu.toFixed(1)} s CPU (all processes), ${r.wall.toFixed(1)} s wall, peak RSS ${mb(r.maxRss)} (largest process; the whole tree ${mb(r.treeRss)})`;

async function benchSeasons(run: boolean): Promise<SeasonFigures> {
  const runs: SeasonRun[] = [];
  const s252 = await seasonRun(DEFAULT_SEASON_TRADING_DAYS);
  runs.push(s252);
  if (!run) return { runs };
  console.log(`default season (npm start: ${startTeams().map((f) => path.basename(f, '.yml')).join(' + ')}, bundled data), as \`npm start\` runs it (teams in parallel, ${availableParallelism()} CPUs):`);
  console.log(seasonLine(s252, '252 trading days'));
  console.log(`    target: ≤ 30 s CPU and ≤ 30 s wall (issue 18: 110–149 s CPU, 112–190 s wall before)`);
  const seq = await seasonRun(DEFAULT_SEASON_TRADING_DAYS, ['--sequential']);
  console.log(seasonLine(seq, '252 trading days, --sequential (one process)'));
  console.log(`    same leaderboard.json as the parallel run: ${seq.leaderboard === s252.leaderboard ? 'yes, byte for byte' : 'NO'}; parallel/sequential wall ${(s252.wall / seq.wall).toFixed(2)}×, CPU ${(s252.cpu / seq.cpu).toFixed(2)}×`);
  const s504 = await seasonRun(2 * DEFAULT_SEASON_TRADING_DAYS);
  console.log(seasonLine(s504, '504 trading days'));
  console.log(`    504/252: CPU ${(s504.cpu / s252.cpu).toFixed(2)}×, wall ${(s504.wall / s252.wall).toFixed(2)}× (target ≤ 2.2)`);
  console.log(s252.stdout.trim().split('\n').filter((l) => /^\d|SPX|team/.test(l.trim())).map((l) => `    ${l}`).join('\n'));
  runs.push(seq, s504);
  return { runs };
}

function benchReports(figures: SeasonFigures | null): void {
  for (const r of figures?.runs.filter((x, i) => i === 0 || x.days !== DEFAULT_SEASON_TRADING_DAYS) ?? []) {
    const size = dirSize(r.out);
    console.log(`reports of the ${r.days}-day season: ${size.files} files, ${mb(size.bytes)} (target ≤ 10 MB; issue 18: ~1,000 files, ~47 MB at 252 days); largest monitoring page ${(size.largestHtml / 1024).toFixed(0)} KB (one per team, every day)`);
  }
}

/**
 * Replay with the model reloaded, not retrained: the default teams with scheduled and drift retraining
 * off (each trains its first model on day 1, then reloads it), both in this process one after the other.
 * Days per second per team = team-days ÷ seconds, from the end of day 1 to the end of the last day.
 */
async function benchReplay(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'arena-bench-replay-'));
  const teams = (await loadTeams(['teams/red.yml', 'teams/blue.yml'])).map((t) => ({
    ...t,
    workspaceDir: path.join(work, 'workspaces', t.team),
    lifecycle: { ...t.lifecycle, retrain: { ...t.lifecycle.retrain, every_trading_days: 0, on_drift: false } },
  }));
  let cpu0: NodeJS.CpuUsage | null = null;
  let wall0 = 0;
  let cpu = 0;
  let wall = 0;
  let days = 0;
  const result = await runSeason({
    teams,
    out: path.join(work, 'reports'),
    logger: createLogger({ console: false }),
    version: false,
    parallel: false,
    onDay: (p) => {
      if (p.index === 1) {
        cpu0 = process.cpuUsage();
        wall0 = performance.now();
        return;
      }
      const c = process.cpuUsage(cpu0 ?? undefined);
      cpu = (c.user + c.system) / 1e6;
      wall = (performance.now() - wall0) / 1000;
      days = p.index - 1;
    },
  });
  const teamDays = days * teams.length;
  const trained = Object.keys(result.stepSeconds).length ? result.stepSeconds : {};
  console.log(`replay with retraining off (model reloaded; ${teams.length} teams × ${days} days after the first, in one process): ${(teamDays / cpu).toFixed(0)} trading days/s per team on CPU (${((cpu * 1000) / teamDays).toFixed(1)} ms CPU per team-day), ${(teamDays / wall).toFixed(0)} /s on the wall (target ≥ 50; issue 18: ~6 before)`);
  const perDay = Object.entries(trained).filter(([k]) => k !== 'reports').map(([k, v]) => `${k} ${((v * 1000) / (teamDays + teams.length)).toFixed(1)}`);
  console.log(`  wall ms per team-day by step: ${perDay.join(', ')}`);
}


function benchDrift(): void {
  let s = 42;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const table = (shift: number): Table => {
    const t: Table = {};
    for (let c = 0; c < 50; c++) t[`f${c}`] = Array.from({ length: 10_000 }, () => rand() + (c % 5 === 0 ? shift : 0));
    return t;
  };
  const ref = table(0);
  const cur = table(0.1);
  const y = Array.from({ length: 10_000 }, () => rand());
  const p = y.map((v) => v + (rand() - 0.5) * 0.1);
  const t0 = performance.now();
  const report = datasetDrift(ref, cur);
  regressionMetrics(y, p);
  const ms = performance.now() - t0;
  console.log(`drift + regression metrics, 10,000 rows × 50 columns: ${ms.toFixed(0)} ms (budget < 500 ms; ${report.number_of_drifted_columns} columns drifted)`);
  // The same data through Evidently (the project venv), for the ratio.
  const python = process.env.ARENA_PYTHON ?? path.join('.venv', 'bin', 'python');
  if (!existsSync(python)) {
    console.log('  Evidently: skipped (no .venv; `bash scripts/services.sh setup`)');
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-bench-ev-'));
  const csv = (t: Table, ys: number[], ps: number[]) => {
    const cols = Object.keys(t);
    const lines = [[...cols, 'target', 'prediction'].join(',')];
    for (let i = 0; i < 10_000; i++) lines.push([...cols.map((c) => String(t[c]?.[i])), String(ys[i]), String(ps[i])].join(','));
    return lines.join('\n') + '\n';
  };
  writeFileSync(path.join(dir, 'ref.csv'), csv(ref, y, p));
  writeFileSync(path.join(dir, 'cur.csv'), csv(cur, y, p));
  try {
    const out = execFileSync(python, ['scripts/parity/bench_evidently.py', path.join(dir, 'ref.csv'), path.join(dir, 'cur.csv')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const ev = JSON.parse(out.trim().split('\n').pop() as string) as { seconds: number; drifted: number };
    console.log(`  Evidently 0.7.23 on the same data: ${(ev.seconds * 1000).toFixed(0)} ms (${ev.drifted} columns drifted) → paper-arena is ${(ev.seconds * 1000 / ms).toFixed(1)}× faster`);
  } catch (err) {
    console.log(`  Evidently: failed (${(err as Error).message.split('\n')[0]})`);
  }
}

/**
 * Evidently's text-content drift test (drift/text.ts) on one text column, both sizes Evidently tells apart:
 * 800 reference texts (the percentile test: 1,000 random classifiers) and 3,000 (the absolute test), each
 * against as many current texts whose word frequencies shifted; CPU time, next to Evidently's on the same texts.
 */
function benchTextDrift(): void {
  const random = seededRandom(7);
  const words = 'stocks rally slump earnings guidance upgrade downgrade merger buyback dividend inflation rates yields volatility futures options hedge margin analyst forecast revenue profit loss chip energy retail banks oil gold bonds'.split(' ');
  const texts = (n: number, bearish: boolean) =>
    Array.from({ length: n }, () =>
      Array.from({ length: 5 + Math.floor(random() * 6) }, () => (bearish && random() < 0.2 ? 'slump' : words[Math.floor(random() * words.length)])).join(' '),
    );
  const python = process.env.ARENA_PYTHON ?? path.join('.venv', 'bin', 'python');
  for (const n of [800, 3000]) {
    const ref = texts(n, false);
    const cur = texts(n, true);
    const cpu0 = process.cpuUsage();
    const r = datasetDrift({ note: ref }, { note: cur }).columns.note as ColumnDrift;
    const c = process.cpuUsage(cpu0);
    const ms = (c.user + c.system) / 1000;
    let peer = 'Evidently: skipped (no .venv; `bash scripts/services.sh setup`)';
    if (existsSync(python)) {
      const dir = mkdtempSync(path.join(tmpdir(), 'arena-bench-text-'));
      writeFileSync(path.join(dir, 'ref.json'), JSON.stringify(ref));
      writeFileSync(path.join(dir, 'cur.json'), JSON.stringify(cur));
      try {
        const out = execFileSync(python, ['scripts/parity/bench_text_drift.py', path.join(dir, 'ref.json'), path.join(dir, 'cur.json')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        const ev = JSON.parse(out.trim().split('\n').pop() as string) as { seconds: number; score: number; drift: boolean };
        peer = `Evidently 0.7.23 ${(ev.seconds * 1000).toFixed(0)} ms CPU, AUC ${ev.score.toFixed(3)}, drift ${String(ev.drift)} (${((ev.seconds * 1000) / ms).toFixed(1)}× ours)`;
      } catch (err) {
        peer = `Evidently: failed (${(err as Error).message.split('\n')[0]})`;
      }
    }
    console.log(`text drift, ${n} + ${n} texts (${r.test}): ${ms.toFixed(0)} ms CPU, AUC ${r.score.toFixed(3)}, drift ${String(r.drift)}; ${peer}`);
  }
}

/**
 * Live cycles (`arena cycle --date`) with retraining, DVC and git on 10 symbols: the 7 bundled ones
 * plus 3 seeded random walks on the same dates (CSV provider). The first cycle includes `git init` and
 * `dvc init`; the second is the steady state. Versioning = the version step (dvc add, git commit).
 */
async function benchCycle(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'arena-bench-cycle-'));
  const bundled = ['AAPL', 'MSFT', 'GOOGL', 'IXIC', 'JPM', 'XOM', 'KO'];
  const dataDir = path.join(work, 'data');
  mkdirSync(dataDir);
  const sample = sampleMarketData();
  for (const sym of [...bundled, 'SPX']) writeFileSync(path.join(dataDir, `${sym}.csv`), barsCsv((await sample.daily({ symbol: sym, asOf: '9999-12-31' })).bars));
  const dates = (await sample.daily({ symbol: 'AAPL', asOf: '9999-12-31' })).bars.map((b) => b.date);
  const rand = seededRandom(3);
  const synthetic = ['SYNA', 'SYNB', 'SYNC'];
  for (const sym of synthetic) {
    let close = 50 + rand() * 100;
    writeFileSync(path.join(dataDir, `${sym}.csv`), barsCsv(dates.map((date) => {
      const open = close;
      close = Math.max(1, close * (1 + (rand() - 0.5) * 0.03));
      return { date, open, high: Math.max(open, close) * 1.005, low: Math.min(open, close) * 0.995, close, volume: Math.round(1e6 * (0.5 + rand())) };
    })));
  }
  const symbols = [...bundled, ...synthetic];
  // The real CLI in its own process (as the daemon runs a cycle), so its peak RSS is the daemon's, training included.
  const project = path.join(work, 'project');
  mkdirSync(path.join(project, 'teams'), { recursive: true });
  cpSync('strategies', path.join(project, 'strategies'), { recursive: true });
  const redYaml = readFileSync('teams/red.yml', 'utf8').replace(/^symbols: .*$/m, `symbols: [${symbols.join(', ')}]`).replace(/provider: sample[^\n]*/, `provider: csv\n  dir: ${JSON.stringify(dataDir)}`);
  writeFileSync(path.join(project, 'teams', 'red.yml'), redYaml);
  for (const date of ['2017-11-09', '2017-11-10']) {
    const t0 = performance.now();
    const args = [...TRAINING_NODE_FLAGS, path.resolve('bin/arena.mjs'), 'cycle', '--team', 'teams/red.yml', '--date', date];
    const timed = existsSync('/usr/bin/time');
    const r = spawnSync(timed ? '/usr/bin/time' : process.execPath, timed ? ['-f', 'maxrss_kb=%M', process.execPath, ...args] : args, { cwd: project, encoding: 'utf8' });
    const secs = (performance.now() - t0) / 1000;
    if (r.status !== 0) {
      console.log(`live cycle ${date}: failed (${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')})`);
      return;
    }
    const rss = /maxrss_kb=(\d+)/.exec(r.stderr ?? '')?.[1];
    const steps = [...(r.stderr ?? '').matchAll(/(\w+) done in ([\d.]+) s/g)].map((m) => ({ step: m[1] as string, secs: Number(m[2]) }));
    // The daemon has its modules loaded already: its cycle is the steps; the process adds start-up.
    const inDaemon = steps.reduce((a, x) => a + x.secs, 0);
    const version = steps.find((x) => x.step === 'version')?.secs ?? NaN;
    console.log(`live cycle ${date}, ${symbols.length} symbols${date === '2017-11-09' ? ' (first: git + dvc init, training)' : ''}: steps ${inDaemon.toFixed(1)} s as the daemon runs it (budget < 10 s), ${secs.toFixed(1)} s as a fresh process; versioning (dvc add + git commit) ${version.toFixed(2)} s; peak RSS ${rss ? mb(Number(rss) * 1024) : 'n/a (no /usr/bin/time)'} (budget < 300 MB); ${steps.map((x) => `${x.step} ${x.secs.toFixed(2)}`).join(', ')}`);
  }
}

// BENCH_ONLY=drift,season (comma-separated) runs a subset.
const only = new Set((process.env.BENCH_ONLY ?? 'season,reports,replay,features,models,drift,cycle,latency').split(','));
const load = loadAverage();
console.log(`machine: ${availableParallelism()} CPUs, load average ${load} at the start (other work on the machine moves wall times; CPU seconds and ratios hold)`);
let season: SeasonFigures | null = null;
if (only.has('season') || only.has('reports')) season = await benchSeasons(only.has('season'));
if (only.has('reports')) benchReports(season);
if (only.has('replay')) await benchReplay();
// Their own processes: they hold millions of bars / samples at once, more than the 256 MB heap this
// script runs with (npm start's cap, kept for the in-process replay).
if (only.has('features')) benchInChild('features.ts', []);
if (only.has('models')) benchInChild('models.ts', ['dense']);
if (only.has('drift')) benchDrift();
if (only.has('drift')) benchTextDrift();
if (only.has('cycle')) await benchCycle();
// SIGTERM to exit mid-training, a calendar year, MinIO refusing wrong keys: each next to its budget.
if (only.has('latency')) await benchLatency();
console.log(`machine load average at the end: ${loadAverage()}`);
