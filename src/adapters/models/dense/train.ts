/**
 * Training of `linear` and `mlp` encoders in plain TypeScript, with the tfjs trainer's semantics
 * step for step: the time-ordered validation split, a normaliser fitted on the training part only,
 * a standardised target for numerical outputs, seeded Glorot-uniform kernels, Adam, L2 on the hidden
 * kernels, MSE or (sigmoid) binary cross-entropy, the same seeded shuffle per epoch, and early
 * stopping on the validation loss that restores the best epoch's weights. `loss` is the sample-weighted
 * mean of the epoch's batch losses (penalty included), `val_loss` the data loss on the validation part,
 * as in Keras. Same seed, same data ⇒ bit-identical weights (float64, fixed summation order).
 */
import { featureRows, splitByDate, type Sample } from '../../../domain/models/dataset.ts';
import { TrainingAborted, type FitOptions, type TrainResult } from '../../../domain/models/model.ts';
import { applyNormalizer, fitNormalizer, type Normalizer } from '../../../domain/models/normalize.ts';
import { seededRandom, shuffledIndices } from '../../../domain/models/rng.ts';
import { outputKind, type ModelSpec } from '../../../domain/models/spec.ts';
import { DenseModel, type TargetScale } from './model.ts';
import { architecture, cloneLayers, copyWeights, initLayers, logLoss, type DenseLayer, type HiddenActivation } from './network.ts';
import { Workspace, type KernelChoice } from './workspace.ts';

export interface DenseFitOptions extends FitOptions {
  /** Start from these weights instead of the seeded initialisation (the tfjs parity test loads tfjs's initial weights). */
  initialLayers?: readonly DenseLayer[];
  /** The product kernel: WebAssembly SIMD when available (`auto`), or the TypeScript one — bit-identical either way. */
  kernel?: KernelChoice;
}

export function denseShape(spec: ModelSpec): { hidden: number[]; activation: HiddenActivation; l2: number } {
  switch (spec.encoder.type) {
    case 'linear':
      return { hidden: [], activation: 'relu', l2: 0 };
    case 'mlp':
      return { hidden: spec.encoder.hidden, activation: spec.encoder.activation, l2: spec.encoder.l2 };
    default:
      throw new Error(`the js dense backend trains linear and mlp encoders, not "${spec.encoder.type}"`);
  }
}

/** Normalised inputs as one row-major matrix (n × d). */
export function normalisedMatrix(samples: readonly Sample[], norm: Normalizer, d: number): Float64Array {
  const X = new Float64Array(samples.length * d);
  samples.forEach((s, i) => X.set(applyNormalizer(norm, s.x), i * d));
  return X;
}

