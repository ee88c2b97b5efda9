/**
 * Textbook indicator definitions, written independently of the libraries (plain loops over whole
 * arrays, no streaming), to check both forms of the features against (streaming and batch). `null` while warming up.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readBarsCsv } from '../adapters/market/csv.ts';
import type { Bar } from '../domain/market/types.ts';
import { ohlcvColumns, type OhlcvColumns } from '../domain/features/indicators/types.ts';
import { REPO_ROOT } from './services.ts';

export type Series = (number | null)[];

/** Real OHLCV bars from the bundled data (AAPL, from 2013-05-13). */
export function realBars(symbol = 'AAPL', n = 400): Bar[] {
  const file = path.join(REPO_ROOT, 'data', 'sample', `${symbol}.csv`);
  return readBarsCsv(readFileSync(file, 'utf8'), file).slice(0, n);
}

export function sma(x: readonly number[], p: number): Series {
  return x.map((_, i) => (i < p - 1 ? null : x.slice(i - p + 1, i + 1).reduce((a, b) => a + b, 0) / p));
}

/** EMA seeded with the SMA of the first p values, k = 2 / (p + 1). */
export function ema(x: readonly number[], p: number): Series {
  const out: Series = [];
  const k = 2 / (p + 1);
  let prev: number | null = null;
  for (let i = 0; i < x.length; i++) {
    if (i < p - 1) out.push(null);
    else if (i === p - 1) out.push((prev = x.slice(0, p).reduce((a, b) => a + b, 0) / p));
    else out.push((prev = ((x[i] as number) - (prev as number)) * k + (prev as number)));
  }
  return out;
}

/** Wilder's RSI: simple means of the first p gains/losses, then Wilder smoothing (1/p). */
export function rsi(x: readonly number[], p: number): Series {
  const out: Series = [null];
  let g = 0;
  let l = 0;
  for (let i = 1; i < x.length; i++) {
    const ch = (x[i] as number) - (x[i - 1] as number);
    const up = Math.max(ch, 0);
    const down = Math.max(-ch, 0);
    if (i < p) {
      g += up;
      l += down;
      out.push(null);
      continue;
    }
    if (i === p) {
      g = (g + up) / p;
      l = (l + down) / p;
    } else {
      g = (g * (p - 1) + up) / p;
      l = (l * (p - 1) + down) / p;
    }
    out.push(l === 0 ? 100 : 100 - 100 / (1 + g / l));
  }
  return out;
}

/** MACD with EMAs: line = EMA(fast) − EMA(slow); signal = EMA(signal) of the line; histogram = line − signal. */
export function macd(x: readonly number[], fast: number, slow: number, signal: number): { line: Series; signal: Series; hist: Series } {
  const f = ema(x, fast);
  const s = ema(x, slow);
  const line = x.map((_, i) => (s[i] === null ? null : (f[i] as number) - (s[i] as number)));
  const start = slow - 1;
  const sig = ema(line.slice(start) as number[], signal);
  const sigFull: Series = [...Array(start).fill(null), ...sig];
  return { line, signal: sigFull, hist: line.map((v, i) => (v === null || sigFull[i] === null ? null : v - (sigFull[i] as number))) };
}

/** Bollinger bands with the population standard deviation. */
export function bollinger(x: readonly number[], p: number, k: number): { pctb: Series; width: Series } {
  const pctb: Series = [];
  const width: Series = [];
  for (let i = 0; i < x.length; i++) {
    if (i < p - 1) {
      pctb.push(null);
      width.push(null);
      continue;
    }
    const w = x.slice(i - p + 1, i + 1);
    const m = w.reduce((a, b) => a + b, 0) / p;
    const sd = Math.sqrt(w.reduce((a, b) => a + (b - m) ** 2, 0) / p);
    const up = m + k * sd;
    const lo = m - k * sd;
    pctb.push(((x[i] as number) - lo) / (up - lo));
    width.push((up - lo) / m);
  }
  return { pctb, width };
}

