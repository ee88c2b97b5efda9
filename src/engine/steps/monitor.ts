/**
 * monitor: every earlier prediction shifted one trading day and joined with the realised value
 * (nothing to compare on the first cycle), quality metrics pooled, per symbol and rolling, drift
 * of the current window against the champion's training window (every feature, the target and the
 * prediction), a data-quality summary, and the
 * verdict the retrain policy reads on the next cycle.
 */
import type { FeatureRow } from '../../domain/features/matrix.ts';
import type { Bar, DailySeries } from '../../domain/market/types.ts';
import { datasetDrift, type Cell, type DriftReport, type Table } from '../../domain/monitoring/drift/index.ts';
import { classificationMetrics, directionalAccuracy, regressionMetrics } from '../../domain/monitoring/metrics/index.ts';
import type { ModelCard } from '../../adapters/models/registry.ts';
import type { TrainedModel } from '../../domain/models/model.ts';
import { predictWindow } from '../../domain/models/predictor.ts';
import type { MetricValues, MonitoringReportData } from '../../adapters/reports/types.ts';
import { need, type StepDef } from '../cycle.ts';
import type { TeamRuntime } from '../runtime.ts';
import { emitMonitoringReport } from '../reporting.ts';
import type { Prediction, PredictOutput } from './predict.ts';

export interface MonitorSummary {
  dataset_drift: boolean;
  drift_share: number;
  live_directional_accuracy: number | null;
}

export interface MonitorOutput {
  summary: MonitorSummary;
  comparisons: number;
  pooled: MetricValues;
}

export interface Pair {
  date: string;
  symbol: string;
  predicted: number;
  actual: number;
  /** Both as returns, for the directional accuracy of any output kind. */
  predictedReturn: number | null;
  actualReturn: number;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Join predictions made on date d with the bar of the next trading day, when it is known by `asOf`. */
export function joinPredictionsWithTruth(predictions: readonly Prediction[], series: ReadonlyMap<string, DailySeries>, asOf: string, feature: 'return' | 'close' | 'direction'): Pair[] {
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

export function pairMetrics(pairs: readonly Pair[], task: 'regression' | 'classification'): MetricValues {
  if (pairs.length === 0) return { n: 0 };
  const y = pairs.map((p) => p.actual);
  const p = pairs.map((q) => q.predicted);
  if (task === 'classification') {
    const m = classificationMetrics(y, p);
    return { n: m.n, accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1, roc_auc: finite(m.roc_auc), log_loss: finite(m.log_loss), directional_accuracy: m.accuracy };
  }
  const m = regressionMetrics(y, p, { mape: { denominator: 'abs' } });
  const q = (x: number) => m.error_quantiles.find((e) => e.q === x)?.value ?? null;
  return {
    n: m.n,
    me: m.me,
    mae: m.mae,
    rmse: m.rmse,
    mape: finite(m.mape),
    r2: finite(m.r2),
    directional_accuracy: finite(directionalAccuracy(pairs.map((x) => x.actualReturn), pairs.map((x) => x.predictedReturn))),
    error_p05: q(0.05),
    error_median: q(0.5),
    error_p95: q(0.95),
  };
}

/** Rolling pooled metrics: one point per prediction date over the trailing `window` dates. */
export function rollingPairMetrics(pairs: readonly Pair[], task: 'regression' | 'classification', window: number): MonitoringReportData['metrics']['rolling'] {
  const dates = [...new Set(pairs.map((p) => p.date))].sort();
  const names = task === 'classification' ? ['accuracy', 'log_loss'] : ['mae', 'directional_accuracy'];
  const series: Record<string, (number | null)[]> = Object.fromEntries(names.map((n) => [n, []]));
  dates.forEach((d, i) => {
    const from = dates[Math.max(0, i - window + 1)] as string;
    const m = pairMetrics(pairs.filter((p) => p.date >= from && p.date <= d), task);
    for (const n of names) (series[n] as (number | null)[]).push(i + 1 < Math.min(window, 5) ? null : (m[n] ?? null));
  });
  return { window, dates, series };
}

const rowKey = (r: Pick<FeatureRow, 'date' | 'symbol'>): string => `${r.date}:${r.symbol}`;

/** Features, the target and (Evidently's prediction column) the model's prediction for each row. */
function featureTable(rows: readonly FeatureRow[], columns: readonly string[], withTarget: boolean, predictions?: ReadonlyMap<string, number>): Table {
  const t: Table = Object.fromEntries(columns.map((c) => [c, [] as Cell[]]));
  if (withTarget) t.target_return = [];
  if (predictions) t.prediction = [];
  for (const r of rows) {
    columns.forEach((c, j) => (t[c] as Cell[]).push(r.features[j] ?? null));
    if (withTarget) (t.target_return as Cell[]).push(r.targets?.return ?? null);
    if (predictions) (t.prediction as Cell[]).push(predictions.get(rowKey(r)) ?? null);
  }
  return t;
}

/**
 * The champion's predictions over its reference window (in the served units), so prediction drift
 * compares like with like: what the model said on the data it learnt from against what it says now.
 */
function referencePredictions(model: TrainedModel, columns: readonly string[], rows: ReadonlyMap<string, readonly FeatureRow[]>, from: string, to: string): Map<string, number> {
  return new Map(predictWindow(model, columns, rows, from, to).map((p) => [rowKey(p), p.value]));
}

function qualitySummary(reference: Table, current: Table, currentBars: ReadonlyMap<string, readonly Bar[]>): Omit<MonitoringReportData['data_quality'], 'findings'> {
  const missing: Record<string, number> = {};
  for (const [sym, bars] of currentBars) {
    for (const f of ['open', 'high', 'low', 'volume'] as const) {
      const n = bars.filter((b) => b[f] === null || !Number.isFinite(b[f] as number)).length;
      if (n) missing[`${sym}.${f}`] = n;
    }
  }
  const constant: string[] = [];
  const outOfRange: Record<string, number> = {};
  for (const [col, values] of Object.entries(current)) {
    const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const miss = values.length - nums.length;
    if (miss) missing[col] = (missing[col] ?? 0) + miss;
    if (nums.length > 1 && nums.every((v) => v === nums[0])) constant.push(col);
    const ref = (reference[col] ?? []).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (ref.length) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of ref) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const n = nums.filter((v) => v < lo || v > hi).length;
      if (n) outOfRange[col] = n;
    }
  }
  // Calendar one-hot columns are the categorical ones; a value never seen in the reference is new.
  const newCategories: Record<string, string[]> = {};
  for (const col of Object.keys(current).filter((c) => c.startsWith('dow_') || c === 'month')) {
    const seen = new Set((reference[col] ?? []).map(String));
    const fresh = [...new Set((current[col] ?? []).map(String))].filter((v) => !seen.has(v));
    if (fresh.length) newCategories[col] = fresh;
  }
  return { missing, constant_columns: constant, out_of_range: outOfRange, new_categories: newCategories };
}

