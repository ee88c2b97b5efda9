/**
 * The built-in model families, by `model.encoder.type`. A team's own family comes from a plug-in
 * module (config/plugins.ts), which resolves before these.
 *
 * `linear` and `mlp` pick their compute engine per model by a measured rule (PROTOCOLS.md, issue 18):
 * tfjs costs 35–110 µs per op, so a small network trains far faster on our own dense kernel (js:
 * a 32-16-1 MLP on 25k×30 in ~1 s vs ~17 s on tfjs WASM and ~40 s on tfjs-node); only a large one pays
 * for native TensorFlow (a 512-512-1 model: 11 s on tfjs-node vs 97 s on WASM). `encoder.engine`
 * forces a choice. A saved model reloads with the engine that wrote it (its model.json says which).
 */
import { ConfigError } from '../../core/errors.ts';
import type { ModelBackend, ModelFiles } from '../../domain/models/model.ts';
import type { ModelSpec } from '../../domain/models/spec.ts';
import { denseEngine, DENSE_FORMAT } from './dense/index.ts';
import { isTensorflowInstalled } from './tfjs/installed.ts';
import type { loadTfjs as loadTfjsModel } from './tfjs/serialize.ts';
import type { trainModel as trainTfjs } from './tfjs/train.ts';
import { forestBackend, gbdtBackend } from './trees/index.ts';
import { encoderSchema } from '../../domain/models/spec.ts';

/** Weights above which a linear/MLP network trains on tfjs (native TensorFlow when installed). */
export const LARGE_NETWORK_PARAMETERS = 100_000;

export function networkParameters(encoder: ModelSpec['encoder'], inputs: number): number {
  if (encoder.type === 'linear') return inputs + 1;
  if (encoder.type !== 'mlp') return 0;
  let n = 0;
  let prev = inputs;
  for (const h of [...encoder.hidden, 1]) {
    n += prev * h + h;
    prev = h;
  }
  return n;
}

type Engine = { name: 'js' } | { name: 'tfjs'; prefer: 'tensorflow' | 'wasm' };

/** The engine a linear/MLP fit runs on, and why (the training report and `arena doctor` print it). */
export function engineFor(spec: ModelSpec, inputs: number, tensorflow = isTensorflowInstalled()): { engine: Engine; why: string } {
  const forced = spec.encoder.type === 'linear' || spec.encoder.type === 'mlp' ? spec.encoder.engine : 'auto';
  const params = networkParameters(spec.encoder, inputs);
  const native = tensorflow ? 'tensorflow' : 'wasm';
  if (forced === 'js') return { engine: { name: 'js' }, why: `js dense kernel (encoder.engine js; ${params.toLocaleString('en-US')} weights)` };
  if (forced === 'tfjs') return { engine: { name: 'tfjs', prefer: native }, why: `tfjs ${native} (encoder.engine tfjs; ${params.toLocaleString('en-US')} weights)` };
  return params > LARGE_NETWORK_PARAMETERS
    ? { engine: { name: 'tfjs', prefer: native }, why: `tfjs ${native}: ${params.toLocaleString('en-US')} weights > ${LARGE_NETWORK_PARAMETERS.toLocaleString('en-US')} (large networks pay for native TensorFlow${tensorflow ? '' : ', not installed here: WASM'})` }
    : { engine: { name: 'js' }, why: `js dense kernel: ${params.toLocaleString('en-US')} weights ≤ ${LARGE_NETWORK_PARAMETERS.toLocaleString('en-US')} (tfjs per-op overhead dominates small networks)` };
}

// TensorFlow.js is imported only by a model that uses it (~0.8 s of CPU per process otherwise: every season worker, every daemon).
const trainModel: typeof trainTfjs = async (...a) => (await import('./tfjs/train.ts')).trainModel(...a);
const loadTfjs: typeof loadTfjsModel = async (...a) => (await import('./tfjs/serialize.ts')).loadTfjs(...a);

const formatOf = (files: ModelFiles): string | undefined => {
  const json = files['model.json'];
  if (!json) return undefined;
  const v: unknown = JSON.parse(new TextDecoder().decode(json));
  return typeof v === 'object' && v !== null && typeof (v as { format?: unknown }).format === 'string' ? (v as { format: string }).format : undefined;
};

function networkFamily(kind: 'linear' | 'mlp'): ModelBackend {
  return {
    kind,
    schema: encoderSchema,
    async fit(o) {
      const inputs = o.columns.length;
      const { engine } = engineFor(o.spec, inputs);
      return engine.name === 'js' ? denseEngine.fit(o) : trainModel(o, engine.prefer);
    },
    load: (files, meta) => (formatOf(files) === DENSE_FORMAT ? denseEngine.load(files, meta) : loadTfjs(files)),
    describe: (spec, data) => engineFor(spec, data.inputs).why,
  };
}

const lstmFamily: ModelBackend = { kind: 'lstm', schema: encoderSchema, fit: (o) => trainModel(o, isTensorflowInstalled() ? 'tensorflow' : 'wasm'), load: (files) => loadTfjs(files), describe: () => 'tfjs (LSTM layers)' };

export const BUILTIN_MODEL_BACKENDS: ReadonlyMap<string, ModelBackend> = new Map([networkFamily('linear'), networkFamily('mlp'), lstmFamily, forestBackend, gbdtBackend].map((b) => [b.kind, b]));

export function builtinBackendFor(spec: ModelSpec): ModelBackend {
  const b = BUILTIN_MODEL_BACKENDS.get(spec.encoder.type);
  if (!b) throw new ConfigError('team file', 'model.encoder.type', `expected one of ${[...BUILTIN_MODEL_BACKENDS.keys()].join(', ')}, got ${spec.encoder.type}`);
  return b;
}
