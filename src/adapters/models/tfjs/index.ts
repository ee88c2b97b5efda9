/** The tfjs model family as ModelBackends: `linear`, `mlp` and `lstm` encoders. */
import type { ModelBackend } from '../../../domain/models/model.ts';
import { encoderSchema } from '../../../domain/models/spec.ts';
import { loadTfjs } from './serialize.ts';
import { trainModel } from './train.ts';

export { TfjsModel } from './model.ts';
export { trainModel } from './train.ts';

function tfjsBackend(kind: 'linear' | 'mlp' | 'lstm'): ModelBackend {
  return {
    kind,
    schema: encoderSchema,
    fit: (o) => trainModel(o),
    load: (files) => loadTfjs(files),
  };
}

export const tfjsBackends: readonly ModelBackend[] = [tfjsBackend('linear'), tfjsBackend('mlp'), tfjsBackend('lstm')];
