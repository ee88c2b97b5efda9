/**
 * What the daily monitor keeps from one day to the next, so a day costs what is new rather than the
 * whole history: the predictions folded so far, those still waiting for their truth, the pairs
 * joined (in prediction order, as a full join gives them), the pairs per symbol and per date, the
 * rolling series (one point per prediction date, computed once when the date's pairs are known) and
 * the champion's reference window (its rows, table and predictions, once per champion).
 *
 * Every figure equals the full recomputation's (joinPredictionsWithTruth + rollingPairMetrics over
 * every prediction so far; tested): the same pairs in the same order go into the same metric code.
 */
import type { FeatureRow } from '../features/matrix.ts';
import type { Bar, DailySeries } from '../market/types.ts';
import type { Cell, Table } from './drift/types.ts';
import { featureTable, rowKey } from './data-quality.ts';
import { pairMetrics, type Pair, type PredictionToJoin } from './pairs.ts';
import type { Task } from './presets.ts';

/** A joined pair, with the date its truth became known and its place in prediction order. */
export interface KnownPair extends Pair {
  truthDate: string;
  seq: number;
}

type Folded = PredictionToJoin & { seq: number };

/** First index whose `key(x) >= value` in an array sorted by `key`. */
function lowerBound<T>(xs: readonly T[], value: string, key: (x: T) => string): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(xs[mid] as T) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts `x` keeping `xs` ordered by seq (almost always an append). */
function insertBySeq<T extends { seq: number }>(xs: T[], x: T): void {
  if (xs.length === 0 || (xs[xs.length - 1] as T).seq < x.seq) {
    xs.push(x);
    return;
  }
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as T).seq < x.seq) lo = mid + 1;
    else hi = mid;
  }
  xs.splice(lo, 0, x);
}

/** Rows dated on or after `from`, symbol by symbol (rows are ascending by date). */
export function rowsFrom(rows: ReadonlyMap<string, readonly FeatureRow[]>, from: string): FeatureRow[] {
  const out: FeatureRow[] = [];
  for (const r of rows.values()) for (let i = lowerBound(r, from, (x) => x.date); i < r.length; i++) out.push(r[i] as FeatureRow);
  return out;
}

/** Bars dated on or after `from` (bars are ascending by date). */
export const barsFrom = (bars: readonly Bar[], from: string): Bar[] => bars.slice(lowerBound(bars, from, (b) => b.date));

/** The last `n` distinct dates over every symbol's rows, ascending (each lies within some symbol's last n rows). */
export function lastDates(rows: ReadonlyMap<string, readonly FeatureRow[]>, n: number): string[] {
  const dates = new Set<string>();
  for (const r of rows.values()) for (let i = Math.max(0, r.length - n); i < r.length; i++) dates.add((r[i] as FeatureRow).date);
  return [...dates].sort().slice(-n);
}

/** The champion's reference window: the last N dates of its training window, as the drift table (without and with its predictions). */
export interface ReferenceWindow {
  key: string;
  from: string;
  rows: FeatureRow[];
  table: Table;
  /** The champion's predictions on these rows (row key → value), computed on the first drift day of the champion. */
  predictions?: (readonly [string, number])[];
  withPredictions(): Table;
}

export function referenceWindow(card: { version: string; train_from: string; train_to: string }, columns: readonly string[], rows: ReadonlyMap<string, readonly FeatureRow[]>, windowDays: number, key = ''): ReferenceWindow {
  const allRows = [...rows.values()];
  const trainDates = [...new Set(allRows.flatMap((r) => r.filter((x) => x.date >= card.train_from && x.date <= card.train_to).map((x) => x.date)))].sort();
  const from = trainDates[Math.max(0, trainDates.length - windowDays)] ?? card.train_from;
  const refRows = allRows.flatMap((r) => r.filter((x) => x.date >= from && x.date <= card.train_to));
  const table = featureTable(refRows, columns, true);
  let full: Table | null = null;
  const ref: ReferenceWindow = {
    key,
    from,
    rows: refRows,
    table,
    withPredictions() {
      if (!full) {
        const byKey = new Map(ref.predictions ?? []);
        full = { ...table, prediction: refRows.map((r): Cell => byKey.get(rowKey(r)) ?? null) };
      }
      return full;
    },
  };
  return ref;
}

export class MonitorMemory {
  private lastDate: string | null = null;
  private foldedThrough: string | null = null;
  private seq = 0;
  private readonly predictions: Folded[] = [];
  private pending: Folded[] = [];
  /** Joined pairs in prediction order (which is date order). */
  readonly pairs: KnownPair[] = [];
  private readonly bySymbol = new Map<string, KnownPair[]>();
  private readonly byDate = new Map<string, KnownPair[]>();
  /** Distinct prediction dates with a pair, ascending; the rolling series has one point per date. */
  readonly pairDates: string[] = [];
  private readonly names: string[];
  private readonly rolling: Record<string, (number | null)[]>;
  private emitted = false;
  private ref: ReferenceWindow | null = null;

  constructor(
    readonly task: Task,
    readonly window: number,
  ) {
    this.names = task === 'classification' ? ['accuracy', 'log_loss'] : ['mae', 'directional_accuracy'];
    this.rolling = Object.fromEntries(this.names.map((n) => [n, []]));
  }

  /** Whether this memory can go on to `date` (dates only move forward; the same date again starts afresh). */
  accepts(date: string, task: Task): boolean {
    return task === this.task && (this.lastDate === null || date > this.lastDate);
  }

