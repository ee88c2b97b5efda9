/**
 * The js dense backend: deterministic to the bit (in and across processes), a lossless save/load,
 * learns a planted signal and nothing from shuffled labels, restores the best epoch, honours an abort,
 * and follows tfjs step for step when both start from the same weights.
 */
import { describe, expect, it } from 'vitest';
import { splitByDate, type Sample } from '../../../domain/models/dataset.ts';
import { TrainingAborted, type EpochLog } from '../../../domain/models/model.ts';
import { modelSpecSchema, type ModelSpec } from '../../../domain/models/spec.ts';
import { columnNames, fingerprintInChild, modelFingerprint, plantedSamples, shuffleLabels, type TabularOptions } from '../../../testing/tabular.ts';
import { denseLinearBackend, denseMlpBackend } from './index.ts';
import { loadDense } from './model.ts';
import type { DenseLayer } from './network.ts';
import { fitDense } from './train.ts';

const D = 10;
const columns = columnNames(D);
const data = (o: TabularOptions = {}): Sample[] => plantedSamples({ symbols: 8, days: 250, d: D, seed: 21, ...o });

const specOf = (feature: 'return' | 'direction' | 'close', encoder: unknown, trainer: Record<string, unknown> = {}, seed = 3): ModelSpec =>
  modelSpecSchema.parse({ output: { feature }, encoder, trainer: { epochs: 12, batch_size: 64, learning_rate: 0.003, early_stopping_patience: 0, validation_split: 0.2, ...trainer }, seed });

const mlp = { type: 'mlp', hidden: [16, 8], activation: 'relu', l2: 0.0001 };

/** Validation R² (numerical) or accuracy (direction) of a model on the spec's own validation part. */
function validationScore(predict: (s: readonly Sample[]) => number[], samples: Sample[], spec: ModelSpec): number {
  const { val } = splitByDate(samples, spec.trainer.validation_split);
  const p = predict(val);
  if (spec.output.feature === 'direction') return val.filter((s, i) => ((p[i] as number) > 0.5 ? 1 : 0) === s.y).length / val.length;
  const mean = val.reduce((a, s) => a + (s.y as number), 0) / val.length;
  const ss = val.reduce((a, s) => a + ((s.y as number) - mean) ** 2, 0);
  return 1 - val.reduce((a, s, i) => a + ((s.y as number) - (p[i] as number)) ** 2, 0) / ss;
}

