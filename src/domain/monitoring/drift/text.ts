/**
 * Evidently's text-content drift test (legacy/utils/data_drift_utils.py `calculate_text_drift_score`): a
 * domain classifier learns to tell current texts from reference texts, and the column drifts when it can.
 *
 * - the texts of both sides (reference labelled 0, current 1) are shuffled and split in halves (test half
 *   rounded up), as `train_test_split(test_size=0.5, shuffle=True)`;
 * - a TF-IDF vectorizer is fitted on the train half as scikit-learn's `TfidfVectorizer(sublinear_tf=True,
 *   max_df=0.5, stop_words="english")`: lower case, tokens of 2+ word characters, the English stop words
 *   dropped, terms in more than half the train texts dropped, tf = 1 + ln(count), idf = ln((1+n)/(1+df)) + 1,
 *   rows L2-normalised;
 * - a linear classifier is fitted as `SGDClassifier(alpha=0.0001, max_iter=50, penalty="l1",
 *   loss="modified_huber")` (see `fitModifiedHuberL1`), and scored by ROC AUC on the test half;
 * - `abs_text_content_drift` (Evidently's default above 1,000 reference rows): drift when AUC > threshold (0.55);
 * - `perc_text_content_drift` (default up to 1,000 rows): drift when AUC > the `threshold` percentile (0.95)
 *   of the AUCs 1,000 random classifiers get on the same test labels.
 *
 * Written by hand because no maintained TypeScript library does TF-IDF with scikit-learn's conventions plus a
 * sparse L1 SGD; the shuffles use our seeded PRNG, not numpy's, so scores match Evidently's closely but not
 * bit for bit (tests/integration/evidently-parity.test.ts measures how closely).
 */
import { seededRandom, shuffledIndices } from '../../models/rng.ts';
import { ENGLISH_STOP_WORDS } from './stop-words.ts';

export type TextDriftTest = 'perc_text_content_drift' | 'abs_text_content_drift';

export interface TextDrift {
  /** ROC AUC of the domain classifier on the held-out half. */
  score: number;
  /** The AUC the score must exceed: `threshold` itself (abs), or the random classifiers' percentile (perc). */
  critical: number;
  drift: boolean;
}

/** Evidently's seed (`random_state=42`) for the split, the classifier's shuffles and the random classifiers. */
const SEED = 42;
const RANDOM_CLASSIFIERS = 1000;

/** A sparse row: term indices and their weights. */
interface SparseRow {
  idx: Int32Array;
  val: Float64Array;
}

/** scikit-learn's default `token_pattern` `(?u)\b\w\w+\b` after lower-casing. */
const TOKEN = /[\p{L}\p{M}\p{N}_]{2,}/gu;

export function tokenize(text: string): string[] {
  return (text.toLowerCase().match(TOKEN) ?? []).filter((t) => !ENGLISH_STOP_WORDS.has(t));
}

/** A TF-IDF vectorizer fitted on `train` (see the module comment); returns a transform for any texts. */
export function fitTfidf(train: readonly string[], maxDf = 0.5): { vocabulary: ReadonlyMap<string, number>; transform: (texts: readonly string[]) => SparseRow[] } {
  const df = new Map<string, number>();
  for (const text of train) for (const term of new Set(tokenize(text))) df.set(term, (df.get(term) ?? 0) + 1);
  const maxCount = maxDf * train.length;
  const terms = [...df.keys()].filter((t) => (df.get(t) as number) <= maxCount).sort();
  const vocabulary = new Map(terms.map((t, i) => [t, i]));
  const n = train.length;
  const idf = Float64Array.from(terms, (t) => Math.log((1 + n) / (1 + (df.get(t) as number))) + 1);
  const transform = (texts: readonly string[]): SparseRow[] =>
    texts.map((text) => {
      const counts = new Map<number, number>();
      for (const term of tokenize(text)) {
        const i = vocabulary.get(term);
        if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
      }
      const idx = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
      const val = Float64Array.from(idx, (i) => (1 + Math.log(counts.get(i) as number)) * (idf[i] as number));
      // A loop, not Math.hypot(...val): a long text's terms would overflow the call's argument limit.
      let squares = 0;
      for (const v of val) squares += v * v;
      const norm = Math.sqrt(squares);
      if (norm > 0) for (let k = 0; k < val.length; k++) val[k] = (val[k] as number) / norm;
      return { idx, val };
    });
  return { vocabulary, transform };
}

function modifiedHuberLoss(y: number, p: number): number {
  const z = y * p;
  if (z >= 1) return 0;
  return z >= -1 ? (1 - z) * (1 - z) : -4 * z;
}

function modifiedHuberDloss(y: number, p: number): number {
  const z = y * p;
  if (z >= 1) return 0;
  return z >= -1 ? -2 * (1 - z) * y : -4 * y;
}

/**
 * scikit-learn's plain SGD (`_plain_sgd`) for `SGDClassifier(loss="modified_huber", penalty="l1",
 * alpha=1e-4, max_iter=50, tol=1e-3)` on sparse rows: the "optimal" learning rate 1/(alpha·(t0 + t)), the
 * cumulative L1 penalty of Tsuruoka et al. (2009), an intercept updated at 1/100 of the rate (its decay for
 * sparse input), a shuffle per epoch, and a stop once the epoch's mean objective (loss + alpha·|w|₁) has not
 * improved by tol five epochs in a row.
 * `y` holds ±1. Returns the decision function.
 */
