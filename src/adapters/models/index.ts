/**
 * The built-in model families, by `model.encoder.type`. A team's own family comes from a plug-in
 * module (engine/plugins.ts), which resolves before these.
 */
import { ConfigError } from '../../core/errors.ts';
import type { ModelBackend } from '../../domain/models/model.ts';
import type { ModelSpec } from '../../domain/models/spec.ts';
import { tfjsBackends } from './tfjs/index.ts';

export const BUILTIN_MODEL_BACKENDS: ReadonlyMap<string, ModelBackend> = new Map(tfjsBackends.map((b) => [b.kind, b]));

export function builtinBackendFor(spec: ModelSpec): ModelBackend {
  const b = BUILTIN_MODEL_BACKENDS.get(spec.encoder.type);
  if (!b) throw new ConfigError('team file', 'model.encoder.type', `expected one of ${[...BUILTIN_MODEL_BACKENDS.keys()].join(', ')}, got ${spec.encoder.type}`);
  return b;
}
