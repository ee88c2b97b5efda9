/**
 * The TensorFlow.js model family (linear, MLP, LSTM) behind the ModelBackend seam. Training:
 * time-ordered validation split (the last share of dates), normaliser fitted on the training part
 * only, a seeded shuffle per epoch, early stopping that restores the best weights.
 * Same seed, same data, same backend → the same weights.
 */
import { tf, initBackend, type BackendName } from './backend.ts';
import { buildNetwork } from './network.ts';
import { fitNormalizer } from '../../../domain/models/normalize.ts';
import { seededRandom, shuffledIndices } from '../../../domain/models/rng.ts';
import { outputKind, type ModelSpec } from '../../../domain/models/spec.ts';
import { featureRows, splitByDate, windowOf } from '../../../domain/models/dataset.ts';
import type { Sample } from '../../../domain/models/dataset.ts';
import { TrainingAborted, type EpochLog, type FitOptions, type TrainResult } from '../../../domain/models/model.ts';
import { TfjsModel, toTensor, type TargetScale } from './model.ts';









/** `prefer`: the tfjs backend this fit asks for (the first fit of a process decides; see backend.ts). */
export async function trainModel(opts: FitOptions, prefer?: BackendName | 'auto'): Promise<TrainResult> {
  const started = performance.now();
  const backend = await initBackend(prefer);
  const { spec } = opts;
  const kind = outputKind(spec);
  const window = windowOf(spec);
  const labelled = opts.samples.filter((s) => s.y !== null);
  if (labelled.length < 20) throw new Error(`not enough labelled samples to train (${labelled.length}; need at least 20)`);
  const d = (labelled[0] as Sample).x.length / window;
  const { train, val } = splitByDate(labelled, spec.trainer.validation_split);
  const normalizer = fitNormalizer(featureRows(train, window, d));
  const ys = train.map((s) => s.y as number);
  const yScale: TargetScale =
    kind === 'binary'
      ? { mean: 0, std: 1 }
      : (() => {
          const m = ys.reduce((a, b) => a + b, 0) / ys.length;
          const sd = Math.sqrt(ys.reduce((a, b) => a + (b - m) ** 2, 0) / ys.length) || 1;
          return { mean: m, std: sd };
        })();
  const scaleY = (y: number) => (y - yScale.mean) / yScale.std;

  const net = buildNetwork(spec.encoder, d * window, window, kind, spec.seed);
  if (opts.warmStart instanceof TfjsModel && sameArchitecture(opts.warmStart, spec, opts.columns)) {
    net.setWeights(opts.warmStart.net.getWeights().map((w) => w.clone()));
  }
  net.compile({
    optimizer: tf.train.adam(spec.trainer.learning_rate),
    loss: kind === 'binary' ? 'binaryCrossentropy' : 'meanSquaredError',
  });

  const xTrain = toTensor(train, normalizer, window, d);
  const yTrain = tf.tensor2d(train.map((s) => scaleY(s.y as number)), [train.length, 1]);
  const xVal = val.length ? toTensor(val, normalizer, window, d) : null;
  const yVal = val.length ? tf.tensor2d(val.map((s) => scaleY(s.y as number)), [val.length, 1]) : null;

  const random = seededRandom(spec.seed ^ 0x5eed);
  const history: EpochLog[] = [];
  let best = { epoch: 0, loss: Infinity, weights: null as tf.Tensor[] | null };
  let sinceBest = 0;
  let stoppedEarly = false;
  try {
    for (let epoch = 1; epoch <= spec.trainer.epochs; epoch++) {
      if (opts.signal?.aborted) throw new TrainingAborted();
      const order = tf.tensor1d(shuffledIndices(train.length, random), 'int32');
      const xs = tf.gather(xTrain, order);
      const yb = tf.gather(yTrain, order);
      let h: tf.History;
      try {
        h = await net.fit(xs, yb, {
          epochs: 1,
          batchSize: spec.trainer.batch_size,
          shuffle: false,
          verbose: 0,
          ...(xVal && yVal ? { validationData: [xVal, yVal] as [tf.Tensor, tf.Tensor] } : {}),
          callbacks: {
            onBatchEnd: async () => {
              if (opts.signal?.aborted) net.stopTraining = true;
            },
          },
        });
      } finally {
        tf.dispose([order, xs, yb]);
      }
      if (opts.signal?.aborted) throw new TrainingAborted();
      const loss = Number(h.history.loss?.[0]);
      const valLoss = h.history.val_loss ? Number(h.history.val_loss[0]) : null;
      const log: EpochLog = { epoch, loss, val_loss: valLoss };
      history.push(log);
      opts.onEpoch?.(log);
      const monitored = valLoss ?? loss;
      if (monitored < best.loss - 1e-9) {
        best.weights?.forEach((w) => w.dispose());
        best = { epoch, loss: monitored, weights: net.getWeights().map((w) => w.clone()) };
        sinceBest = 0;
      } else if (spec.trainer.early_stopping_patience > 0 && ++sinceBest >= spec.trainer.early_stopping_patience) {
        stoppedEarly = true;
        break;
      }
    }
    if (best.weights) net.setWeights(best.weights);
  } finally {
    best.weights?.forEach((w) => w.dispose());
    tf.dispose([xTrain, yTrain, ...(xVal ? [xVal] : []), ...(yVal ? [yVal] : [])]);
  }
  const dates = labelled.map((s) => s.date);
  return {
    model: new TfjsModel(net, spec, opts.columns, normalizer, yScale, backend),
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

function sameArchitecture(m: TfjsModel, spec: ModelSpec, columns: readonly string[]): boolean {
  return JSON.stringify(m.spec.encoder) === JSON.stringify(spec.encoder) && m.columns.join() === columns.join() && m.spec.output.feature === spec.output.feature;
}

