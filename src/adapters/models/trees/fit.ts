/**
 * Fitting of the two tree ensembles on the seam's terms: the time-ordered validation split of the
 * spec's trainer, a standardised target for numerical outputs (so losses read like the dense
 * backends'), `history` with one entry per tree (forest) or boosting round (gbdt), the spec's seed
 * for every random draw, `signal` checked and the event loop given a turn between trees.
 * Trees need no input normaliser (splits are invariant to monotone rescaling).
 */
import { splitByDate, type Sample } from '../../../domain/models/dataset.ts';
import { TrainingAborted, type EpochLog, type FitOptions, type TrainResult } from '../../../domain/models/model.ts';
import { seededRandom } from '../../../domain/models/rng.ts';
import { outputKind, type OutputKind } from '../../../domain/models/spec.ts';
import { assertFiniteInputs } from '../dense/train.ts';
import { sigmoid, TreeEnsembleModel, type TargetScale } from './model.ts';
import { featuresPerSplit, forestParamsSchema, gbdtParamsSchema, type ForestParams, type GbdtParams } from '../../../domain/models/tree-params.ts';
import { createArena, growTree, predictTree, type Tree, type TreeKernelChoice } from './tree.ts';

export interface TreeFitOptions extends FitOptions {
  /** Histogram kernels: WebAssembly when available (`auto`), or TypeScript — bit-identical either way. */
  kernel?: TreeKernelChoice;
}

interface Prepared {
  kind: OutputKind;
  d: number;
  train: Sample[];
  val: Sample[];
  X: Float64Array;
  Y: Float64Array;
  Xv: Float64Array;
  Yv: Float64Array;
  yScale: TargetScale;
  trainFrom: string;
  trainTo: string;
}

function matrix(samples: readonly Sample[], d: number): Float64Array {
  const X = new Float64Array(samples.length * d);
  samples.forEach((s, i) => X.set(s.x, i * d));
  return X;
}

function prepare(o: FitOptions, who: string): Prepared {
  const kind = outputKind(o.spec);
  const labelled = o.samples.filter((s) => s.y !== null);
  if (labelled.length < 20) throw new Error(`not enough labelled samples to train (${labelled.length}; need at least 20)`);
  const d = (labelled[0] as Sample).x.length;
  if (d !== o.columns.length) throw new Error(`samples have ${d} inputs but ${o.columns.length} columns are named`);
  for (const s of labelled) if (s.x.length !== d) throw new Error(`${who}: samples have ${s.x.length} and ${d} inputs; every sample needs the same columns`);
  assertFiniteInputs(labelled, o.columns, who);
  const { train, val } = splitByDate(labelled, o.spec.trainer.validation_split);
  let yScale: TargetScale = { mean: 0, std: 1 };
  if (kind === 'numerical') {
    const ys = train.map((s) => s.y as number);
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    yScale = { mean, std: Math.sqrt(ys.reduce((a, b) => a + (b - mean) ** 2, 0) / ys.length) || 1 };
  }
  const scaled = (s: Sample) => ((s.y as number) - yScale.mean) / yScale.std;
  return {
    kind,
    d,
    train,
    val,
    X: matrix(train, d),
    Y: Float64Array.from(train, scaled),
    Xv: matrix(val, d),
    Yv: Float64Array.from(val, scaled),
    yScale,
    trainFrom: (labelled[0] as Sample).date,
    trainTo: (labelled[labelled.length - 1] as Sample).date,
  };
}

