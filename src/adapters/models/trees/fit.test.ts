/**
 * The forest and gbdt backends on the seam: bit-identical fits (in and across processes), a
 * lossless model.json, a planted signal found and shuffled labels at chance, gbdt's early stopping
 * keeping the best round, aborts, and non-finite inputs refused.
 */
import { describe, expect, it } from 'vitest';
import { splitByDate, type Sample } from '../../../domain/models/dataset.ts';
import { TrainingAborted, type EpochLog, type TrainResult, type FitOptions } from '../../../domain/models/model.ts';
import { modelSpecSchema, type ModelSpec } from '../../../domain/models/spec.ts';
import { columnNames, fingerprintInChild, modelFingerprint, plantedSamples, shuffleLabels, type TabularOptions } from '../../../testing/tabular.ts';
import { fitForest, fitGbdt } from './fit.ts';
import { forestBackend, gbdtBackend } from './index.ts';
import type { TreeEnsembleModel } from './model.ts';
import { loadEnsemble } from './model.ts';

const D = 10;
const columns = columnNames(D);
const DATA: TabularOptions = { symbols: 8, days: 250, d: D, seed: 21 };
const data = (o: TabularOptions = {}): Sample[] => plantedSamples({ ...DATA, ...o });

/**
 * A spec whose encoder is a tree one. spec.ts's encoder union does not list `forest`/`gbdt` yet
 * (the lead adds them), so the encoder is validated by the backend's own schema and cast here.
 */
function specOf(feature: 'return' | 'direction', encoder: Record<string, unknown>, trainer: Record<string, unknown> = {}, seed = 3): ModelSpec {
  const base = modelSpecSchema.parse({ output: { feature }, encoder: { type: 'linear' }, trainer: { epochs: 1, early_stopping_patience: 0, validation_split: 0.2, ...trainer }, seed });
  const schema = encoder.type === 'forest' ? forestBackend.schema : gbdtBackend.schema;
  return { ...base, encoder: schema.parse(encoder) as unknown as ModelSpec['encoder'] };
}

const families = [
  ['forest', fitForest, { type: 'forest', trees: 30, max_depth: 6 }],
  ['gbdt', fitGbdt, { type: 'gbdt', rounds: 60, max_depth: 3, subsample: 0.8 }],
] as const;

function validationScore(model: TrainResult['model'], samples: Sample[], spec: ModelSpec): number {
  const { val } = splitByDate(samples, spec.trainer.validation_split);
  const p = model.predict(val);
  if (spec.output.feature === 'direction') return val.filter((s, i) => ((p[i] as number) > 0.5 ? 1 : 0) === s.y).length / val.length;
  const mean = val.reduce((a, s) => a + (s.y as number), 0) / val.length;
  const ss = val.reduce((a, s) => a + ((s.y as number) - mean) ** 2, 0);
  return 1 - val.reduce((a, s, i) => a + ((s.y as number) - (p[i] as number)) ** 2, 0) / ss;
}

