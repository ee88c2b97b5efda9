/**
 * Binary classification quality as Evidently 0.7.23 reports it for a probabilistic prediction: labels are
 * `probability >= threshold` (legacy/calculations/classification_performance.py, threshold 0.5) and the
 * metrics are sklearn's (accuracy, precision, recall, F1 at pos_label, ROC AUC, log loss).
 * Rows with a missing/NaN label or probability are dropped.
 */

export type Label = number | string | boolean;

export interface ConfusionMatrix {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface ClassificationOptions {
  /** Label of the positive class. Default 1 (true counts as 1). */
  posLabel?: Label;
  /** Probability at or above which a row is predicted positive. Default 0.5. */
  threshold?: number;
}

export interface ClassificationMetrics extends ConfusionMatrix {
  n: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** NaN when only one class is present (sklearn raises there). */
  roc_auc: number;
  log_loss: number;
}

/** numpy float64 eps: sklearn clips probabilities to [eps, 1 − eps] before the log loss. */
const EPS = 2.220446049250313e-16;

function isPositive(label: Label, pos: Label): boolean {
  if (typeof label === 'boolean') label = label ? 1 : 0;
  if (typeof pos === 'boolean') pos = pos ? 1 : 0;
  return label === pos;
}

/** Positive flags and probabilities of the usable rows. */
export function cleanBinary(
  target: readonly (Label | null | undefined)[],
  probability: readonly (number | null | undefined)[],
  posLabel: Label = 1,
): { y: Uint8Array; p: Float64Array } {
  if (target.length !== probability.length) {
    throw new Error(`target and probability differ in length (${target.length} vs ${probability.length})`);
  }
  const y: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < target.length; i++) {
    const t = target[i];
    const q = probability[i];
    if (t === null || t === undefined || (typeof t === 'number' && Number.isNaN(t))) continue;
    if (typeof q !== 'number' || Number.isNaN(q)) continue;
    y.push(isPositive(t, posLabel) ? 1 : 0);
    p.push(q);
  }
  return { y: Uint8Array.from(y), p: Float64Array.from(p) };
}

/** Counts of a 2×2 confusion matrix from 0/1 truths and 0/1 predictions. */
export function confusionMatrix(y: ArrayLike<number>, predicted: ArrayLike<number>): ConfusionMatrix {
  const m: ConfusionMatrix = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < y.length; i++) {
    const t = y[i] === 1;
    const p = predicted[i] === 1;
    if (t && p) m.tp++;
    else if (!t && p) m.fp++;
    else if (!t && !p) m.tn++;
    else m.fn++;
  }
  return m;
}

/**
 * ROC AUC by the rank-sum (Mann–Whitney) identity, with tied scores given their average rank — which equals
 * sklearn's trapezoidal area under the ROC curve built on distinct thresholds. NaN with only one class.
 */
export function rocAuc(y: ArrayLike<number>, score: ArrayLike<number>): number {
  const n = y.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) if (y[i] === 1) nPos++;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (score[a] as number) - (score[b] as number));
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && score[order[j + 1] as number] === score[order[i] as number]) j++;
    const avgRank = (i + j) / 2 + 1; // ranks are 1-based
    for (let k = i; k <= j; k++) if (y[order[k] as number] === 1) rankSumPos += avgRank;
    i = j + 1;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * sklearn `log_loss(y, p)` for a binary problem: the probability pair is [1 − p, p], each clipped to
 * [eps, 1 − eps], loss = −mean(log of the true class's probability). Labels are fixed as {0, 1}, so a
 * single-class sample is fine (sklearn would need `labels=`).
 */
export function logLoss(y: ArrayLike<number>, probability: ArrayLike<number>): number {
  const n = y.length;
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = probability[i] as number;
    const q = y[i] === 1 ? p : 1 - p;
    sum += Math.log(Math.min(Math.max(q, EPS), 1 - EPS));
  }
  return -sum / n;
}

/**
 * Accuracy, precision, recall and F1 of `probability >= threshold` against `target == posLabel`, plus ROC
 * AUC and log loss of the probabilities. Precision, recall and F1 are 0 when undefined (sklearn's default
 * `zero_division`).
 */
export function classificationMetrics(
  target: readonly (Label | null | undefined)[],
  probability: readonly (number | null | undefined)[],
  opts: ClassificationOptions = {},
): ClassificationMetrics {
  const threshold = opts.threshold ?? 0.5;
  const { y, p } = cleanBinary(target, probability, opts.posLabel ?? 1);
  const predicted = p.map((v) => (v >= threshold ? 1 : 0));
  const cm = confusionMatrix(y, predicted);
  const n = y.length;
  const precision = cm.tp + cm.fp === 0 ? 0 : cm.tp / (cm.tp + cm.fp);
  const recall = cm.tp + cm.fn === 0 ? 0 : cm.tp / (cm.tp + cm.fn);
  const f1Denominator = 2 * cm.tp + cm.fp + cm.fn;
  return {
    n,
    ...cm,
    accuracy: n === 0 ? NaN : (cm.tp + cm.tn) / n,
    precision,
    recall,
    f1: f1Denominator === 0 ? 0 : (2 * cm.tp) / f1Denominator,
    roc_auc: rocAuc(y, p),
    log_loss: logLoss(y, p),
  };
}
