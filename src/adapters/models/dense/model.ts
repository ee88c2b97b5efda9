/**
 * A fitted dense network and its files.
 *
 * Format `paper-arena/dense@1`: `model.json` holds the architecture (per layer: inputs, units,
 * activation), the normaliser, the target scale, the spec and the input columns; `weights.bin`
 * holds, layer after layer, the unit-major kernel (units × inputs) then the bias, as little-endian
 * float64. Binary because a 6 × 1024 MLP is megabytes of weights; float64 so a reload predicts
 * bit-identically. JSON numbers round-trip doubles exactly, so the normaliser stays in model.json.
 */
import { z } from 'zod';
import type { Sample } from '../../../domain/models/dataset.ts';
import type { ModelFiles, TrainedModel } from '../../../domain/models/model.ts';
import type { Normalizer } from '../../../domain/models/normalize.ts';
import { outputKind, type ModelSpec } from '../../../domain/models/spec.ts';
import { activationBuffers, forward, sigmoid, type DenseLayer } from './network.ts';

export interface TargetScale {
  mean: number;
  std: number;
}

export const DENSE_FORMAT = 'paper-arena/dense@1';
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

const modelFileSchema = z.object({
  format: z.literal(DENSE_FORMAT),
  backend: z.literal('js'),
  output: z.enum(['numerical', 'binary']),
  layers: z.array(z.object({ inputs: z.number().int().positive(), units: z.number().int().positive(), activation: z.enum(['relu', 'tanh', 'elu', 'linear']) })).min(1),
  normalizer: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }),
  yScale: z.object({ mean: z.number(), std: z.number() }),
  spec: z.unknown(),
  columns: z.array(z.string()),
});

/** Rows predicted per forward call: bounds the activation buffers whatever the request size. */
const CHUNK = 256;

export class DenseModel implements TrainedModel {
  readonly backend = 'js';
  readonly spec: ModelSpec;
  readonly columns: string[];
  readonly layers: readonly DenseLayer[];
  readonly normalizer: Normalizer;
  readonly yScale: TargetScale;

  constructor(m: { spec: ModelSpec; columns: string[]; layers: readonly DenseLayer[]; normalizer: Normalizer; yScale: TargetScale }) {
    this.spec = m.spec;
    this.columns = m.columns;
    this.layers = m.layers;
    this.normalizer = m.normalizer;
    this.yScale = m.yScale;
  }

  /** Same layer shapes, inputs and output: this model's weights can seed a fit of `spec` (warm start). */
  sameArchitecture(spec: ModelSpec, columns: readonly string[]): boolean {
    return JSON.stringify(this.spec.encoder) === JSON.stringify(spec.encoder) && this.columns.join('\u0000') === columns.join('\u0000') && this.spec.output.feature === spec.output.feature;
  }

  predict(samples: readonly Sample[]): number[] {
    const d = (this.layers[0] as DenseLayer).inputs;
    const rowsMax = Math.min(CHUNK, samples.length);
    if (rowsMax === 0) return [];
    const acts = activationBuffers(this.layers, rowsMax);
    const input = acts[0] as Float64Array;
    const out = acts[this.layers.length] as Float64Array;
    const { mean, std } = this.normalizer;
    const binary = outputKind(this.spec) === 'binary';
    const result = new Array<number>(samples.length);
    for (let start = 0; start < samples.length; start += CHUNK) {
      const rows = Math.min(CHUNK, samples.length - start);
      for (let i = 0; i < rows; i++) {
        const x = (samples[start + i] as Sample).x;
        if (x.length !== d) throw new Error(`the model takes ${d} inputs (${this.columns.join(', ')}); a sample has ${x.length}`);
        for (let k = 0; k < d; k++) input[i * d + k] = ((x[k] as number) - (mean[k] as number)) / (std[k] as number);
      }
      forward(this.layers, acts, rows);
      for (let i = 0; i < rows; i++) result[start + i] = binary ? sigmoid(out[i]!) : out[i]! * this.yScale.std + this.yScale.mean;
    }
    return result;
  }

  async save(): Promise<ModelFiles> {
    const count = this.layers.reduce((a, l) => a + l.W.length + l.b.length, 0);
    const bytes = new Uint8Array(count * 8);
    const view = new DataView(bytes.buffer);
    let o = 0;
    for (const l of this.layers) {
      for (const arr of [l.W, l.b]) {
        for (let k = 0; k < arr.length; k++, o += 8) view.setFloat64(o, arr[k]!, true);
      }
    }
    const json = {
      format: DENSE_FORMAT,
      backend: this.backend,
      output: outputKind(this.spec),
      layers: this.layers.map(({ inputs, units, activation }) => ({ inputs, units, activation })),
      normalizer: this.normalizer,
      yScale: this.yScale,
      spec: this.spec,
      columns: this.columns,
    };
    return { [MODEL_FILE]: new TextEncoder().encode(JSON.stringify(json)), [WEIGHTS_FILE]: bytes };
  }

  dispose(): void {}
}

export async function loadDense(files: ModelFiles, meta: { spec: ModelSpec; columns: string[] }): Promise<DenseModel> {
  const jsonBytes = files[MODEL_FILE];
  const weights = files[WEIGHTS_FILE];
  if (!jsonBytes || !weights) throw new Error(`a dense model needs ${MODEL_FILE} and ${WEIGHTS_FILE}; got ${Object.keys(files).join(', ') || 'no files'}`);
  const parsed = modelFileSchema.safeParse(JSON.parse(new TextDecoder().decode(jsonBytes)));
  if (!parsed.success) throw new Error(`${MODEL_FILE}: not a ${DENSE_FORMAT} model file (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  const m = parsed.data;
  if (m.columns.join('\u0000') !== meta.columns.join('\u0000')) throw new Error(`${MODEL_FILE}: the model was trained on columns [${m.columns.join(', ')}], not [${meta.columns.join(', ')}]`);
  if (m.output !== outputKind(meta.spec)) throw new Error(`${MODEL_FILE}: a ${m.output} model cannot serve a ${outputKind(meta.spec)} spec`);
  const expected = m.layers.reduce((a, l) => a + l.inputs * l.units + l.units, 0) * 8;
  if (weights.byteLength !== expected) throw new Error(`${WEIGHTS_FILE}: ${weights.byteLength} bytes, expected ${expected} for the architecture in ${MODEL_FILE}`);
  const view = new DataView(weights.buffer, weights.byteOffset, weights.byteLength);
  let o = 0;
  const read = (n: number) => {
    const arr = new Float64Array(n);
    for (let k = 0; k < n; k++, o += 8) arr[k] = view.getFloat64(o, true);
    return arr;
  };
  const layers: DenseLayer[] = m.layers.map(({ inputs, units, activation }) => ({ inputs, units, activation, W: read(inputs * units), b: read(units) }));
  return new DenseModel({ spec: meta.spec, columns: meta.columns, layers, normalizer: m.normalizer, yScale: m.yScale });
}