/** Probabilities are clipped like Keras (ε = 1e-7) so a pure leaf does not make the loss infinite. */
function probabilityLoss(p: number, y: number): number {
  const q = Math.min(Math.max(p, 1e-7), 1 - 1e-7);
  return -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Adds each row's prediction by `tree` to `into`. */
function addTree(tree: Tree, X: Float64Array, d: number, into: Float64Array): void {
  for (let i = 0; i < into.length; i++) into[i] = into[i]! + predictTree(tree, X, i * d);
}

function result(o: FitOptions, p: Prepared, model: TreeEnsembleModel, history: EpochLog[], bestEpoch: number, stoppedEarly: boolean, started: number): TrainResult {
  return { model, history, bestEpoch, stoppedEarly, trainSamples: p.train.length, validationSamples: p.val.length, trainFrom: p.trainFrom, trainTo: p.trainTo, seconds: (performance.now() - started) / 1000 };
}

/**
 * Random forest: each tree grows on a bootstrap sample of the training rows (drawn with the
 * seeded PRNG) with `max_features` features drawn per split; the forest averages its trees. For
 * `direction` the trees fit the 0/1 labels with squared loss (Gini-equivalent splits), so their
 * average is the averaged leaf probability of P(up). No early stopping: more trees do not overfit.
 */
export async function fitForest(o: TreeFitOptions): Promise<TrainResult> {
  const started = performance.now();
  const params: ForestParams = forestParamsSchema.parse(o.spec.encoder);
  const p = prepare(o, 'forest backend');
  const n = p.train.length;
  const arena = createArena(p.X, n, p.d, params.bins, params.max_depth, o.kernel);
  const { g, h, rows } = arena;
  const random = seededRandom(o.spec.seed);
  const treeParams = { maxDepth: params.max_depth, minSamplesLeaf: params.min_samples_leaf, lambda: 0, featuresPerSplit: featuresPerSplit(params.max_features, p.d) };
  const weight = new Float64Array(n);
  const sumTrain = new Float64Array(n);
  const sumVal = new Float64Array(p.val.length);
  const trees: Tree[] = [];
  const history: EpochLog[] = [];
  const lossOf = (sum: Float64Array, Y: Float64Array, count: number) => {
    let s = 0;
    for (let i = 0; i < Y.length; i++) {
      const v = sum[i]! / count;
      s += p.kind === 'binary' ? probabilityLoss(v, Y[i]!) : (v - Y[i]!) * (v - Y[i]!);
    }
    return s / Y.length;
  };
  for (let t = 1; t <= params.trees; t++) {
    await yieldToEventLoop();
    if (o.signal?.aborted) throw new TrainingAborted();
    weight.fill(0);
    for (let k = 0; k < n; k++) {
      const i = Math.floor(random() * n);
      weight[i] = weight[i]! + 1;
    }
    let count = 0;
    for (let i = 0; i < n; i++) {
      const w = weight[i]!;
      if (w > 0) {
        rows[count++] = i;
        g[i] = -w * p.Y[i]!;
        h[i] = w;
      }
    }
    const tree = growTree(arena, count, treeParams, random);
    trees.push(tree);
    addTree(tree, p.X, p.d, sumTrain);
    addTree(tree, p.Xv, p.d, sumVal);
    const log: EpochLog = { epoch: t, loss: lossOf(sumTrain, p.Y, t), val_loss: p.val.length ? lossOf(sumVal, p.Yv, t) : null };
    history.push(log);
    o.onEpoch?.(log);
  }
  if (o.signal?.aborted) throw new TrainingAborted();
  const model = new TreeEnsembleModel({ spec: o.spec, columns: [...o.columns], params, trees, base: 0, yScale: p.yScale });
  return result(o, p, model, history, trees.length, false, started);
}

/**
 * Gradient boosting: squared loss (numerical, on the standardised target) or logistic loss
 * (direction, second-order Newton leaves), shrunk by `learning_rate`, each round on a seeded
 * `subsample` of the rows. Early stopping on the validation split counts rounds
 * (`trainer.early_stopping_patience`, 0 = never) and keeps the best round's trees.
 */
export async function fitGbdt(o: TreeFitOptions): Promise<TrainResult> {
  const started = performance.now();
  const params: GbdtParams = gbdtParamsSchema.parse(o.spec.encoder);
  const p = prepare(o, 'gbdt backend');
  const n = p.train.length;
  const binary = p.kind === 'binary';
  const arena = createArena(p.X, n, p.d, params.bins, params.max_depth, o.kernel);
  const { g, h, rows } = arena;
  const random = seededRandom(o.spec.seed);
  const treeParams = { maxDepth: params.max_depth, minSamplesLeaf: params.min_samples_leaf, lambda: params.l2, featuresPerSplit: p.d };
  let base = 0;
  for (let i = 0; i < n; i++) base += p.Y[i]!;
  base /= n;
  if (binary) {
    const rate = Math.min(Math.max(base, 1e-6), 1 - 1e-6);
    base = Math.log(rate / (1 - rate));
  }
  const F = new Float64Array(n).fill(base);
  const Fv = new Float64Array(p.val.length).fill(base);
  const trees: Tree[] = [];
  const history: EpochLog[] = [];
  const lossOf = (S: Float64Array, Y: Float64Array) => {
    let s = 0;
    for (let i = 0; i < Y.length; i++) s += binary ? probabilityLoss(sigmoid(S[i]!), Y[i]!) : (S[i]! - Y[i]!) * (S[i]! - Y[i]!);
    return s / Y.length;
  };
  const patience = o.spec.trainer.early_stopping_patience;
  let best = { round: 0, loss: Infinity };
  let stoppedEarly = false;
  for (let round = 1; round <= params.rounds; round++) {
    await yieldToEventLoop();
    if (o.signal?.aborted) throw new TrainingAborted();
    for (let i = 0; i < n; i++) {
      if (binary) {
        const q = sigmoid(F[i]!);
        g[i] = q - p.Y[i]!;
        h[i] = Math.max(q * (1 - q), 1e-16);
      } else {
        g[i] = F[i]! - p.Y[i]!;
        h[i] = 1;
      }
    }
    let count = 0;
    if (params.subsample < 1) {
      for (let i = 0; i < n; i++) if (random() < params.subsample) rows[count++] = i;
    } else {
      for (let i = 0; i < n; i++) rows[count++] = i;
    }
    const tree = growTree(arena, count, treeParams, random);
    for (let k = 0; k < tree.value.length; k++) if (tree.feature[k]! < 0) tree.value[k] = tree.value[k]! * params.learning_rate || 0;
    trees.push(tree);
    addTree(tree, p.X, p.d, F);
    addTree(tree, p.Xv, p.d, Fv);
    const log: EpochLog = { epoch: round, loss: lossOf(F, p.Y), val_loss: p.val.length ? lossOf(Fv, p.Yv) : null };
    history.push(log);
    o.onEpoch?.(log);
    const monitored = log.val_loss ?? log.loss;
    if (monitored < best.loss - 1e-9) best = { round, loss: monitored };
    else if (patience > 0 && round - best.round >= patience) {
      stoppedEarly = true;
      break;
    }
  }
  if (o.signal?.aborted) throw new TrainingAborted();
  const model = new TreeEnsembleModel({ spec: o.spec, columns: [...o.columns], params, trees: trees.slice(0, best.round), base, yScale: p.yScale });
  return result(o, p, model, history, best.round, stoppedEarly, started);
}
