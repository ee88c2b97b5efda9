/** A fitted tfjs network: predicts, saves and frees itself (the ModelBackend contract). */
import { tf, type BackendName } from './backend.ts';
import type { Sample } from '../../../domain/models/dataset.ts';
import { windowOf } from '../../../domain/models/dataset.ts';
import type { ModelFiles, TrainedModel } from '../../../domain/models/model.ts';
import { applyNormalizer, type Normalizer } from '../../../domain/models/normalize.ts';
import type { ModelSpec } from '../../../domain/models/spec.ts';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

export interface TargetScale {
  mean: number;
  std: number;
}

export function toTensor(samples: readonly Sample[], norm: Normalizer, window: number, d: number): tf.Tensor {
  const data = new Float32Array(samples.length * window * d);
  let o = 0;
  for (const s of samples) {
    for (let k = 0; k < window; k++) {
      const z = applyNormalizer(norm, s.x.slice(k * d, (k + 1) * d));
      data.set(z, o);
      o += d;
    }
  }
  return window > 1 ? tf.tensor3d(data, [samples.length, window, d]) : tf.tensor2d(data, [samples.length, d]);
}

/** A fitted tfjs network with its input normaliser and target scale. */
export class TfjsModel implements TrainedModel {
  constructor(
    readonly net: tf.LayersModel,
    readonly spec: ModelSpec,
    readonly columns: string[],
    readonly normalizer: Normalizer,
    /** For numerical outputs the network learns (y − mean) / std; identity for binary. */
    readonly yScale: TargetScale,
    readonly backend: BackendName,
  ) {}

  /** Raw outputs in target units: a return / close ratio for numerical models, P(up) for binary. */
  predict(samples: readonly Sample[]): number[] {
    if (samples.length === 0) return [];
    const window = windowOf(this.spec);
    const d = (samples[0] as Sample).x.length / window;
    return tf.tidy(() => {
      const x = toTensor(samples, this.normalizer, window, d);
      const out = this.net.predict(x) as tf.Tensor;
      return Array.from(out.dataSync(), (v) => v * this.yScale.std + this.yScale.mean);
    });
  }

  /**
   * `model.json` (topology, weight specs, normaliser, target scale, spec, columns) and `weights.bin`.
   * tfjs's `file://` handler needs tfjs-node, so the artifacts are captured with a save handler
   * (and loaded back from memory by serialize.ts); predictions after reload are identical.
   */
  async save(): Promise<ModelFiles> {
    let captured: tf.io.ModelArtifacts | undefined;
    await this.net.save(
      tf.io.withSaveHandler(async (artifacts) => {
        captured = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
      }),
    );
    if (!captured?.weightData || !captured.weightSpecs) throw new Error('tfjs did not hand over the model weights');
    const weightData = captured.weightData;
    const bytes = weightData instanceof ArrayBuffer ? new Uint8Array(weightData) : new Uint8Array(tf.io.concatenateArrayBuffers(weightData));
    const json = {
      format: 'paper-arena/model@1',
      modelTopology: captured.modelTopology,
      weightSpecs: captured.weightSpecs,
      normalizer: this.normalizer,
      yScale: this.yScale,
      spec: this.spec,
      columns: this.columns,
      backend: this.backend,
    };
    return { [WEIGHTS_FILE]: bytes, [MODEL_FILE]: new TextEncoder().encode(JSON.stringify(json)) };
  }

  dispose(): void {
    this.net.dispose();
  }
}
