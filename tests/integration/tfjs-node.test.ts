/**
 * tfjs-node for real (CI builds it with scripts/tfjs-node.sh): the same small network, same seed and
 * data, trained by the tfjs trainer on WebAssembly and on native TensorFlow (each in its own process:
 * tfjs picks one backend per process) predicts the same within a stated tolerance, and a model trained
 * on tfjs-node survives a save/load round trip through the model family exactly.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isTensorflowInstalled } from '../../src/adapters/models/tfjs/installed.ts';
import { REPO_ROOT, servicesRequired } from '../../src/testing/services.ts';

const run = promisify(execFile);
const have = isTensorflowInstalled();
if (!have && servicesRequired()) throw new Error('@tensorflow/tfjs-node is not installed (ARENA_SERVICES=required): run `bash scripts/tfjs-node.sh`');
if (!have) console.warn('SKIPPED tfjs-node tests: @tensorflow/tfjs-node is not installed (bash scripts/tfjs-node.sh)');

/**
 * Float32 on both sides, but different kernels (XNNPACK vs Eigen) sum in different orders, and 10 epochs
 * of Adam carry those last-bit differences along: measured here 3e-7 at most on predictions spread over
 * ~1.8, so 1e-5 absolute leaves a 30× margin. A wrong backend (different init, a bug in either) misses
 * by orders of magnitude more.
 */
const TOLERANCE = 1e-5;

const SPEC = {
  name: 'tfjs-node-parity',
  output: { feature: 'return' },
  encoder: { type: 'mlp', hidden: [16, 8], activation: 'relu', l2: 0.0001, engine: 'tfjs' },
  trainer: { epochs: 10, batch_size: 64, learning_rate: 0.003, early_stopping_patience: 0, validation_split: 0.2 },
  seed: 7,
};
const DATA = { symbols: 4, days: 300, d: 8, seed: 5, noise: 0.3 };

interface ChildOut {
  backend: string;
  predictions: number[];
  loaded?: { backend: string; predictions: number[] };
}

async function fitIn(backend: 'wasm' | 'tensorflow', roundTrip = false): Promise<ChildOut> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src', 'testing', 'tfjs-child.ts'), JSON.stringify({ backend, spec: SPEC, data: DATA, roundTrip })], { cwd: REPO_ROOT, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' }, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as ChildOut;
}

describe.skipIf(!have)('tfjs-node (native TensorFlow) next to WebAssembly', () => {
  it(`the same network trained on each predicts within ${TOLERANCE}; a tfjs-node model loads back exactly`, { timeout: 300_000 }, async () => {
    const [wasm, native] = await Promise.all([fitIn('wasm'), fitIn('tensorflow', true)]);
    expect(wasm.backend).toBe('wasm');
    expect(native.backend).toBe('tensorflow');
    expect(native.predictions).toHaveLength(200);
    const diff = Math.max(...native.predictions.map((p, i) => Math.abs(p - (wasm.predictions[i] as number))));
    expect(diff).toBeLessThan(TOLERANCE);
    // Not trivially equal: the predictions vary (a constant model would pass any tolerance).
    const spread = Math.max(...native.predictions) - Math.min(...native.predictions);
    expect(spread).toBeGreaterThan(50 * TOLERANCE);
    // Save/load through the family on tfjs-node: the same numbers.
    expect(native.loaded?.backend).toBe('tensorflow');
    expect(native.loaded?.predictions).toEqual(native.predictions);
  });
});