export function fitModifiedHuberL1(rows: readonly SparseRow[], y: readonly number[], features: number, seed = SEED): (row: SparseRow) => number {
  const alpha = 1e-4;
  const maxIter = 50;
  const tol = 1e-3;
  const patience = 5;
  const interceptDecay = 0.01;
  const w = new Float64Array(features);
  const q = new Float64Array(features); // L1 penalty already applied to each weight
  let u = 0; // L1 penalty every weight could have received so far
  let intercept = 0;
  const typw = Math.sqrt(1 / Math.sqrt(alpha));
  const eta0 = typw / Math.max(1, modifiedHuberDloss(1, -typw));
  const optimalInit = 1 / (eta0 * alpha);
  const random = seededRandom(seed);
  let t = 1;
  let l1 = 0; // |w|₁, kept as the weights change (the objective needs it at every sample)
  let bestObjective = Infinity;
  let noImprovement = 0;
  const dot = (r: SparseRow) => {
    let s = intercept;
    for (let k = 0; k < r.idx.length; k++) s += (w[r.idx[k] as number] as number) * (r.val[k] as number);
    return s;
  };
  for (let epoch = 0; epoch < maxIter; epoch++) {
    let objective = 0;
    for (const i of shuffledIndices(rows.length, random)) {
      const row = rows[i] as SparseRow;
      const yi = y[i] as number;
      const eta = 1 / (alpha * (optimalInit + t - 1));
      const p = dot(row);
      objective += modifiedHuberLoss(yi, p) + alpha * l1;
      const update = -eta * Math.max(modifiedHuberDloss(yi, p), -1e12);
      if (update !== 0) {
        for (let k = 0; k < row.idx.length; k++) {
          const j = row.idx[k] as number;
          const before = w[j] as number;
          w[j] = before + update * (row.val[k] as number);
          l1 += Math.abs(w[j] as number) - Math.abs(before);
        }
        intercept += update * interceptDecay;
      }
      u += eta * alpha;
      for (let k = 0; k < row.idx.length; k++) {
        const j = row.idx[k] as number;
        const z = w[j] as number;
        if (z > 0) w[j] = Math.max(0, z - (u + (q[j] as number)));
        else if (z < 0) w[j] = Math.min(0, z + (u - (q[j] as number)));
        q[j] = (q[j] as number) + ((w[j] as number) - z);
        l1 += Math.abs(w[j] as number) - Math.abs(z);
      }
      t++;
    }
    const mean = objective / rows.length;
    noImprovement = mean > bestObjective - tol ? noImprovement + 1 : 0;
    bestObjective = Math.min(bestObjective, mean);
    if (noImprovement >= patience) break;
  }
  return dot;
}

/** ROC AUC of `scores` for the positive labels (1), ties counted half (the Mann–Whitney U statistic). */
export function rocAuc(labels: readonly number[], scores: readonly number[]): number {
  const order = Array.from(scores.keys()).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k] as number] === 1) {
        positives++;
        rankSum += rank;
      }
    }
    i = j + 1;
  }
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) throw new Error('ROC AUC needs both labels among the held-out texts');
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** The `level` percentile (linear interpolation, numpy's default) of the AUCs random classifiers score on `labels`. */
export function randomClassifierPercentile(labels: readonly number[], level: number, seed = SEED): number {
  const random = seededRandom(seed);
  const aucs = Array.from({ length: RANDOM_CLASSIFIERS }, () => rocAuc(labels, labels.map(() => random()))).sort((a, b) => a - b);
  const pos = level * (aucs.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, aucs.length - 1);
  return (aucs[lo] as number) + (pos - lo) * ((aucs[hi] as number) - (aucs[lo] as number));
}

/**
 * Evidently's text-content drift of one text column (cleaned: no missing values). Throws when either half of
 * the split lacks texts from one side (Evidently's classifier and AUC fail there too): a few rows are
 * not enough to learn anything. A vocabulary left empty by the stop words and `max_df` (Evidently raises
 * "empty vocabulary") gives a classifier that cannot tell the sides apart: AUC 0.5.
 */
export function textContentDrift(reference: readonly string[], current: readonly string[], test: TextDriftTest, threshold: number, column = 'column'): TextDrift {
  const texts = [...reference, ...current];
  const labels = texts.map((_, i) => (i < reference.length ? 0 : 1));
  const order = shuffledIndices(texts.length, seededRandom(SEED));
  const nTest = Math.ceil(texts.length / 2);
  const testIdx = order.slice(0, nTest);
  const trainIdx = order.slice(nTest);
  const pick = <T>(xs: readonly T[], idx: readonly number[]) => idx.map((i) => xs[i] as T);
  const yTrain = pick(labels, trainIdx);
  const yTest = pick(labels, testIdx);
  for (const [half, ys] of [['train', yTrain], ['test', yTest]] as const) {
    if (!ys.includes(0) || !ys.includes(1)) {
      throw new Error(`Text column '${column}': the ${half} half of the domain classifier's split has no ${ys.includes(0) ? 'current' : 'reference'} text (${reference.length} reference and ${current.length} current texts are too few)`);
    }
  }
  const tfidf = fitTfidf(pick(texts, trainIdx));
  let score = 0.5;
  if (tfidf.vocabulary.size > 0) {
    const decide = fitModifiedHuberL1(tfidf.transform(pick(texts, trainIdx)), yTrain.map((v) => (v === 1 ? 1 : -1)), tfidf.vocabulary.size);
    // modified_huber's predict_proba: (clip(decision, -1, 1) + 1) / 2.
    const proba = tfidf.transform(pick(texts, testIdx)).map((r) => (Math.min(1, Math.max(-1, decide(r))) + 1) / 2);
    score = rocAuc(yTest, proba);
  }
  const critical = test === 'abs_text_content_drift' ? threshold : randomClassifierPercentile(yTest, threshold);
  return { score, critical, drift: score > critical };
}