function allPredictions(rt: TeamRuntime, date: string, today: PredictOutput): Prediction[] {
  const out: Prediction[] = [];
  for (const d of rt.journal.datesWith('predict')) {
    if (d >= date) break;
    out.push(...((rt.journal.get(d, 'predict')?.record as PredictOutput | undefined)?.predictions ?? []));
  }
  return [...out, ...today.predictions];
}

export const monitorStep: StepDef<'monitor'> = {
  name: 'monitor',
  async run(rt, date, state) {
    const fetched = need(state, 'fetch');
    const { plan, rows } = need(state, 'features');
    const model = need(state, 'model');
    const predicted = need(state, 'predict');
    const mon = rt.team.monitoring;
    const feature = rt.team.model.output.feature;
    const task = feature === 'direction' ? 'classification' : 'regression';
    const pairs = joinPredictionsWithTruth(allPredictions(rt, date, predicted), fetched.series, date, feature);
    const notes: string[] = [];
    if (pairs.length === 0) notes.push(rt.journal.datesWith('predict').some((d) => d < date) ? 'no prediction has met its realised value yet' : 'first cycle: no prediction to compare yet (reports start from the second cycle)');
    const pooled = pairMetrics(pairs, task);
    const bySymbol: Record<string, MetricValues> = {};
    for (const sym of rt.team.symbols) bySymbol[sym] = pairMetrics(pairs.filter((p) => p.symbol === sym), task);

    const deg = rt.team.lifecycle.retrain.on_degradation;
    let live: number | null = null;
    if (deg) {
      const dates = [...new Set(pairs.map((p) => p.date))].sort().slice(-deg.window_trading_days);
      if (dates.length >= deg.window_trading_days) live = pairMetrics(pairs.filter((p) => p.date >= (dates[0] as string)), task).directional_accuracy ?? null;
    }

    // Drift: the champion's training window against the last N days, every feature plus the target.
    let drift: MonitoringReportData['drift'] = null;
    const card: ModelCard | null = model.version ? await rt.registry.card(model.version) : null;
    const driftEvery = rt.mode === 'season' ? mon.season_drift_every_trading_days : (rt.driftEveryTradingDays ?? 1);
    const driftDue = driftEvery <= 1 || rt.journal.datesWith('monitor').length % driftEvery === 0;
    let reference: Table = {};
    let current: Table = {};
    const allRows = [...rows.values()];
    const curDates = [...new Set(allRows.flatMap((r) => r.map((x) => x.date)))].sort().slice(-mon.current_window_trading_days);
    const curFrom = curDates[0] ?? date;
    const served = new Map(allPredictions(rt, date, predicted).filter((p) => p.date >= curFrom).map((p) => [rowKey(p), p.value]));
    current = featureTable(allRows.flatMap((r) => r.filter((x) => x.date >= curFrom)), plan.columns, true, model.model ? served : undefined);
    if (card) {
      const trainDates = [...new Set(allRows.flatMap((r) => r.filter((x) => x.date >= card.train_from && x.date <= card.train_to).map((x) => x.date)))].sort();
      const refFrom = trainDates[Math.max(0, trainDates.length - mon.reference_window_trading_days)] ?? card.train_from;
      const refRows = allRows.flatMap((r) => r.filter((x) => x.date >= refFrom && x.date <= card.train_to));
      reference = featureTable(refRows, plan.columns, true, driftDue && model.model ? referencePredictions(model.model, plan.columns, rows, refFrom, card.train_to) : undefined);
      if (driftDue) {
        const report: DriftReport = datasetDrift(reference, current, { overrides: mon.overrides, shareThreshold: mon.drift_share, emptyColumns: 'skip' });
        drift = { ...report, reference_rows: reference[plan.columns[0] as string]?.length ?? 0, current_rows: current[plan.columns[0] as string]?.length ?? 0, reference: `${card.version} training window, last ${mon.reference_window_trading_days} days: ${refFrom}..${card.train_to}`, current: `${curFrom}..${date}` };
      } else notes.push(`drift computed every ${driftEvery} trading days in a season or competition`);
    } else notes.push('no champion: drift needs its training window as the reference');
    const currentBars = new Map([...fetched.series].map(([s, ser]) => [s, ser.bars.filter((b) => b.date >= curFrom)]));
    const data: MonitoringReportData = {
      team: rt.team.team,
      date,
      model_version: model.version,
      task,
      comparisons: pairs.length,
      notes,
      metrics: { pooled, by_symbol: bySymbol, rolling: rollingPairMetrics(pairs, task, mon.rolling_window_trading_days) },
      confusion: task === 'classification' && pairs.length ? (() => {
        const m = classificationMetrics(pairs.map((p) => p.actual), pairs.map((p) => p.predicted));
        return { tp: m.tp, fp: m.fp, tn: m.tn, fn: m.fn };
      })() : null,
      drift,
      data_quality: { findings: fetched.findings, ...qualitySummary(reference, current, currentBars) },
      pairs: pairs.slice(-60).map((p) => ({ date: p.date, symbol: p.symbol, predicted: p.predicted, actual: p.actual })),
    };
    await emitMonitoringReport(rt, data);
    // Without a fresh drift computation the last verdict stands (the policy must not forget drift).
    const prevDates = rt.journal.datesWith('monitor').filter((d) => d < date);
    const prev = prevDates.length ? (rt.journal.get(prevDates[prevDates.length - 1] as string, 'monitor')?.record as { summary: MonitorSummary } | undefined)?.summary : undefined;
    const summary: MonitorSummary = {
      dataset_drift: drift ? drift.dataset_drift : (prev?.dataset_drift ?? false),
      drift_share: drift ? drift.drift_share : (prev?.drift_share ?? 0),
      live_directional_accuracy: live,
    };
    const out: MonitorOutput = { summary, comparisons: pairs.length, pooled };
    return { output: out, record: out };
  },
  async restore(_rt, _date, _state, raw) {
    return raw as MonitorOutput;
  },
};
