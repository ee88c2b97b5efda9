/**
 * Fits a model in a fresh process and prints its fingerprint, for the cross-process determinism
 * tests of the model backends: `node --import tsx fit-child.ts '<json>'` with
 * `{ backend: 'dense' | 'forest' | 'gbdt', spec, data }` (data: `plantedSamples` options).
 */
import { fitDense } from '../adapters/models/dense/train.ts';
import { fitForest, fitGbdt } from '../adapters/models/trees/fit.ts';
import type { ModelSpec } from '../domain/models/spec.ts';
import { columnNames, modelFingerprint, plantedSamples, type TabularOptions } from './tabular.ts';

const { backend, spec, data } = JSON.parse(process.argv[2] ?? '{}') as { backend: 'dense' | 'forest' | 'gbdt'; spec: ModelSpec; data: TabularOptions };
const samples = plantedSamples(data);
const fit = backend === 'dense' ? fitDense : backend === 'forest' ? fitForest : fitGbdt;
const { model } = await fit({ samples, spec, columns: columnNames(samples[0]?.x.length ?? 0) });
process.stdout.write(JSON.stringify(await modelFingerprint(model, samples)) + '\n');
