/**
 * Model files without tfjs-node: `model.json` (topology, weight specs, normaliser, target scale,
 * spec, columns) and `weights.bin`. tfjs's `file://` handler needs tfjs-node, so the artifacts are
 * captured with a save handler and loaded back from memory; predictions after reload are identical.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { tf, initBackend } from './backend.ts';
import { writeFileAtomic } from '../../../core/fsx.ts';
import { modelSpecSchema } from '../../../domain/models/spec.ts';
import type { TrainedModel } from './train.ts';

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

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

export async function saveModel(dir: string, model: TrainedModel): Promise<void> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.net.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  if (!captured?.weightData || !captured.weightSpecs) throw new Error('tfjs did not hand over the model weights');
  const weightData = captured.weightData;
  const bytes = weightData instanceof ArrayBuffer ? new Uint8Array(weightData) : new Uint8Array(tf.io.concatenateArrayBuffers(weightData));
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, WEIGHTS_FILE), bytes);
  const json = {
    format: 'paper-arena/model@1',
    modelTopology: captured.modelTopology,
    weightSpecs: captured.weightSpecs,
    normalizer: model.normalizer,
    yScale: model.yScale,
    spec: model.spec,
    columns: model.columns,
    backend: model.backend,
  };
  await writeFileAtomic(path.join(dir, MODEL_FILE), JSON.stringify(json));
}

export async function loadModel(dir: string): Promise<TrainedModel> {
  const backend = await initBackend();
  const file = path.join(dir, MODEL_FILE);
  const parsed = modelFileSchema.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: not a paper-arena model file (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  const m = parsed.data;
  const weights = await fs.readFile(path.join(dir, WEIGHTS_FILE));
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  const net = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: m.modelTopology as tf.io.ModelJSON['modelTopology'],
      weightSpecs: m.weightSpecs as tf.io.WeightsManifestEntry[],
      weightData,
    }),
  );
  return { net, spec: m.spec, columns: m.columns, normalizer: m.normalizer, yScale: m.yScale, backend };
}
