/**
 * Loss parity with scikit-learn (issue 18, target 4): on the workload — 25,200 × 30 seeded
 * samples, the last 20 % of dates held out, MLP 32-16-1, ReLU, batch 128, 25 epochs, Adam 0.001, the
 * same L2 objective (alpha = l2 × batch), no early stopping — the js dense backend's validation MSE is
 * at most scikit-learn MLPRegressor's × 1.05. Speed is a bench line (bench/models.ts), not asserted.
 * Needs the project venv with scikit-learn (scripts/python-requirements.txt); ARENA_PYTHON overrides it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { fitDense } from '../../src/adapters/models/dense/index.ts';
import { splitByDate } from '../../src/domain/models/dataset.ts';
import { modelSpecSchema } from '../../src/domain/models/spec.ts';
import { columnNames, plantedSamples, writeSplitNpy } from '../../src/testing/tabular.ts';

const run = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PYTHON = process.env.ARENA_PYTHON ?? path.join(REPO, '.venv', 'bin', 'python');
const SETUP_HINT = 'run `bash scripts/services.sh setup` (or set ARENA_PYTHON to a python with scikit-learn)';
const HAVE_PYTHON = existsSync(PYTHON);
if (!HAVE_PYTHON && process.env.ARENA_SERVICES === 'required') throw new Error(`Python for the scikit-learn parity test not found at ${PYTHON}: ${SETUP_HINT}`);
if (!HAVE_PYTHON) console.warn(`SKIPPED scikit-learn MLP parity: no ${PYTHON}; ${SETUP_HINT}`);

const L2 = 1e-4;
const BATCH = 128;

describe.skipIf(!HAVE_PYTHON)('dense backend vs scikit-learn MLPRegressor', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-sklearn-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reaches a validation MSE at most 1.05 × scikit-learn’s on the same split, architecture and objective', { timeout: 180_000 }, async () => {
    const samples = plantedSamples();
    const spec = modelSpecSchema.parse({
      output: { feature: 'return' },
      encoder: { type: 'mlp', hidden: [32, 16], activation: 'relu', l2: L2 },
      trainer: { epochs: 25, batch_size: BATCH, learning_rate: 0.001, early_stopping_patience: 0, validation_split: 0.2 },
      seed: 7,
    });
    const npy = path.join(dir, 'data.npy');
    const split = writeSplitNpy(npy, samples, spec.trainer.validation_split);
    const { stdout } = await run(PYTHON, [path.join(REPO, 'scripts/parity/bench_sklearn_mlp.py'), npy, '--hidden', '32,16', '--batch', String(BATCH), '--epochs', '25', '--lr', '0.001', '--alpha', String(L2 * BATCH), '--threads', '1']);
    const sk = JSON.parse(stdout.trim().split('\n').pop() as string) as { val_mse: number; train: number; validation: number; epochs: number };
    expect({ train: sk.train, validation: sk.validation, epochs: sk.epochs }).toEqual({ train: split.train, validation: split.validation, epochs: 25 });

    const r = await fitDense({ samples, spec, columns: columnNames(30) });
    expect(r.trainSamples).toBe(split.train);
    expect(r.history).toHaveLength(25);
    const { val } = splitByDate(samples, spec.trainer.validation_split);
    const p = r.model.predict(val);
    const ours = val.reduce((a, s, i) => a + ((p[i] as number) - (s.y as number)) ** 2, 0) / val.length;
    console.log(`validation MSE: js ${ours.toFixed(5)}, scikit-learn ${sk.val_mse.toFixed(5)} (noise floor 0.25)`);
    expect(ours).toBeLessThanOrEqual(sk.val_mse * 1.05);
    // Both learnt the signal: the noise variance (0.25) is the floor, the target's variance (≈ 0.38) the ceiling.
    expect(sk.val_mse).toBeLessThan(0.3);
  });
});