describe('dense backend (js)', () => {
  it('is deterministic: same seed ⇒ bit-identical predictions and files, in this process and in another', { timeout: 60_000 }, async () => {
    const samples = data();
    const spec = specOf('return', mlp);
    const a = await fitDense({ samples, spec, columns });
    const b = await fitDense({ samples, spec, columns });
    const fa = await modelFingerprint(a.model, samples);
    expect(await modelFingerprint(b.model, samples)).toEqual(fa);
    expect(a.history).toEqual(b.history);
    const other = await fitDense({ samples, spec: { ...spec, seed: 4 }, columns });
    expect((await modelFingerprint(other.model, samples)).predictions).not.toBe(fa.predictions);
    expect(await fingerprintInChild({ backend: 'dense', spec, data: { symbols: 8, days: 250, d: D, seed: 21 } })).toEqual(fa);
  });

  it.each([
    ['relu', specOf('return', { type: 'mlp', hidden: [16, 7], activation: 'relu', l2: 0.001 }, { batch_size: 33 })],
    ['tanh, odd widths', specOf('direction', { type: 'mlp', hidden: [5, 3], activation: 'tanh', l2: 0 }, { batch_size: 31 })],
    ['elu', specOf('return', { type: 'mlp', hidden: [9], activation: 'elu', l2: 0.01 })],
    ['linear', specOf('direction', { type: 'linear' })],
  ])('%s: the WebAssembly SIMD kernel and the TypeScript kernel give the same model to the bit', async (_name, spec) => {
    const samples = data({ d: 11, output: spec.output.feature === 'direction' ? 'direction' : 'return' });
    const cols = columnNames(11);
    const wasm = await fitDense({ samples, spec, columns: cols, kernel: 'wasm' });
    const js = await fitDense({ samples, spec, columns: cols, kernel: 'js' });
    expect(await modelFingerprint(js.model, samples)).toEqual(await modelFingerprint(wasm.model, samples));
    expect(js.history).toEqual(wasm.history);
  });

  it.each([
    ['mlp regression', specOf('return', mlp)],
    ['tanh mlp on close', specOf('close', { type: 'mlp', hidden: [8], activation: 'tanh', l2: 0 })],
    ['logistic direction', specOf('direction', { type: 'linear' })],
    ['elu mlp direction', specOf('direction', { type: 'mlp', hidden: [8], activation: 'elu', l2: 0.001 })],
  ])('%s: save → load predicts bit-identically and re-saves the same bytes', async (_name, spec) => {
    const samples = data({ output: spec.output.feature === 'direction' ? 'direction' : 'return' });
    const { model } = await fitDense({ samples, spec, columns });
    const files = await model.save();
    expect(Object.keys(files).sort()).toEqual(['model.json', 'weights.bin']);
    const loaded = await loadDense(files, { spec, columns });
    expect(new Float64Array(loaded.predict(samples))).toEqual(new Float64Array(model.predict(samples)));
    expect(await loaded.save()).toEqual(files);
    expect(loaded.backend).toBe('js');
  });

  it('finds a planted signal (y = 0.3·x0 − 0.2·x1 + noise) and nothing in shuffled labels', async () => {
    // Noise 0.5: the best achievable R² is 0.13 / 0.38 ≈ 0.34; accuracy ≈ 0.72.
    const reg = specOf('return', mlp);
    const planted = data();
    const fit = await fitDense({ samples: planted, spec: reg, columns });
    expect(validationScore((s) => fit.model.predict(s), planted, reg)).toBeGreaterThan(0.25);
    const shuffled = shuffleLabels(planted, 9);
    const noise = await fitDense({ samples: shuffled, spec: reg, columns });
    expect(validationScore((s) => noise.model.predict(s), shuffled, reg)).toBeLessThan(0.02);

    const cls = specOf('direction', { type: 'linear' });
    const up = data({ output: 'direction' });
    const logit = await fitDense({ samples: up, spec: cls, columns });
    expect(validationScore((s) => logit.model.predict(s), up, cls)).toBeGreaterThan(0.65);
    // 400 validation rows: chance is 0.5 ± 0.025 (1 sd).
    const upShuffled = shuffleLabels(up, 9);
    const chance = await fitDense({ samples: upShuffled, spec: cls, columns });
    const acc = validationScore((s) => chance.model.predict(s), upShuffled, cls);
    expect(acc).toBeGreaterThan(0.42);
    expect(acc).toBeLessThan(0.58);
  });

  it('early stopping restores the best epoch: the returned model scores the best validation loss, not the last', async () => {
    // Few samples, a wide net and a high learning rate: it overfits within a few epochs.
    const samples = plantedSamples({ symbols: 2, days: 120, d: D, seed: 5 });
    const spec = specOf('return', { type: 'mlp', hidden: [64, 64], activation: 'relu', l2: 0 }, { epochs: 60, learning_rate: 0.02, batch_size: 16, early_stopping_patience: 3 });
    const r = await fitDense({ samples, spec, columns });
    expect(r.stoppedEarly).toBe(true);
    expect(r.history.length).toBe(r.bestEpoch + 3);
    const best = r.history[r.bestEpoch - 1] as EpochLog;
    const last = r.history[r.history.length - 1] as EpochLog;
    expect(last.val_loss as number).toBeGreaterThan(best.val_loss as number);
    // The returned model's own validation loss (standardised units) is the best epoch's.
    const { train, val } = splitByDate(samples, 0.2);
    const ys = train.map((s) => s.y as number);
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const std = Math.sqrt(ys.reduce((a, b) => a + (b - mean) ** 2, 0) / ys.length);
    const p = r.model.predict(val);
    const valLoss = val.reduce((a, s, i) => a + (((p[i] as number) - (s.y as number)) / std) ** 2, 0) / val.length;
    expect(valLoss).toBeCloseTo(best.val_loss as number, 9);
  });

  it('honours the abort signal: aborted from onEpoch, or by a timer while it trains', async () => {
    const samples = data();
    const spec = specOf('return', mlp, { epochs: 200 });
    const ac = new AbortController();
    const seen: number[] = [];
    await expect(fitDense({ samples, spec, columns, signal: ac.signal, onEpoch: (l) => (seen.push(l.epoch), l.epoch === 2 && ac.abort()) })).rejects.toBeInstanceOf(TrainingAborted);
    expect(seen).toEqual([1, 2]);
    // A timer can fire mid-fit only if the trainer yields to the event loop between epochs.
    const timer = new AbortController();
    setTimeout(() => timer.abort(), 1);
    let epochs = 0;
    await expect(fitDense({ samples, spec, columns, signal: timer.signal, onEpoch: () => epochs++ })).rejects.toBeInstanceOf(TrainingAborted);
    expect(epochs).toBeLessThan(200);
  });

  it('warm start: continues from a model of the same architecture', async () => {
    const samples = data();
    const spec = specOf('return', mlp);
    const first = await fitDense({ samples, spec, columns });
    // With a vanishing learning rate the continued model predicts what the warm model predicted.
    const still = specOf('return', mlp, { epochs: 1, learning_rate: 1e-12 });
    const warm = await fitDense({ samples, spec: still, columns, warmStart: first.model });
    const cold = await fitDense({ samples, spec: still, columns });
    const p0 = first.model.predict(samples.slice(0, 50));
    warm.model.predict(samples.slice(0, 50)).forEach((v, i) => expect(v).toBeCloseTo(p0[i] as number, 9));
    expect(cold.model.predict(samples.slice(0, 1))[0]).not.toBeCloseTo(p0[0] as number, 6);
  });

  it('rejects non-finite inputs with the column, symbol and date; rejects a model file for other columns', async () => {
    const samples = data();
    const bad = samples.map((s, i) => (i === 7 ? { ...s, x: s.x.map((v, j) => (j === 3 ? NaN : v)) } : s));
    const spec = specOf('return', mlp);
    await expect(fitDense({ samples: bad, spec, columns })).rejects.toThrow(/input "f3" is NaN for S\d+ on \d{4}-\d\d-\d\d/);
    const { model } = await fitDense({ samples, spec: specOf('return', { type: 'linear' }, { epochs: 1 }), columns });
    await expect(loadDense(await model.save(), { spec, columns: columns.map((c) => c.toUpperCase()) })).rejects.toThrow(/trained on columns/);
  });

  it('is exposed as ModelBackend objects whose schemas are the spec encoder members', () => {
    expect(denseLinearBackend.kind).toBe('linear');
    expect(denseMlpBackend.kind).toBe('mlp');
    expect(denseMlpBackend.schema.parse({ type: 'mlp', hidden: [4] })).toEqual({ type: 'mlp', engine: 'auto', hidden: [4], activation: 'relu', l2: 0 });
    expect(denseLinearBackend.schema.safeParse({ type: 'linear', hidden: [4] }).success).toBe(false);
    expect(denseMlpBackend.describe?.(specOf('return', mlp), { samples: 1000, inputs: 5 })).toMatch(/^js: .*WebAssembly SIMD/);
  });
});

