/**
 * The `js` dense backends: `linear` and `mlp` encoders trained by our own float64 trainer (train.ts:
 * tfjs's semantics; workspace.ts + wasm.ts: one WebAssembly SIMD product kernel, with a bit-identical
 * TypeScript fallback), for the small tabular models where tfjs's per-op overhead dominates.
 * tfjs stays for LSTMs.
 */
import type { z } from 'zod';
import type { ModelBackend, ModelFiles, TrainedModel } from '../../../domain/models/model.ts';
import { encoderUnion, type ModelSpec } from '../../../domain/models/spec.ts';
import { fitDense } from './train.ts';
import { loadDense } from './model.ts';
import { kernelModule } from './wasm.ts';

export { fitDense, type DenseFitOptions } from './train.ts';
export { loadDense, DenseModel, DENSE_FORMAT } from './model.ts';

function describeDense(spec: ModelSpec, { samples }: { samples: number }): string {
  const hidden = spec.encoder.type === 'mlp' ? spec.encoder.hidden.join('-') : 'none';
  const kernel = kernelModule() ? 'WebAssembly SIMD kernel' : 'TypeScript kernel (no WebAssembly SIMD here)';
  return `js: float64 dense trainer, ${kernel} (hidden ${hidden}, ${samples} samples; no tfjs ops)`;
}

/** Fit/load/describe shared by the linear and mlp backends. */
export const denseEngine = {
  backend: 'js',
  fit: fitDense,
  load: (files: ModelFiles, meta: { spec: ModelSpec; columns: string[] }): Promise<TrainedModel> => loadDense(files, meta),
  describe: describeDense,
} as const;

const [linearEncoder, mlpEncoder] = encoderUnion.options;

export const denseLinearBackend: ModelBackend<z.output<typeof linearEncoder>> = {
  kind: 'linear',
  schema: linearEncoder,
  fit: denseEngine.fit,
  load: denseEngine.load,
  describe: denseEngine.describe,
};

export const denseMlpBackend: ModelBackend<z.output<typeof mlpEncoder>> = {
  kind: 'mlp',
  schema: mlpEncoder,
  fit: denseEngine.fit,
  load: denseEngine.load,
  describe: denseEngine.describe,
};