describe.each(families)('%s backend', (kind, fit, encoder) => {
  it('is deterministic: same seed ⇒ bit-identical predictions and model.json, in this process and in another', { timeout: 60_000 }, async () => {
    const samples = data();
    const spec = specOf('return', encoder);
    const a = await fit({ samples, spec, columns });
    const b = await fit({ samples, spec, columns });
    const fa = await modelFingerprint(a.model, samples);
    expect(await modelFingerprint(b.model, samples)).toEqual(fa);
    expect(a.history).toEqual(b.history);
    const other = await fit({ samples, spec: { ...spec, seed: 4 }, columns });
    expect((await modelFingerprint(other.model, samples)).predictions).not.toBe(fa.predictions);
    expect(await fingerprintInChild({ backend: kind, spec, data: DATA })).toEqual(fa);
  });

  it.each(['return', 'direction'] as const)('%s: the WebAssembly and TypeScript histogram kernels give the same model to the bit', async (feature) => {
    const samples = data({ output: feature === 'direction' ? 'direction' : 'return' });
    const spec = specOf(feature, encoder);
    const wasm = await fit({ samples, spec, columns, kernel: 'wasm' });
    const js = await fit({ samples, spec, columns, kernel: 'js' });
    expect(await modelFingerprint(js.model, samples)).toEqual(await modelFingerprint(wasm.model, samples));
    expect(js.history).toEqual(wasm.history);
  });

  it.each(['return', 'direction'] as const)('%s: save → load predicts bit-identically and re-saves the same bytes', async (feature) => {
    const samples = data({ output: feature === 'direction' ? 'direction' : 'return' });
    const spec = specOf(feature, encoder);
    const { model } = await fit({ samples, spec, columns });
    const files = await model.save();
    expect(Object.keys(files)).toEqual(['model.json']);
    const loaded = await (kind === 'forest' ? forestBackend : gbdtBackend).load(files, { spec, columns });
    expect(new Float64Array(loaded.predict(samples))).toEqual(new Float64Array(model.predict(samples)));
    expect(await loaded.save()).toEqual(files);
    // Rows beyond the training range and exactly on thresholds route the same after the reload.
    const probe = (model as TreeEnsembleModel).trees[0]?.value[0] as number;
    const edge = samples.slice(0, 20).map((s) => ({ ...s, x: s.x.map((v, j) => (j % 2 ? probe : v * 100)) }));
    expect(loaded.predict(edge)).toEqual(model.predict(edge));
    await expect(loadEnsemble(kind === 'forest' ? 'gbdt' : 'forest', files, { spec, columns })).rejects.toThrow(/not a (gbdt|forest) model/);
  });

  it('finds a planted signal (y = 0.3·x0 − 0.2·x1 + noise) and nothing in shuffled labels', { timeout: 60_000 }, async () => {
    // Noise 0.5: the best achievable R² is 0.13 / 0.38 ≈ 0.34; accuracy ≈ 0.72.
    const reg = specOf('return', encoder);
    const planted = data();
    expect(validationScore((await fit({ samples: planted, spec: reg, columns })).model, planted, reg)).toBeGreaterThan(0.2);
    const shuffled = shuffleLabels(planted, 9);
    expect(validationScore((await fit({ samples: shuffled, spec: reg, columns })).model, shuffled, reg)).toBeLessThan(0.02);

    const cls = specOf('direction', encoder);
    const up = data({ output: 'direction' });
    expect(validationScore((await fit({ samples: up, spec: cls, columns })).model, up, cls)).toBeGreaterThan(0.65);
    // 400 validation rows: chance is 0.5 ± 0.025 (1 sd).
    const upShuffled = shuffleLabels(up, 9);
    const acc = validationScore((await fit({ samples: upShuffled, spec: cls, columns })).model, upShuffled, cls);
    expect(acc).toBeGreaterThan(0.42);
    expect(acc).toBeLessThan(0.58);
  });

  it('honours the abort signal: aborted from onEpoch, or by a timer while it trains', async () => {
    const samples = data();
    const spec = specOf('return', { ...encoder, ...(kind === 'forest' ? { trees: 500 } : { rounds: 500 }) });
    const ac = new AbortController();
    const seen: number[] = [];
    await expect(fit({ samples, spec, columns, signal: ac.signal, onEpoch: (l) => (seen.push(l.epoch), l.epoch === 2 && ac.abort()) })).rejects.toBeInstanceOf(TrainingAborted);
    expect(seen).toEqual([1, 2]);
    const timer = new AbortController();
    setTimeout(() => timer.abort(), 1);
    let rounds = 0;
    await expect(fit({ samples, spec, columns, signal: timer.signal, onEpoch: () => rounds++ })).rejects.toBeInstanceOf(TrainingAborted);
    expect(rounds).toBeLessThan(500);
  });

  it('rejects non-finite inputs and targets with the column, symbol and date', async () => {
    const samples = data();
    const spec = specOf('return', encoder);
    const badX = samples.map((s, i) => (i === 7 ? { ...s, x: s.x.map((v, j) => (j === 3 ? Infinity : v)) } : s));
    await expect(fit({ samples: badX, spec, columns })).rejects.toThrow(/input "f3" is Infinity for S\d+ on \d{4}-\d\d-\d\d/);
    const badY = samples.map((s, i) => (i === 9 ? { ...s, y: NaN } : s));
    await expect(fit({ samples: badY, spec, columns })).rejects.toThrow(/target is NaN/);
  });

  it('refuses an encoder of another family', async () => {
    const wrong = { ...specOf('return', encoder), encoder: { type: 'linear' } as ModelSpec['encoder'] };
    await expect(fit({ samples: data(), spec: wrong, columns } satisfies FitOptions)).rejects.toThrow(/type/);
  });
});

describe('gbdt early stopping', () => {
  it('stops after `early_stopping_patience` rounds without a better validation loss and keeps the best round', async () => {
    const samples = data({ symbols: 4 });
    // Deep trees and a high learning rate overfit within a few rounds.
    const spec = specOf('return', { type: 'gbdt', rounds: 300, learning_rate: 0.5, max_depth: 6, min_samples_leaf: 5 }, { early_stopping_patience: 5 });
    const r = await fitGbdt({ samples, spec, columns });
    expect(r.stoppedEarly).toBe(true);
    expect(r.history.length).toBe(r.bestEpoch + 5);
    const model = r.model as TreeEnsembleModel;
    expect(model.trees.length).toBe(r.bestEpoch);
    const best = r.history[r.bestEpoch - 1] as EpochLog;
    expect((r.history[r.history.length - 1] as EpochLog).val_loss as number).toBeGreaterThan(best.val_loss as number);
    // The kept model's own validation loss (standardised units) is the best round's.
    const { val } = splitByDate(samples, 0.2);
    const p = model.predict(val);
    const loss = val.reduce((a, s, i) => a + (((p[i] as number) - (s.y as number)) / model.yScale.std) ** 2, 0) / val.length;
    expect(loss).toBeCloseTo(best.val_loss as number, 9);
  });
});

describe('tree backend schemas', () => {
  it('fill sensible defaults and reject unknown or out-of-range parameters', () => {
    expect(forestBackend.schema.parse({ type: 'forest' })).toEqual({ type: 'forest', trees: 100, max_depth: 8, min_samples_leaf: 20, max_features: 1 / 3, bins: 255 });
    expect(gbdtBackend.schema.parse({ type: 'gbdt' })).toEqual({ type: 'gbdt', rounds: 100, learning_rate: 0.1, max_depth: 6, min_samples_leaf: 20, subsample: 1, l2: 1, bins: 255 });
    expect(forestBackend.schema.safeParse({ type: 'forest', max_features: 'sqrt' }).success).toBe(true);
    expect(forestBackend.schema.safeParse({ type: 'forest', max_features: 1.5 }).success).toBe(false);
    expect(gbdtBackend.schema.safeParse({ type: 'gbdt', bins: 512 }).success).toBe(false);
    expect(gbdtBackend.schema.safeParse({ type: 'gbdt', depth: 3 }).success).toBe(false);
    expect(forestBackend.kind).toBe('forest');
    expect(gbdtBackend.kind).toBe('gbdt');
  });
});
