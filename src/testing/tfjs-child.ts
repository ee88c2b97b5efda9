/**
 * Trains a small network with the tfjs trainer on one TensorFlow.js backend in a fresh process (tfjs
 * keeps one backend per process) and prints what it predicts, for the tfjs-node integration test:
 * `node --import tsx tfjs-child.ts '<json>'` with `{ backend: 'wasm' | 'tensorflow', spec, data }`.
 * With `roundTrip`, the model is also saved and loaded back through the model family (as the registry
 * does) and the loaded model's predictions are printed too.
 */
import { builtinBackendFor } from '../adapters/models/index.ts';
import { trainModel } from '../adapters/models/tfjs/train.ts';
import { modelSpecSchema } from '../domain/models/spec.ts';
import { columnNames, plantedSamples, type TabularOptions } from './tabular.ts';

const args = JSON.parse(process.argv[2] ?? '{}') as { backend: 'wasm' | 'tensorflow'; spec: unknown; data: TabularOptions; roundTrip?: boolean };
const spec = modelSpecSchema.parse(args.spec);
const samples = plantedSamples(args.data);
const columns = columnNames(samples[0]?.x.length ?? 0);
const { model } = await trainModel({ samples, spec, columns }, args.backend);
const probe = samples.slice(-200);
const out: { backend: string; predictions: number[]; loaded?: { backend: string; predictions: number[] } } = { backend: model.backend, predictions: model.predict(probe) };
if (args.roundTrip) {
  const loaded = await builtinBackendFor(spec).load(await model.save(), { spec, columns });
  out.loaded = { backend: loaded.backend, predictions: loaded.predict(probe) };
  loaded.dispose();
}
model.dispose();
process.stdout.write(JSON.stringify(out) + '\n');
