/**
 * Feature throughput next to TA-Lib (issue 18, target 3: within 3×). The same bars — 100 symbols × 5,040
 * trading days of seeded random-walk OHLCV — and the same indicator set — the default 30 columns — go
 * through our batch path and through TA-Lib (scripts/parity/talib_features.py, the parity venv), run back
 * to back in this process's turn. Both sides start from typed arrays (numpy arrays for TA-Lib) and end
 * with the columns plus the complete-row mask; loading the bars is excluded on both sides. Each figure is
 * CPU seconds (process.cpuUsage / time.process_time): wall time on a shared machine moves with the load.
 *
 * Run alone: `node --import tsx bench/features.ts [REPEATS]`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ohlcvColumns, type OhlcvColumns } from '../src/domain/features/indicators/types.ts';
import { availableFields, buildFeatureColumns, buildFeatureMatrix, FeatureMatrixBuilder, planFeatures } from '../src/domain/features/matrix.ts';
import { DEFAULT_FEATURES } from '../src/domain/features/spec.ts';
import type { Bar } from '../src/domain/market/types.ts';
import { seededRandom } from '../src/domain/models/rng.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface FeatureBenchResult {
  bars: number;
  columns: number;
  /** Our batch path, bars per CPU second, one figure per repeat. */
  batch: number[];
  /** The same bars through TA-Lib, one figure per repeat (empty when the venv has no TA-Lib). */
  talib: number[];
  /** buildFeatureMatrix (Bar[] → FeatureRow[], what callers get), bars per CPU second. */
  rows: number;
  /** The streaming path (FeatureMatrixBuilder.extend, one bar at a time), bars per CPU second. */
  streaming: number;
  /** Median TA-Lib ÷ median batch (≤ 3 is the target). */
  ratio: number;
}

/** Seeded daily bars on weekdays from 2000-01-03. */
export function syntheticBars(symbols: number, days: number, seed = 1): Bar[][] {
  const rand = seededRandom(seed);
  const dates: string[] = [];
  for (let t = Date.UTC(2000, 0, 3); dates.length < days; t += 86_400_000) {
    const d = new Date(t);
    if (d.getUTCDay() % 6 !== 0) dates.push(d.toISOString().slice(0, 10));
  }
  return Array.from({ length: symbols }, () => {
    let close = 20 + rand() * 200;
    return dates.map((date) => {
      const open = close;
      close = Math.max(1, close * (1 + (rand() - 0.5) * 0.04));
      return { date, open, high: Math.max(open, close) * (1 + rand() * 0.01), low: Math.min(open, close) * (1 - rand() * 0.01), close, volume: Math.round(1e6 * (0.5 + rand())) };
    });
  });
}

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const rate = (x: number): string => `${(x / 1e6).toFixed(2)} M bars/s`;
/** A run as bars/s and the CPU seconds it took. */
const run = (bars: number) => (x: number): string => `${rate(x)} (${(bars / x).toFixed(3)} s)`;

export async function benchFeatures(opts: { symbols?: number; days?: number; repeats?: number; log?: (line: string) => void } = {}): Promise<FeatureBenchResult> {
  const symbols = opts.symbols ?? 100;
  const days = opts.days ?? 5040;
  const repeats = opts.repeats ?? 5;
  const log = opts.log ?? ((line: string) => console.log(line));
  const series = syntheticBars(symbols, days);
  const spec = DEFAULT_FEATURES;
  const plan = planFeatures(spec, availableFields(series.map((bars) => ({ bars }))));
  const columns: OhlcvColumns[] = series.map(ohlcvColumns);
  const bars = symbols * days;

  const runBatch = (): number => {
    const t0 = cpuSeconds();
    let kept = 0;
    for (let s = 0; s < symbols; s++) {
      const fc = buildFeatureColumns(`S${s}`, columns[s] as OhlcvColumns, spec, plan);
      for (let i = 0; i < fc.complete.length; i++) kept += fc.complete[i] as number;
    }
    const secs = cpuSeconds() - t0;
    if (kept === 0) throw new Error('no complete rows');
    return bars / secs;
  };
  runBatch(); // JIT warm-up (TA-Lib is compiled ahead of time)
  const batch = Array.from({ length: repeats }, runBatch);

  // TA-Lib on the same bars, right after.
  let talib: number[] = [];
  let talibVersion = '';
  const python = process.env.ARENA_PYTHON ?? path.join(REPO, '.venv', 'bin', 'python');
  if (!existsSync(python)) log('  TA-Lib: skipped (no .venv; `bash scripts/services.sh setup`)');
  else {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-bench-talib-'));
    try {
      const lines = ['symbol,date,open,high,low,close,volume'];
      series.forEach((s, k) => {
        for (const b of s) lines.push(`S${k},${b.date},${b.open},${b.high},${b.low},${b.close},${b.volume}`);
      });
      writeFileSync(path.join(dir, 'bars.csv'), lines.join('\n') + '\n');
      const out = execFileSync(python, [path.join(REPO, 'scripts', 'parity', 'talib_features.py'), 'bench', path.join(dir, 'bars.csv'), String(repeats)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const runs = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { bars: number; cpu_seconds: number; talib: string });
      talib = runs.map((r) => r.bars / r.cpu_seconds);
      talibVersion = runs[0]?.talib ?? '';
    } catch (err) {
      log(`  TA-Lib: failed (${(err as Error).message.split('\n')[0]})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  // What callers get (Bar[] in, FeatureRow[] out), and the streaming path (the live cycle's).
  const rowsT0 = cpuSeconds();
  for (let s = 0; s < symbols; s++) buildFeatureMatrix(`S${s}`, series[s] as Bar[], spec, plan);
  const rows = bars / (cpuSeconds() - rowsT0);
  const streamSymbols = Math.max(1, Math.round(symbols / 10));
  const streamT0 = cpuSeconds();
  for (let s = 0; s < streamSymbols; s++) new FeatureMatrixBuilder(`S${s}`, spec, plan).extend(series[s] as Bar[]);
  const streaming = (streamSymbols * days) / (cpuSeconds() - streamT0);

  const ratio = median(talib) / median(batch);
  log(`features, ${symbols} symbols × ${days.toLocaleString('en-US')} bars, the ${plan.columns.length} default columns (CPU time, ${repeats} runs each, back to back):`);
  log(`  paper-arena batch (typed arrays): ${batch.map(run(bars)).join(', ')}; median ${rate(median(batch))}`);
  if (talib.length) log(`  TA-Lib ${talibVersion} (C) + numpy, same bars and columns: ${talib.map(run(bars)).join(', ')}; median ${rate(median(talib))}`);
  log(`  ratio TA-Lib / paper-arena: ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a'} (target ≤ 3×)`);
  log(`  buildFeatureMatrix (Bar[] → FeatureRow[], what callers get): ${run(bars)(rows)}; streaming path (FeatureMatrixBuilder.extend, ${streamSymbols} symbols × ${days.toLocaleString('en-US')} bars): ${run(streamSymbols * days)(streaming)}`);
  return { bars, columns: plan.columns.length, batch, talib, rows, streaming, ratio };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await benchFeatures({ repeats: Number(process.argv[2] ?? 5) });
}
