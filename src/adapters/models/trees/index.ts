/**
 * The tree backends (`forest`, `gbdt`): hand-written histogram tree ensembles in plain TypeScript
 * (why hand-written: see tree.ts). `model.encoder` carries their parameters, checked by `schema`.
 */
import type { ModelBackend, ModelFiles, TrainedModel } from '../../../domain/models/model.ts';
import type { ModelSpec } from '../../../domain/models/spec.ts';
import { fitForest, fitGbdt } from './fit.ts';
import { loadEnsemble } from './model.ts';
import { forestParamsSchema, gbdtParamsSchema, type ForestParams, type GbdtParams } from '../../../domain/models/tree-params.ts';

export { fitForest, fitGbdt } from './fit.ts';
export { loadEnsemble, TreeEnsembleModel } from './model.ts';
export { forestParamsSchema, gbdtParamsSchema, type ForestParams, type GbdtParams } from '../../../domain/models/tree-params.ts';

type Meta = { spec: ModelSpec; columns: string[] };

export const forestBackend: ModelBackend<ForestParams> = {
  kind: 'forest',
  schema: forestParamsSchema,
  fit: fitForest,
  load: (files: ModelFiles, meta: Meta): Promise<TrainedModel> => loadEnsemble('forest', files, meta),
  describe: (spec, { samples }) => {
    const p = forestParamsSchema.safeParse(spec.encoder);
    return `js: histogram random forest in plain TypeScript (${p.success ? `${p.data.trees} trees, depth ≤ ${p.data.max_depth}, ${p.data.bins} bins` : 'invalid parameters'}; ${samples} samples)`;
  },
};

export const gbdtBackend: ModelBackend<GbdtParams> = {
  kind: 'gbdt',
  schema: gbdtParamsSchema,
  fit: fitGbdt,
  load: (files: ModelFiles, meta: Meta): Promise<TrainedModel> => loadEnsemble('gbdt', files, meta),
  describe: (spec, { samples }) => {
    const p = gbdtParamsSchema.safeParse(spec.encoder);
    return `js: histogram gradient boosting in plain TypeScript (${p.success ? `≤ ${p.data.rounds} rounds, depth ≤ ${p.data.max_depth}, ${p.data.bins} bins` : 'invalid parameters'}; ${samples} samples)`;
  },
};
