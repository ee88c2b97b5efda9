/**
 * Guards against leakage and against a model that cannot learn: trained on shuffled labels the
 * model is at chance on the test window; trained on a series with a planted next-day signal it
 * finds it. Both with the real tfjs backend (WASM here) and the teams' kinds of model.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../domain/models/rng.ts';
import type { Sample } from '../../../domain/models/dataset.ts';
import { modelSpecSchema, type ModelSpec } from '../../../domain/models/spec.ts';
import { trainModel } from './train.ts';

const N = 1500;
const dates = Array.from({ length: N }, (_, i) => new Date(Date.UTC(2010, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));

/** Five noise features; the first carries the sign of tomorrow's return when `planted`. */
function samples(planted: boolean, seed: number, output: 'return' | 'direction'): Sample[] {
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return dates.map((date) => {
    const x = Array.from({ length: 5 }, gauss);
    const ret = planted ? 0.01 * (x[0] as number) + 0.002 * gauss() : 0.01 * gauss();
    return { symbol: 'SYN', date, close: 100, x, y: output === 'return' ? ret : ret > 0 ? 1 : 0 };
  });
}

function shuffleLabels(s: Sample[], seed: number): Sample[] {
  const rand = seededRandom(seed);
  const ys = s.map((x) => x.y);
  for (let i = ys.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [ys[i], ys[j]] = [ys[j] as number | null, ys[i] as number | null];
  }
  return s.map((x, i) => ({ ...x, y: ys[i] ?? null }));
}

const spec = (output: 'return' | 'direction', encoder: ModelSpec['encoder']): ModelSpec =>
  modelSpecSchema.parse({ output: { feature: output }, encoder, trainer: { epochs: 30, batch_size: 64, learning_rate: 0.01, early_stopping_patience: 5, validation_split: 0.2 }, seed: 3 });

/** Trains on the first 1200 days, scores directional accuracy on the last 300. */
async function directionalAccuracy(s: Sample[], sp: ModelSpec): Promise<number> {
  const train = s.slice(0, 1200);
  const test = s.slice(1200);
  const { model } = await trainModel({ samples: train, spec: sp, columns: ['a', 'b', 'c', 'd', 'e'] });
  const raw = model.predict(test);
  let hit = 0;
  test.forEach((t, i) => {
    const up = sp.output.feature === 'direction' ? (raw[i] as number) > 0.5 : (raw[i] as number) > 0;
    const actualUp = sp.output.feature === 'direction' ? t.y === 1 : (t.y as number) > 0;
    if (up === actualUp) hit++;
  });
  return hit / test.length;
}

describe('models learn what is there and nothing else', () => {
  // 300 test days: chance is 0.5 ± 0.029 (1 sd); 0.6 is > 3 sd away.
  it.each([
    ['MLP regression', spec('return', { type: 'mlp', engine: 'tfjs', hidden: [16], activation: 'relu', l2: 0 })],
    ['logistic classification', spec('direction', { type: 'linear', engine: 'tfjs' })],
  ] as const)('%s: at chance on shuffled labels, finds a planted signal', { timeout: 120_000 }, async (_name, sp) => {
    const shuffled = await directionalAccuracy(shuffleLabels(samples(true, 11, sp.output.feature as 'return' | 'direction'), 5), sp);
    expect(shuffled).toBeGreaterThan(0.4);
    expect(shuffled).toBeLessThan(0.6);
    const planted = await directionalAccuracy(samples(true, 11, sp.output.feature as 'return' | 'direction'), sp);
    expect(planted).toBeGreaterThan(0.8);
  });
});
