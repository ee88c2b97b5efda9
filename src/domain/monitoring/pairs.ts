/**
 * Predictions against the truth: each prediction made on day d joined with the realised value of
 * the next trading day (known only once that day's bar exists), and the presets pooled, per symbol
 * and over a rolling window of dates.
 */
import type { Bar, DailySeries } from '../market/types.ts';
import { classificationPreset, regressionPreset, type MetricValues, type Task } from './presets.ts';

export interface Pair {
  date: string;
  symbol: string;
  predicted: number;
  actual: number;
  /** Both as returns, for the directional accuracy of any output kind. */
  predictedReturn: number | null;
  actualReturn: number;
}

export interface PredictionToJoin {
  date: string;
  symbol: string;
  close: number;
  value: number;
  expectedReturn: number | null;
}

/** Join predictions made on date d with the bar of the next trading day, when it is known by `asOf`. */
export function joinPredictionsWithTruth(predictions: readonly PredictionToJoin[], series: ReadonlyMap<string, DailySeries>, asOf: string, feature: 'return' | 'close' | 'direction'): Pair[] {
  const index = new Map<string, Map<string, number>>();
  for (const [sym, s] of series) index.set(sym, new Map(s.bars.map((b, i) => [b.date, i])));
  const pairs: Pair[] = [];
  for (const p of predictions) {
    const bars = series.get(p.symbol)?.bars;
    const i = index.get(p.symbol)?.get(p.date);
    if (!bars || i === undefined) continue;
    const next = bars[i + 1] as Bar | undefined;
    if (!next || next.date > asOf) continue;
    const actualReturn = next.close / p.close - 1;
    const actual = feature === 'return' ? actualReturn : feature === 'close' ? next.close : next.close > p.close ? 1 : 0;
    pairs.push({ date: p.date, symbol: p.symbol, predicted: p.value, actual, predictedReturn: p.expectedReturn, actualReturn });
  }
  return pairs;
}

/** The task's preset over prediction/truth pairs (directional accuracy from the returns, error quantiles). */
export function pairMetrics(pairs: readonly Pair[], task: Task): MetricValues {
  const y = pairs.map((p) => p.actual);
  const p = pairs.map((q) => q.predicted);
  if (task === 'classification') return classificationPreset(y, p);
  return regressionPreset(y, p, { quantiles: true, returns: { actual: pairs.map((x) => x.actualReturn), predicted: pairs.map((x) => x.predictedReturn) } });
}

export interface RollingMetrics {
  window: number;
  dates: string[];
  series: Record<string, (number | null)[]>;
}

/** Rolling pooled metrics: one point per prediction date over the trailing `window` dates. */
export function rollingPairMetrics(pairs: readonly Pair[], task: Task, window: number): RollingMetrics {
  const dates = [...new Set(pairs.map((p) => p.date))].sort();
  const names = task === 'classification' ? ['accuracy', 'log_loss'] : ['mae', 'directional_accuracy'];
  const series: Record<string, (number | null)[]> = Object.fromEntries(names.map((n) => [n, []]));
  // Pairs grouped by date once, so each window is a slice of groups rather than a scan of every pair.
  const byDate = new Map<string, Pair[]>();
  for (const p of pairs) {
    let g = byDate.get(p.date);
    if (!g) byDate.set(p.date, (g = []));
    g.push(p);
  }
  dates.forEach((d, i) => {
    const inWindow = dates.slice(Math.max(0, i - window + 1), i + 1).flatMap((x) => byDate.get(x) ?? []);
    const m = pairMetrics(inWindow, task);
    for (const n of names) (series[n] as (number | null)[]).push(i + 1 < Math.min(window, 5) ? null : (m[n] ?? null));
  });
  return { window, dates, series };
}
