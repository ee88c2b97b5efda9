/** Loads the files TfjsModel.save() wrote (model.json + weights.bin) back into a model. */
import { z } from 'zod';
import { tf, initBackend } from './backend.ts';
import type { ModelFiles } from '../../../domain/models/model.ts';
import { modelSpecSchema } from '../../../domain/models/spec.ts';
import { MODEL_FILE, TfjsModel, WEIGHTS_FILE } from './model.ts';

const modelFileSchema = z.object({
  format: z.literal('paper-arena/model@1'),
  modelTopology: z.unknown(),
  weightSpecs: z.array(z.unknown()),
  normalizer: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }),
  yScale: z.object({ mean: z.number(), std: z.number() }),
  spec: modelSpecSchema,
  columns: z.array(z.string()),
  backend: z.enum(['tensorflow', 'wasm', 'cpu']),
});


export async function loadTfjs(files: ModelFiles): Promise<TfjsModel> {
  const backend = await initBackend();
  const text = files[MODEL_FILE];
  const weights = files[WEIGHTS_FILE];
  if (!text || !weights) throw new Error(`a tfjs model needs ${MODEL_FILE} and ${WEIGHTS_FILE}`);
  const parsed = modelFileSchema.safeParse(JSON.parse(new TextDecoder().decode(text)));
  if (!parsed.success) throw new Error(`${MODEL_FILE}: not a paper-arena tfjs model file (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  const m = parsed.data;
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  const net = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: m.modelTopology as tf.io.ModelJSON['modelTopology'],
      weightSpecs: m.weightSpecs as tf.io.WeightsManifestEntry[],
      weightData,
    }),
  );
  return new TfjsModel(net, m.spec, m.columns, m.normalizer, m.yScale, backend);
}
