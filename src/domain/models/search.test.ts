/**
 * Hyper-parameter search: reproducible sampling, the successive-halving schedule, selection that
 * only looks at the training window (a poisoned test window cannot influence it), and a search
 * that tells a learning rate that learns from one that does not.
 */
import { describe, expect, it } from 'vitest';
import type { Sample } from './dataset.ts';
import { seededRandom } from './rng.ts';
import { halvingRungs, hyperSearch, sampleConfigs } from './search.ts';
import { modelSpecSchema, type ModelSpec } from './spec.ts';
import { builtinBackendFor } from '../../adapters/models/index.ts';

const day = (i: number) => new Date(Date.UTC(2012, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);

function planted(n: number, seed: number): Sample[] {
  const rand = seededRandom(seed);
  const g = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return Array.from({ length: n }, (_, i) => {
    const x = [g(), g(), g()];
    return { symbol: 'SYN', date: day(i), close: 100, x, y: 0.01 * (x[0] as number) + 0.002 * g() };
  });
}

const spec = (search: unknown, trainer: Record<string, unknown> = {}): ModelSpec =>
  modelSpecSchema.parse({ output: { feature: 'return' }, encoder: { type: 'linear' }, trainer: { epochs: 8, batch_size: 64, learning_rate: 0.01, early_stopping_patience: 0, ...trainer }, seed: 5, search });

describe('search space sampling', () => {
  const s = spec({ trials: 20, space: { 'trainer.learning_rate': { log_uniform: [0.0001, 0.1] }, 'trainer.batch_size': { int: [16, 128] }, 'trainer.validation_split': { uniform: [0.1, 0.3] }, encoder: { choice: [{ type: 'linear' }, { type: 'mlp', hidden: [8] }] } } });

  it('is reproducible from the seed and stays inside the ranges', () => {
    const a = sampleConfigs(s);
    expect(sampleConfigs(s)).toEqual(a);
    expect(sampleConfigs({ ...s, seed: 6 })).not.toEqual(a);
    expect(a).toHaveLength(20);
    for (const c of a) {
      expect(c.spec.trainer.learning_rate).toBeGreaterThanOrEqual(0.0001);
      expect(c.spec.trainer.learning_rate).toBeLessThanOrEqual(0.1);
      expect(Number.isInteger(c.spec.trainer.batch_size)).toBe(true);
      expect(c.spec.trainer.batch_size).toBeGreaterThanOrEqual(16);
      expect(c.spec.trainer.batch_size).toBeLessThanOrEqual(128);
      expect(c.spec.search).toBeUndefined();
      // A chosen MLP encoder gets its defaults filled in.
      if (c.spec.encoder.type === 'mlp') expect(c.spec.encoder.activation).toBe('relu');
      expect(c.params['trainer.learning_rate']).toBe(c.spec.trainer.learning_rate);
    }
    expect(new Set(a.map((c) => c.spec.encoder.type))).toEqual(new Set(['linear', 'mlp']));
    // log-uniform: about as many below 0.00316 (the geometric middle) as above.
    const low = a.filter((c) => c.spec.trainer.learning_rate < Math.sqrt(0.0001 * 0.1)).length;
    expect(low).toBeGreaterThan(3);
    expect(low).toBeLessThan(17);
  });

  it('successive halving keeps 1/eta per rung and grows the epoch share to 1', () => {
    expect(halvingRungs(9, 3)).toEqual([{ keep: 9, share: 1 / 9 }, { keep: 3, share: 1 / 3 }, { keep: 1, share: 1 }]);
    expect(halvingRungs(10, 2).map((r) => r.keep)).toEqual([10, 5, 2, 1]);
    expect(halvingRungs(5, 1)).toEqual([{ keep: 5, share: 1 }]);
  });
});

describe('hyperSearch', () => {
  const samples = planted(500, 3);
  const before = day(400);

  it('scores on the end of the training window only; a poisoned test window cannot matter', { timeout: 60_000 }, async () => {
    // Labels from `before` on are NaN: any trial that fitted or scored on them would get no score.
    const poisoned = samples.map((s) => (s.date >= before ? { ...s, y: Number.NaN } : s));
    const s = spec({ trials: 3, space: { 'trainer.learning_rate': { log_uniform: [0.005, 0.05] } } });
    const r = await hyperSearch({ spec: s, backend: builtinBackendFor(s), samplesFor: () => poisoned, before, window: { kind: 'expanding', trading_days: 750 }, columns: ['a', 'b', 'c'] });
    expect(r.trials).toHaveLength(3);
    for (const t of r.trials) expect(Number.isFinite(t.score), `trial ${t.trial}: score ${String(t.score)}`).toBe(true);
    expect(r.validation_to < before).toBe(true);
    expect(r.fit_to < r.validation_from).toBe(true);
    // validation_split 0.2 of the 400 dates before the test window.
    expect(r.validation_from).toBe(day(320));
  });

  it('prefers a learning rate that learns, with successive halving over epochs', { timeout: 60_000 }, async () => {
    const s = spec({ trials: 4, eta: 2, space: { 'trainer.learning_rate': { choice: [0.000001, 0.05, 0.0000005, 0.0000002] } } }, { epochs: 12 });
    const trained: number[] = [];
    const r = await hyperSearch({ spec: s, backend: builtinBackendFor(s), samplesFor: () => samples, before, window: { kind: 'expanding', trading_days: 750 }, columns: ['a', 'b', 'c'], onTrial: (t) => trained.push(t.epochs) });
    expect(r.metric).toBe('mae');
    expect(r.best.trainer.learning_rate).toBe(0.05);
    // 4 configurations at 3 epochs, the best 2 at 6, the best one at the full 12.
    expect(trained).toEqual([3, 3, 3, 3, 6, 6, 12]);
    expect(r.trials.filter((t) => t.rung === 2).map((t) => t.trial)).toEqual([r.bestTrial]);
    expect(r.best.trainer.epochs).toBe(12);
    const rung0 = r.trials.filter((t) => t.rung === 0);
    const fast = rung0.filter((t) => t.params['trainer.learning_rate'] === 0.05).map((t) => t.score as number);
    const slow = rung0.filter((t) => (t.params['trainer.learning_rate'] as number) < 0.00001).map((t) => t.score as number);
    // The four seeded draws from the choices: 0.05 twice, a tiny rate twice.
    expect([fast.length, slow.length]).toEqual([2, 2]);
    expect(Math.max(...fast)).toBeLessThan(Math.min(...slow));
  });
});