/** Throws on a non-finite input: the tfjs trainer would silently learn NaN weights from one. */
export function assertFiniteInputs(samples: readonly Sample[], columns: readonly string[], who: string): void {
  for (const s of samples) {
    for (let j = 0; j < s.x.length; j++) {
      const v = s.x[j] as number;
      if (!Number.isFinite(v)) throw new Error(`${who}: input "${columns[j] ?? `#${j}`}" is ${v} for ${s.symbol} on ${s.date}; every input must be a finite number (fill or drop missing values before training)`);
    }
    if (s.y !== null && !Number.isFinite(s.y)) throw new Error(`${who}: the target is ${s.y} for ${s.symbol} on ${s.date}; targets must be finite`);
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function fitDense(o: DenseFitOptions): Promise<TrainResult> {
  const started = performance.now();
  const { spec } = o;
  const kind = outputKind(spec);
  const { hidden, activation, l2 } = denseShape(spec);
  const labelled = o.samples.filter((s) => s.y !== null);
  if (labelled.length < 20) throw new Error(`not enough labelled samples to train (${labelled.length}; need at least 20)`);
  const d = (labelled[0] as Sample).x.length;
  if (d !== o.columns.length) throw new Error(`samples have ${d} inputs but ${o.columns.length} columns are named`);
  for (const s of labelled) if (s.x.length !== d) throw new Error(`dense backend: samples have ${s.x.length} and ${d} inputs; every sample needs the same columns`);
  assertFiniteInputs(labelled, o.columns, 'dense backend');
  const { train, val } = splitByDate(labelled, spec.trainer.validation_split);
  const normalizer = fitNormalizer(featureRows(train, 1, d));
  const yScale: TargetScale = kind === 'binary' ? { mean: 0, std: 1 } : targetScale(train);

  const shape = architecture(d, hidden, activation);
  const layers = o.initialLayers ? cloneLayers(o.initialLayers) : initLayers(shape, spec.seed);
  if (!o.initialLayers && o.warmStart instanceof DenseModel && o.warmStart.sameArchitecture(spec, o.columns)) copyWeights(o.warmStart.layers, layers);
  if (layers.length !== shape.length || layers.some((l, i) => l.inputs !== shape[i]?.inputs || l.units !== shape[i]?.units)) throw new Error('initial weights do not match the architecture');

  const batch = Math.min(spec.trainer.batch_size, train.length);
  const X = normalisedMatrix(train, normalizer, d);
  const Y = Float64Array.from(train, (s) => ((s.y as number) - yScale.mean) / yScale.std);
  const Xv = normalisedMatrix(val, normalizer, d);
  const Yv = Float64Array.from(val, (s) => ((s.y as number) - yScale.mean) / yScale.std);
  const ws = new Workspace(layers, batch, o.kernel ?? 'auto');
  const lr = spec.trainer.learning_rate;

  /** Mean data loss of a whole matrix, in batch-sized chunks through the workspace. */
  const dataLoss = (Xm: Float64Array, Ym: Float64Array): number => {
    const n = Ym.length;
    let sum = 0;
    for (let start = 0; start < n; start += batch) {
      const rows = Math.min(batch, n - start);
      for (let i = 0; i < rows; i++) ws.setInput(i, Xm, (start + i) * d);
      ws.forward(rows);
      for (let i = 0; i < rows; i++) {
        const z = ws.output(i);
        const y = Ym[start + i]!;
        sum += kind === 'binary' ? logLoss(z, y) : (z - y) * (z - y);
      }
    }
    return sum / n;
  };

  const random = seededRandom(spec.seed ^ 0x5eed);
  const history: TrainResult['history'] = [];
  let best = { epoch: 0, loss: Infinity, layers: null as DenseLayer[] | null };
  let sinceBest = 0;
  let stoppedEarly = false;
  for (let epoch = 1; epoch <= spec.trainer.epochs; epoch++) {
    await yieldToEventLoop(); // lets an abort (timer, signal handler) land between epochs
    if (o.signal?.aborted) throw new TrainingAborted();
    const order = shuffledIndices(train.length, random);
    let lossSum = 0;
    for (let start = 0; start < train.length; start += batch) {
      if (o.signal?.aborted) throw new TrainingAborted();
      const rows = Math.min(batch, train.length - start);
      for (let i = 0; i < rows; i++) ws.setInput(i, X, (order[start + i] as number) * d);
      ws.forward(rows);
      let batchLoss = 0;
      for (let i = 0; i < rows; i++) {
        const z = ws.output(i);
        const y = Y[order[start + i] as number]!;
        if (kind === 'binary') {
          batchLoss += logLoss(z, y);
          ws.setOutputDelta(i, (1 / (1 + Math.exp(-z)) - y) / rows);
        } else {
          const e = z - y;
          batchLoss += e * e;
          ws.setOutputDelta(i, (2 * e) / rows);
        }
      }
      ws.backward(rows);
      const penalty = ws.addL2(l2);
      ws.adam(lr);
      lossSum += (batchLoss / rows + penalty) * rows;
    }
    const log = { epoch, loss: lossSum / train.length, val_loss: val.length ? dataLoss(Xv, Yv) : null };
    history.push(log);
    o.onEpoch?.(log);
    const monitored = log.val_loss ?? log.loss;
    if (monitored < best.loss - 1e-9) {
      best = { epoch, loss: monitored, layers: ws.weights() };
      sinceBest = 0;
    } else if (spec.trainer.early_stopping_patience > 0 && ++sinceBest >= spec.trainer.early_stopping_patience) {
      stoppedEarly = true;
      break;
    }
  }
  if (o.signal?.aborted) throw new TrainingAborted();
  const trained = best.layers ?? ws.weights();
  const dates = labelled.map((s) => s.date);
  return {
    model: new DenseModel({ spec, columns: [...o.columns], layers: trained, normalizer, yScale }),
    history,
    bestEpoch: best.epoch,
    stoppedEarly,
    trainSamples: train.length,
    validationSamples: val.length,
    trainFrom: dates[0] as string,
    trainTo: dates[dates.length - 1] as string,
    seconds: (performance.now() - started) / 1000,
  };
}

function targetScale(train: readonly Sample[]): TargetScale {
  const ys = train.map((s) => s.y as number);
  const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
  const std = Math.sqrt(ys.reduce((a, b) => a + (b - mean) ** 2, 0) / ys.length) || 1;
  return { mean, std };
}
