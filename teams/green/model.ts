/**
 * Team green's model, a plug-in: ridge regression, solved in closed form. Inputs are standardised
 * on the training rows only, the time-ordered validation split reports a validation loss, and the
 * fitted weights are stored as JSON (so a reload predicts bit for bit the same).
 *
 * A model family is one object: `kind`, a zod `schema` for its `model.encoder` parameters, `fit`
 * (samples → a TrainedModel that predicts and saves itself) and `load` (files → the same model).
 */
import { z } from 'zod';
import { applyNormalizer, featureRows, fitNormalizer, splitByDate, type ModelBackend, type ModelFiles, type ModelSpec, type Normalizer, type Sample, type TrainedModel } from '../../src/plugin-api.ts';

const schema = z.object({
  module: z.string(),
  /** L2 penalty per sample (λ in (XᵀX + λ·n·I) w = Xᵀy). */
  alpha: z.number().min(0).max(100).default(1),
});

interface RidgeState {
  format: 'green/ridge@1';
  normalizer: Normalizer;
  weights: number[];
  intercept: number;
}

/** Solves A x = b for a symmetric positive definite A (Cholesky); A is n × n, row-major. */
function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * n + k] as number) * (l[j * n + k] as number);
      l[i * n + j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / (l[j * n + j] as number);
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * n + k] as number) * (y[k] as number);
    y[i] = s / (l[i * n + i] as number);
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i] as number;
    for (let k = i + 1; k < n; k++) s -= (l[k * n + i] as number) * (x[k] as number);
    x[i] = s / (l[i * n + i] as number);
  }
  return x;
}

class RidgeModel implements TrainedModel {
  readonly backend = 'js';
  constructor(
    readonly spec: ModelSpec,
    readonly columns: string[],
    private readonly state: RidgeState,
  ) {}

  predict(samples: readonly Sample[]): number[] {
    return samples.map((s) => applyNormalizer(this.state.normalizer, s.x).reduce((acc, v, j) => acc + v * (this.state.weights[j] as number), this.state.intercept));
  }

  async save(): Promise<ModelFiles> {
    return { 'model.json': new TextEncoder().encode(JSON.stringify(this.state)) };
  }

  dispose(): void {}
}

const mse = (m: RidgeModel, rows: readonly Sample[]): number | null => (rows.length ? m.predict(rows).reduce((a, p, i) => a + (p - (rows[i]?.y as number)) ** 2, 0) / rows.length : null);

const ridge: ModelBackend<z.infer<typeof schema>> = {
  kind: 'green-ridge',
  schema,
  describe: () => 'plain TypeScript (closed-form ridge regression)',
  async fit(o) {
    const t0 = performance.now();
    if (o.spec.output.feature === 'direction') throw new Error('green-ridge is a regression model: use output.feature return or close');
    const labelled = o.samples.filter((s) => s.y !== null);
    if (labelled.length < 20) throw new Error(`not enough labelled samples to train (${labelled.length}; need at least 20)`);
    const { train, val } = splitByDate(labelled, o.spec.trainer.validation_split);
    const d = (labelled[0] as Sample).x.length;
    const normalizer = fitNormalizer(featureRows(train, 1, d));
    const alpha = schema.parse(o.spec.encoder).alpha;
    const ys = train.map((s) => s.y as number);
    const yMean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const xtx = new Float64Array(d * d);
    const xty = new Float64Array(d);
    for (const [i, s] of train.entries()) {
      const z = applyNormalizer(normalizer, s.x);
      const y = (ys[i] as number) - yMean;
      for (let j = 0; j < d; j++) {
        const zj = z[j] as number;
        xty[j] = (xty[j] as number) + zj * y;
        for (let k = 0; k <= j; k++) xtx[j * d + k] = (xtx[j * d + k] as number) + zj * (z[k] as number);
      }
    }
    for (let j = 0; j < d; j++) {
      for (let k = 0; k < j; k++) xtx[k * d + j] = xtx[j * d + k] as number;
      xtx[j * d + j] = (xtx[j * d + j] as number) + alpha * train.length;
    }
    const weights = [...solveSpd(xtx, xty, d)];
    const model = new RidgeModel(o.spec, o.columns, { format: 'green/ridge@1', normalizer, weights, intercept: yMean });
    const loss = mse(model, train) as number;
    const log = { epoch: 1, loss, val_loss: mse(model, val) };
    o.onEpoch?.(log);
    const dates = labelled.map((s) => s.date);
    return { model, history: [log], bestEpoch: 1, stoppedEarly: false, trainSamples: train.length, validationSamples: val.length, trainFrom: dates[0] as string, trainTo: dates[dates.length - 1] as string, seconds: (performance.now() - t0) / 1000 };
  },
  async load(files, meta) {
    const bytes = files['model.json'];
    if (!bytes) throw new Error('green-ridge: model.json missing');
    const state = JSON.parse(new TextDecoder().decode(bytes)) as RidgeState;
    if (state.format !== 'green/ridge@1') throw new Error(`green-ridge: unknown model format ${String(state.format)}`);
    return new RidgeModel(meta.spec, meta.columns, state);
  },
};

export default ridge;
