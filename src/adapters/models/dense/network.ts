/**
 * A small fully-connected network on Float64Arrays: its layers, the seeded initialisation and the
 * forward pass used to predict. Training runs in workspace.ts (same arithmetic, same order, so a
 * prediction here equals the training forward pass to the bit).
 *
 * Layout: layer l has `inputs × units`; its kernel is stored unit-major (`W[j·inputs + k]`, the
 * transpose of tfjs's `[inputs, units]`). Each output is b[j] + Σ_k a[k]·W[j][k], summed in k order.
 */
import { seededRandom } from '../../../domain/models/rng.ts';

export type HiddenActivation = 'relu' | 'tanh' | 'elu';

export interface DenseLayer {
  readonly inputs: number;
  readonly units: number;
  /** Hidden layers use the encoder's activation; the output layer is linear (a logit for binary outputs). */
  readonly activation: HiddenActivation | 'linear';
  /** Unit-major kernel: W[j·inputs + k] connects input k to unit j. */
  readonly W: Float64Array;
  readonly b: Float64Array;
}

/** Layer shapes for an input width, hidden sizes (empty: a linear model) and the activation. */
export function architecture(inputs: number, hidden: readonly number[], activation: HiddenActivation): { inputs: number; units: number; activation: HiddenActivation | 'linear' }[] {
  const sizes = [inputs, ...hidden, 1];
  return sizes.slice(1).map((units, l) => ({ inputs: sizes[l] as number, units, activation: l < hidden.length ? activation : 'linear' }));
}

/** Glorot-uniform kernels (limit √(6 / (fan_in + fan_out))) from one seeded stream, zero biases — tfjs's defaults. */
export function initLayers(shape: ReturnType<typeof architecture>, seed: number): DenseLayer[] {
  const random = seededRandom(seed);
  return shape.map(({ inputs, units, activation }) => {
    const limit = Math.sqrt(6 / (inputs + units));
    const W = new Float64Array(inputs * units);
    for (let i = 0; i < W.length; i++) W[i] = (2 * random() - 1) * limit;
    return { inputs, units, activation, W, b: new Float64Array(units) };
  });
}

export function cloneLayers(layers: readonly DenseLayer[]): DenseLayer[] {
  return layers.map((l) => ({ ...l, W: l.W.slice(), b: l.b.slice() }));
}

export function copyWeights(from: readonly DenseLayer[], to: readonly DenseLayer[]): void {
  from.forEach((l, i) => {
    (to[i] as DenseLayer).W.set(l.W);
    (to[i] as DenseLayer).b.set(l.b);
  });
}

/**
 * Forward pass of `rows` samples: `acts[0]` holds the inputs (rows × inputs), `acts[l + 1]`
 * receives layer l's activations. The last buffer holds the raw output (a logit for binary).
 */
export function forward(layers: readonly DenseLayer[], acts: readonly Float64Array[], rows: number): void {
  for (let l = 0; l < layers.length; l++) {
    const { inputs: nin, units: nout, W, b, activation } = layers[l] as DenseLayer;
    const a = acts[l] as Float64Array;
    const z = acts[l + 1] as Float64Array;
    // Register blocking, 2 samples × 4 units: each loaded input feeds 4 products and each loaded weight 2
    // (V8 does not vectorise; loads and bounds checks are the cost). Fixed order → deterministic.
    let i = 0;
    for (; i + 1 < rows; i += 2) {
      const ra = i * nin;
      const rb = ra + nin;
      const rz = i * nout;
      let j = 0;
      for (; j + 3 < nout; j += 4) {
        const w0 = j * nin;
        const w1 = w0 + nin;
        const w2 = w1 + nin;
        const w3 = w2 + nin;
        let a0 = b[j]!, a1 = b[j + 1]!, a2 = b[j + 2]!, a3 = b[j + 3]!;
        let b0 = a0, b1 = a1, b2 = a2, b3 = a3;
        for (let k = 0; k < nin; k++) {
          const x = a[ra + k]!;
          const y = a[rb + k]!;
          const v0 = W[w0 + k]!, v1 = W[w1 + k]!, v2 = W[w2 + k]!, v3 = W[w3 + k]!;
          a0 += x * v0;
          a1 += x * v1;
          a2 += x * v2;
          a3 += x * v3;
          b0 += y * v0;
          b1 += y * v1;
          b2 += y * v2;
          b3 += y * v3;
        }
        z[rz + j] = a0;
        z[rz + j + 1] = a1;
        z[rz + j + 2] = a2;
        z[rz + j + 3] = a3;
        z[rz + nout + j] = b0;
        z[rz + nout + j + 1] = b1;
        z[rz + nout + j + 2] = b2;
        z[rz + nout + j + 3] = b3;
      }
      for (; j < nout; j++) {
        const w0 = j * nin;
        let a0 = b[j]!;
        let b0 = a0;
        for (let k = 0; k < nin; k++) {
          const v = W[w0 + k]!;
          a0 += a[ra + k]! * v;
          b0 += a[rb + k]! * v;
        }
        z[rz + j] = a0;
        z[rz + nout + j] = b0;
      }
    }
    for (; i < rows; i++) {
      const ra = i * nin;
      const rz = i * nout;
      for (let j = 0; j < nout; j++) {
        const w0 = j * nin;
        let s = b[j]!;
        for (let k = 0; k < nin; k++) s += a[ra + k]! * W[w0 + k]!;
        z[rz + j] = s;
      }
    }
    activate(z, rows * nout, activation);
  }
}

function activate(z: Float64Array, n: number, activation: DenseLayer['activation']): void {
  if (activation === 'relu') for (let k = 0; k < n; k++) z[k] = z[k]! > 0 ? z[k]! : 0;
  else if (activation === 'tanh') for (let k = 0; k < n; k++) z[k] = Math.tanh(z[k]!);
  else if (activation === 'elu') for (let k = 0; k < n; k++) z[k] = z[k]! > 0 ? z[k]! : Math.expm1(z[k]!);
}

export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const; // tfjs/Keras defaults (ε = backend epsilon)

/** Activation buffers for `rows` samples: acts[0] is the input. */
export function activationBuffers(layers: readonly DenseLayer[], rows: number): Float64Array[] {
  return [new Float64Array(rows * (layers[0] as DenseLayer).inputs), ...layers.map((l) => new Float64Array(rows * l.units))];
}

/** Numerically stable binary cross-entropy of a logit z against y ∈ {0, 1}. */
export function logLoss(z: number, y: number): number {
  return Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