/** Wilder's ATR: true range from the second bar on, first ATR = mean of the first p true ranges. */
export function atr(bars: readonly Bar[], p: number): Series {
  const out: Series = [null];
  const tr: number[] = [];
  let a: number | null = null;
  for (let i = 1; i < bars.length; i++) {
    const b = bars[i] as Bar;
    const pc = (bars[i - 1] as Bar).close;
    tr.push(Math.max((b.high as number) - (b.low as number), Math.abs((b.high as number) - pc), Math.abs((b.low as number) - pc)));
    if (tr.length < p) out.push(null);
    else if (tr.length === p) out.push((a = tr.reduce((s, v) => s + v, 0) / p));
    else out.push((a = ((a as number) * (p - 1) + (tr[tr.length - 1] as number)) / p));
  }
  return out;
}

/** Stochastic %K over p bars and %D = SMA(d) of %K. */
export function stochastic(bars: readonly Bar[], p: number, d: number): { k: Series; d: Series } {
  const k: Series = bars.map((b, i) => {
    if (i < p - 1) return null;
    const w = bars.slice(i - p + 1, i + 1);
    const hh = Math.max(...w.map((x) => x.high as number));
    const ll = Math.min(...w.map((x) => x.low as number));
    return hh === ll ? null : (100 * (b.close - ll)) / (hh - ll);
  });
  const dd: Series = k.map((_, i) => {
    const w = k.slice(Math.max(0, i - d + 1), i + 1);
    return w.length < d || w.some((v) => v === null) ? null : (w as number[]).reduce((a, b) => a + b, 0) / d;
  });
  return { k, d: dd };
}

/** Sample standard deviation. */
export function sampleStd(w: readonly number[]): number {
  const m = w.reduce((a, b) => a + b, 0) / w.length;
  return Math.sqrt(w.reduce((a, b) => a + (b - m) ** 2, 0) / (w.length - 1));
}

/** Feeds bars one by one through a streaming indicator and collects one column. */
export function stream(ind: { update(b: Bar): readonly (number | null)[] }, bars: readonly Bar[], column = 0): Series {
  return bars.map((b) => ind.update(b)[column] ?? null);
}

/** A batch column (NaN = missing) as a series (null = missing). */
export function fromColumn(col: Float64Array): Series {
  return Array.from(col, (v) => (Number.isNaN(v) ? null : v));
}

export interface SeriesComparison {
  /** Index of the first value (both series agree on warm-up where `warmupDiffers` is empty). */
  firstValue: number;
  /** Largest |actual − expected| / max(|expected|, floor) over the indices where both have a value. */
  maxRel: number;
  /** Indices where one series has a value and the other has none (the first 10). */
  warmupDiffers: number[];
}

/**
 * Compares two series without asserting (the test asserts on the result): where each has values, and
 * the relative error, measured against max(|expected|, floor) so values near zero are compared
 * absolutely (a 1e-6 relative bound with floor 1e-3 is a 1e-9 absolute bound there).
 */
export function compareSeries(actual: Series, expected: Series, floor = 1e-3): SeriesComparison {
  let maxRel = actual.length === expected.length ? 0 : Infinity;
  let firstValue = -1;
  const warmupDiffers: number[] = [];
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    const a = actual[i] ?? null;
    const e = expected[i] ?? null;
    if ((a === null) !== (e === null)) {
      if (warmupDiffers.length < 10) warmupDiffers.push(i);
      continue;
    }
    if (a === null || e === null) continue;
    if (firstValue < 0) firstValue = i;
    const rel = Math.abs(a - e) / Math.max(Math.abs(e), floor);
    maxRel = Math.max(maxRel, Number.isNaN(rel) ? Infinity : rel);
  }
  return { firstValue, maxRel, warmupDiffers };
}

/** One column of a family's batch form over bars, as a series. */
export function batchColumn<P>(factory: { batch?(params: P, bars: OhlcvColumns): Float64Array[] }, params: P, bars: readonly Bar[], column = 0): Series {
  if (!factory.batch) throw new Error('the factory has no batch form');
  const col = factory.batch(params, ohlcvColumns(bars))[column];
  if (!col) throw new Error(`no batch column ${column}`);
  return fromColumn(col);
}

/** Every bundled sample series, whole (AAPL, GOOGL, MSFT, IXIC, SPX with OHLCV; JPM, KO, XOM close-only). */
export function sampleSeries(): { symbol: string; bars: Bar[] }[] {
  const dir = path.join(REPO_ROOT, 'data', 'sample');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .sort()
    .map((f) => ({ symbol: f.replace(/\.csv$/, ''), bars: readBarsCsv(readFileSync(path.join(dir, f), 'utf8'), path.join(dir, f)) }));
}
