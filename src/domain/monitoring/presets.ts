/**
 * Metric presets in Evidently's sense (RegressionPreset, ClassificationPreset): one named bag of
 * metrics per task, used by both the model evaluator (walk-forward test folds) and the daily
 * monitor (predictions against realised values), so a number means the same thing in a training
 * report and in a monitoring page.
 */
import { classificationMetrics } from './metrics/classification.ts';
import { directionalAccuracy, regressionMetrics } from './metrics/regression.ts';

export type MetricValues = Record<string, number | null>;

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

export interface PresetOptions {
  /**
   * Realised and predicted returns, for directional accuracy when the target is not a return
   * (a close, a direction); by default the signs of target and prediction are compared.
   */
  returns?: { actual: readonly number[]; predicted: readonly (number | null)[] };
  /** Error quantiles (p05, median, p95): the monitor shows them, model cards do not. */
  quantiles?: boolean;
  /** tp/fp/tn/fn counts next to the rates. */
  confusion?: boolean;
}

/** ME, MAE, RMSE, MAPE (|target| denominator), R², directional accuracy. */
export function regressionPreset(y: readonly number[], p: readonly number[], o: PresetOptions = {}): MetricValues {
  if (y.length === 0) return { n: 0 };
  const m = regressionMetrics(y, p, { mape: { denominator: 'abs' } });
  const da = o.returns ? directionalAccuracy(o.returns.actual, o.returns.predicted) : m.directional_accuracy;
  const out: MetricValues = { n: m.n, me: m.me, mae: m.mae, rmse: m.rmse, mape: finite(m.mape), r2: finite(m.r2), directional_accuracy: finite(da) };
  if (o.quantiles) {
    const q = (x: number) => m.error_quantiles.find((e) => e.q === x)?.value ?? null;
    Object.assign(out, { error_p05: q(0.05), error_median: q(0.5), error_p95: q(0.95) });
  }
  return out;
}

/** Accuracy (= directional accuracy for an up/down classifier), precision, recall, F1, ROC AUC, log loss at threshold 0.5. */
export function classificationPreset(y: readonly number[], p: readonly number[], o: PresetOptions = {}): MetricValues {
  if (y.length === 0) return { n: 0 };
  const m = classificationMetrics(y, p);
  const out: MetricValues = { n: m.n, accuracy: m.accuracy, directional_accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1, roc_auc: finite(m.roc_auc), log_loss: finite(m.log_loss) };
  if (o.confusion) Object.assign(out, { tp: m.tp, fp: m.fp, tn: m.tn, fn: m.fn });
  return out;
}

export type Task = 'regression' | 'classification';

export const presetFor = (task: Task): typeof regressionPreset => (task === 'classification' ? classificationPreset : regressionPreset);