  hasFolded(date: string): boolean {
    return this.foldedThrough !== null && date <= this.foldedThrough;
  }

  /** The predictions made on `date` (dates folded in ascending order). */
  fold(date: string, predictions: readonly PredictionToJoin[]): void {
    if (this.hasFolded(date)) return;
    this.foldedThrough = date;
    for (const p of predictions) {
      const f: Folded = { date: p.date, symbol: p.symbol, close: p.close, value: p.value, expectedReturn: p.expectedReturn, seq: this.seq++ };
      this.predictions.push(f);
      this.pending.push(f);
    }
  }

  /**
   * Joins the waiting predictions whose next bar is known by `asOf` (as joinPredictionsWithTruth does)
   * and brings the rolling series up to date. Returns the pairs joined now and the first date whose
   * rolling point changed; the first call of a memory returns everything (the report keeps one copy per key).
   */
  join(series: ReadonlyMap<string, DailySeries>, asOf: string, feature: 'return' | 'close' | 'direction'): { pairs: KnownPair[]; rollingFrom: string | null } {
    this.lastDate = asOf;
    const fresh: KnownPair[] = [];
    const waiting: Folded[] = [];
    for (const p of this.pending) {
      const bars = series.get(p.symbol)?.bars;
      const i = bars ? lowerBound(bars, p.date, (b) => b.date) : -1;
      const next = bars && bars[i]?.date === p.date ? bars[i + 1] : undefined;
      if (!next || next.date > asOf) {
        waiting.push(p);
        continue;
      }
      const actualReturn = next.close / p.close - 1;
      const actual = feature === 'return' ? actualReturn : feature === 'close' ? next.close : next.close > p.close ? 1 : 0;
      fresh.push({ date: p.date, symbol: p.symbol, predicted: p.value, actual, predictedReturn: p.expectedReturn, actualReturn, truthDate: next.date, seq: p.seq });
    }
    this.pending = waiting;
    let rollingFrom: string | null = null;
    for (const pair of fresh) {
      insertBySeq(this.pairs, pair);
      let s = this.bySymbol.get(pair.symbol);
      if (!s) this.bySymbol.set(pair.symbol, (s = []));
      insertBySeq(s, pair);
      let d = this.byDate.get(pair.date);
      if (!d) {
        this.byDate.set(pair.date, (d = []));
        this.pairDates.splice(lowerBound(this.pairDates, pair.date, (x) => x), 0, pair.date);
      }
      insertBySeq(d, pair);
      if (rollingFrom === null || pair.date < rollingFrom) rollingFrom = pair.date;
    }
    if (rollingFrom !== null) this.updateRolling(lowerBound(this.pairDates, rollingFrom, (x) => x));
    if (!this.emitted) {
      this.emitted = true;
      return { pairs: [...this.pairs], rollingFrom: this.pairDates[0] ?? null };
    }
    return { pairs: fresh, rollingFrom };
  }

  /** Rolling pooled metrics over the trailing `window` dates, from index `from` on (rollingPairMetrics' definition). */
  private updateRolling(from: number): void {
    for (const n of this.names) (this.rolling[n] as (number | null)[]).length = from;
    for (let i = from; i < this.pairDates.length; i++) {
      const early = i + 1 < Math.min(this.window, 5);
      const m = early ? null : pairMetrics(this.pairDates.slice(Math.max(0, i - this.window + 1), i + 1).flatMap((x) => this.byDate.get(x) ?? []), this.task);
      for (const n of this.names) (this.rolling[n] as (number | null)[]).push(m === null ? null : (m[n] ?? null));
    }
  }

  /** Rolling points dated on or after `from` (none for null). */
  rollingSince(from: string | null): { names: string[]; points: { date: string; values: (number | null)[] }[] } {
    if (from === null) return { names: this.names, points: [] };
    const points: { date: string; values: (number | null)[] }[] = [];
    for (let i = lowerBound(this.pairDates, from, (x) => x); i < this.pairDates.length; i++) points.push({ date: this.pairDates[i] as string, values: this.names.map((n) => (this.rolling[n] as (number | null)[])[i] ?? null) });
    return { names: this.names, points };
  }

  /** The whole rolling series (what rollingPairMetrics over every pair gives). */
  rollingSeries(): { window: number; dates: string[]; series: Record<string, (number | null)[]> } {
    return { window: this.window, dates: [...this.pairDates], series: Object.fromEntries(this.names.map((n) => [n, [...(this.rolling[n] as (number | null)[])]])) };
  }

  pairsOf(symbol: string): readonly KnownPair[] {
    return this.bySymbol.get(symbol) ?? [];
  }

  /** Pairs predicted on or after `date`, in prediction order. */
  pairsFrom(date: string): KnownPair[] {
    return this.pairs.slice(lowerBound(this.pairs, date, (p) => p.date));
  }

  /** Every folded prediction dated on or after `date` (today's included). */
  predictionsFrom(date: string): readonly PredictionToJoin[] {
    return this.predictions.slice(lowerBound(this.predictions, date, (p) => p.date));
  }

  /** The champion's reference window, built once per champion (and feature plan). */
  reference(card: { version: string; train_from: string; train_to: string }, columns: readonly string[], rows: ReadonlyMap<string, readonly FeatureRow[]>, windowDays: number): ReferenceWindow {
    const key = [card.version, card.train_from, card.train_to, windowDays, columns.join(','), [...rows.keys()].join(',')].join('|');
    if (this.ref?.key !== key) this.ref = referenceWindow(card, columns, rows, windowDays, key);
    return this.ref;
  }
}
