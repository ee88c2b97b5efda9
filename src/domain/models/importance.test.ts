/**
 * Permutation importance on a planted-signal dataset: the column the target depends on has by far
 * the largest importance, a pure-noise column is about zero; for an LSTM window the feature is
 * permuted across every time step together.
 */
import { describe, expect, it } from 'vitest';
import type { Sample } from './dataset.ts';
import { metricScorer } from './evaluate.ts';
import { permutationImportance } from './importance.ts';
import { seededRandom } from './rng.ts';
import { modelSpecSchema } from './spec.ts';
import { trainModel } from '../../adapters/models/tfjs/train.ts';

const gaussian = (seed: number) => {
  const rand = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
};
const day = (i: number) => new Date(Date.UTC(2015, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);

/** Columns: signal (drives y), weak (a little), noise (nothing). */
function planted(n: number, seed: number, output: 'return' | 'direction'): Sample[] {
  const g = gaussian(seed);
  return Array.from({ length: n }, (_, i) => {
    const x = [g(), g(), g()];
    const ret = 0.01 * (x[0] as number) + 0.002 * (x[1] as number) + 0.003 * g();
    return { symbol: 'SYN', date: day(i), close: 100, x, y: output === 'return' ? ret : ret > 0 ? 1 : 0 };
  });
}

const returnSpec = modelSpecSchema.parse({ output: { feature: 'return' }, encoder: { type: 'linear' }, trainer: { epochs: 40, learning_rate: 0.02, batch_size: 64 } });
const directionSpec = modelSpecSchema.parse({ output: { feature: 'direction' }, encoder: { type: 'linear' }, trainer: { epochs: 40, learning_rate: 0.02, batch_size: 64 } });

describe('permutation importance', () => {
  it('regression: the planted column dominates, noise is ~0 (a known linear predictor)', () => {
    const test = planted(400, 1, 'return');
    const imp = permutationImportance({ samples: test, columns: ['signal', 'weak', 'noise'], window: 1, scorer: metricScorer(returnSpec), predict: (s) => s.map((x) => 0.01 * (x.x[0] as number) + 0.002 * (x.x[1] as number)), repeats: 5, seed: 3 });
    expect(imp.metric).toBe('mae');
    expect(imp.features.map((f) => f.feature)).toEqual(['signal', 'weak', 'noise']);
    const [signal, weak, noise] = imp.features;
    expect(signal?.mean).toBeGreaterThan(5 * (weak?.mean ?? 0));
    expect(weak?.mean).toBeGreaterThan(0);
    // The predictor ignores `noise`: shuffling it cannot change a single prediction.
    expect(noise?.mean).toBe(0);
    expect(noise?.std).toBe(0);
    expect(signal?.std).toBeGreaterThan(0);
    expect(signal?.directional_accuracy_drop).toBeGreaterThan(0.2);
    // Seeded: the same call gives the same numbers.
    const again = permutationImportance({ samples: test, columns: ['signal', 'weak', 'noise'], window: 1, scorer: metricScorer(returnSpec), predict: (s) => s.map((x) => 0.01 * (x.x[0] as number) + 0.002 * (x.x[1] as number)), repeats: 5, seed: 3 });
    expect(again).toEqual(imp);
  });

  it('classification with a trained logistic model: signal ≫ noise ≈ 0', { timeout: 60_000 }, async () => {
    const all = planted(1400, 7, 'direction');
    const { model } = await trainModel({ samples: all.slice(0, 1000), spec: directionSpec, columns: ['signal', 'weak', 'noise'] });
    const imp = permutationImportance({ samples: all.slice(1000), columns: ['signal', 'weak', 'noise'], window: 1, scorer: metricScorer(directionSpec), predict: (s) => model.predict(s), repeats: 5, seed: 9 });
    model.dispose();
    expect(imp.metric).toBe('accuracy');
    expect(imp.baseline).toBeGreaterThan(0.8);
    expect(imp.features[0]?.feature).toBe('signal');
    const signal = imp.features.find((f) => f.feature === 'signal')?.mean as number;
    const noise = imp.features.find((f) => f.feature === 'noise')?.mean as number;
    expect(signal).toBeGreaterThan(0.25);
    // 400 rows: a few flipped predictions at most.
    expect(Math.abs(noise)).toBeLessThan(0.03);
  });

  it('LSTM-shaped samples: a feature is permuted across all time steps of the window', () => {
    // window 3, 2 features; the predictor uses feature 0 at the *first* step only.
    const g = gaussian(5);
    const samples: Sample[] = Array.from({ length: 300 }, (_, i) => {
      const x = Array.from({ length: 6 }, () => g());
      return { symbol: 'SYN', date: day(i), close: 1, x, y: (x[0] as number) * 0.01 };
    });
    const imp = permutationImportance({ samples, columns: ['a', 'b'], window: 3, scorer: metricScorer(returnSpec), predict: (s) => s.map((x) => (x.x[0] as number) * 0.01), repeats: 3, seed: 1 });
    expect(imp.features[0]?.feature).toBe('a');
    expect(imp.features[0]?.mean).toBeGreaterThan(0.005);
    expect(imp.features[1]?.mean).toBe(0);
  });

  it('bounds its cost: caps features and rows and says so', () => {
    const test = planted(50, 2, 'return');
    const imp = permutationImportance({ samples: test, columns: ['signal', 'weak', 'noise'], window: 1, scorer: metricScorer(returnSpec), predict: (s) => s.map((x) => x.x[0] as number), repeats: 2, maxFeatures: 2, maxRows: 30 });
    expect(imp.features).toHaveLength(2);
    expect(imp.rows).toBe(30);
    expect(imp.notes.join(' ')).toMatch(/first 2 of 3 features/);
    expect(imp.notes.join(' ')).toMatch(/last 30 of 50 test rows/);
  });
});