describe('dense backend vs tfjs', () => {
  it.each([
    ['return', { type: 'mlp', hidden: [8, 4], activation: 'tanh', l2: 0.01 }],
    ['direction', { type: 'mlp', hidden: [6], activation: 'relu', l2: 0 }],
    ['direction', { type: 'linear' }],
    ['return', { type: 'mlp', hidden: [5], activation: 'elu', l2: 0.001 }],
  ] as const)('%s %j: from the same initial weights, every epoch loss matches tfjs to ~1e-5', { timeout: 60_000 }, async (feature, encoder) => {
    const { initBackend } = await import('../tfjs/backend.ts');
    const { buildNetwork } = await import('../tfjs/network.ts');
    const { trainModel } = await import('../tfjs/train.ts');
    await initBackend();
    const d = 5;
    const samples = plantedSamples({ symbols: 4, days: 60, d, seed: 9, output: feature === 'direction' ? 'direction' : 'return' });
    const spec = specOf(feature, encoder, { epochs: 4, batch_size: 16, learning_rate: 0.01 }, 5);
    // tfjs's initial weights, transposed from [inputs, units] to our unit-major kernels.
    const weights = buildNetwork(spec.encoder, d, 1, feature === 'direction' ? 'binary' : 'numerical', spec.seed).getWeights();
    const layers: DenseLayer[] = [];
    for (let l = 0; l < weights.length / 2; l++) {
      const kernel = weights[2 * l] as (typeof weights)[number];
      const [inputs, units] = kernel.shape as [number, number];
      const k = kernel.dataSync();
      const W = new Float64Array(inputs * units);
      for (let i = 0; i < inputs; i++) for (let j = 0; j < units; j++) W[j * inputs + i] = k[i * units + j] as number;
      const hidden = l < weights.length / 2 - 1;
      layers.push({ inputs, units, activation: hidden && encoder.type === 'mlp' ? encoder.activation : 'linear', W, b: Float64Array.from((weights[2 * l + 1] as (typeof weights)[number]).dataSync()) });
    }
    const cols = columnNames(d);
    const ours = await fitDense({ samples, spec, columns: cols, initialLayers: layers });
    const theirs = await trainModel({ samples, spec, columns: cols });
    const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(2e-5 * Math.max(1, Math.abs(b)));
    expect(ours.history.length).toBe(theirs.history.length);
    ours.history.forEach((h, i) => {
      const t = theirs.history[i] as EpochLog;
      close(h.loss, t.loss);
      close(h.val_loss as number, t.val_loss as number);
    });
    const p = theirs.model.predict(samples.slice(0, 20));
    ours.model.predict(samples.slice(0, 20)).forEach((v, i) => close(v, p[i] as number));
  });
});
