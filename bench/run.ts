/**
 * `npm run bench`: prints the figures DESIGN.md budgets (never asserted in tests).
 * - the default season (2 teams, bundled data, 252 trading days) from scratch: wall time, peak RSS
 *   (run with the same heap cap as `npm start`, see package.json);
 * - drift + regression metrics on 10,000 rows × 50 columns;
 * - the size of a daily report and of the whole season's reports.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadTeams } from '../src/config/load.ts';
import { createLogger } from '../src/core/log.ts';
import { TRAINING_NODE_FLAGS } from '../src/core/paths.ts';
import { runSeason } from '../src/engine/season.ts';
import { barsCsv } from '../src/adapters/market/csv.ts';
import { availableFields, buildFeatureMatrix, planFeatures } from '../src/domain/features/matrix.ts';
import type { Bar } from '../src/domain/market/types.ts';
import { sampleMarketData } from '../src/adapters/market/csv.ts';
import { seededRandom } from '../src/domain/models/rng.ts';
import { initBackend, resetBackendForBench } from '../src/adapters/models/tfjs/backend.ts';
import type { Sample } from '../src/domain/models/dataset.ts';
import { trainModel } from '../src/adapters/models/tfjs/train.ts';
import { datasetDrift, type Table } from '../src/domain/monitoring/drift/index.ts';
import { regressionMetrics } from '../src/domain/monitoring/metrics/index.ts';

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

async function benchSeason(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'arena-bench-'));
  const teams = (await loadTeams(['teams/red.yml', 'teams/blue.yml'])).map((t) => ({ ...t, workspaceDir: path.join(work, 'workspaces', t.team) }));
  const out = path.join(work, 'reports');
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const t0 = performance.now();
  let lastPrint = 0;
  const result = await runSeason({
    teams,
    out,
    logger: createLogger({ console: false }),
    version: false,
    onDay: (p) => {
      if (p.index - lastPrint >= 50 || p.index === p.total) {
        process.stderr.write(`  season day ${p.index}/${p.total}\n`);
        lastPrint = p.index;
      }
    },
  });
  const secs = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.resourceUsage().maxRSS * 1024);
  const size = dirSize(out);
  console.log(`season ${result.from}..${result.to} (2 teams, ${result.leaderboard.teams.length} rows): ${secs.toFixed(1)} s wall, peak RSS ${mb(peak)} (budget: < 120 s; the 300 MB budget is per daemon, this is both teams in one process)`);
  console.log(`  seconds by step (both teams): ${Object.entries(result.stepSeconds).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  console.log(`  per trading day: ${((secs * 1000) / 252).toFixed(0)} ms for both teams`);
  console.log(`reports: ${size.files} files, ${mb(size.bytes)} total (budget < 50 MB); largest daily monitoring.html ${(size.largestHtml / 1024).toFixed(0)} KB (budget < 300 KB)`);
  console.log(`  (work dir ${work})`);
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

/** Feature-matrix throughput on 500 symbols × 20 years of (synthetic, random-walk) daily bars, the red team's features. */
async function benchFeatures(): Promise<void> {
  const [red] = await loadTeams(['teams/red.yml']);
  const spec = (red as NonNullable<typeof red>).features;
  const rand = seededRandom(1);
  const days = 20 * 252;
  const dates = Array.from({ length: days }, (_, i) => new Date(Date.UTC(2000, 0, 3) + i * 86_400_000).toISOString().slice(0, 10));
  let bars = 0;
  let ms = 0;
  let rows = 0;
  for (let s = 0; s < 500; s++) {
    let close = 20 + rand() * 200;
    const series: Bar[] = dates.map((date) => {
      const open = close;
      close = Math.max(1, close * (1 + (rand() - 0.5) * 0.04));
      return { date, open, high: Math.max(open, close) * (1 + rand() * 0.01), low: Math.min(open, close) * (1 - rand() * 0.01), close, volume: Math.round(1e6 * (0.5 + rand())) };
    });
    const plan = planFeatures(spec, availableFields([{ bars: series }]));
    const t0 = performance.now();
    rows += buildFeatureMatrix(`S${s}`, series, spec, plan).length;
    ms += performance.now() - t0;
    bars += series.length;
  }
  console.log(`feature matrix, 500 symbols × 20 years (${(bars / 1e6).toFixed(2)} M bars, ${rows} rows): ${(ms / 1000).toFixed(1)} s, ${Math.round(bars / (ms / 1000)).toLocaleString('en-US')} bars/s`);
}

/** Training time and samples/second per backend: 10 symbols × 10 years, the red team's model, 30 features. */
async function benchTraining(): Promise<void> {
  const [red] = await loadTeams(['teams/red.yml']);
  const spec = { ...(red as NonNullable<typeof red>).model, trainer: { ...(red as NonNullable<typeof red>).model.trainer, early_stopping_patience: 0 } };
  const rand = seededRandom(2);
  const samples: Sample[] = [];
  for (let sym = 0; sym < 10; sym++)
    for (let d = 0; d < 2520; d++)
      samples.push({ symbol: `S${sym}`, date: new Date(Date.UTC(2008, 0, 1) + d * 86_400_000).toISOString().slice(0, 10), close: 100, x: Array.from({ length: 30 }, () => rand() - 0.5), y: (rand() - 0.5) * 0.02 });
  const columns = Array.from({ length: 30 }, (_, i) => `f${i}`);
  for (const backend of ['wasm', 'cpu'] as const) {
    resetBackendForBench();
    const got = await initBackend(backend);
    const t0 = performance.now();
    const r = await trainModel({ samples, spec, columns });
    const secs = (performance.now() - t0) / 1000;
    console.log(`training (${got}), 10 symbols × 10 years = ${samples.length} samples × 30 features, ${r.history.length} epochs: ${secs.toFixed(1)} s, ${Math.round((r.trainSamples * r.history.length) / secs).toLocaleString('en-US')} samples/s`);
  }
  resetBackendForBench();
}

// BENCH_ONLY=drift,season (comma-separated) runs a subset.
const only = new Set((process.env.BENCH_ONLY ?? 'drift,training,features,cycle,season').split(','));
if (only.has('drift')) benchDrift();
if (only.has('training')) await benchTraining();
if (only.has('features')) await benchFeatures();
if (only.has('cycle')) await benchCycle();
if (only.has('season')) await benchSeason();
