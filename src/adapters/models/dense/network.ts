/**
 * A small fully-connected network on Float64Arrays: the forward pass, the backward pass fused
 * per batch into preallocated buffers, and Adam — what tfjs does for `linear`/`mlp` encoders, minus
 * its per-op overhead (tfjs WASM spends 35–110 µs per op; a 32-16 MLP step is ~20 ops on
 * 128×30 numbers, so the arithmetic is a small share of its time).
 *
 * Layout: layer l has `inputs × units`; its kernel is stored unit-major (`W[j·inputs + k]`, the
 * transpose of tfjs's `[inputs, units]`) so the forward dot product and both backward updates run
 * over contiguous memory. No allocation happens per sample or per batch.
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

/** Per-layer gradient and Adam moment buffers, plus the delta buffers of a batch. */
export interface TrainState {
  gW: Float64Array[];
  gb: Float64Array[];
  mW: Float64Array[];
  vW: Float64Array[];
  mb: Float64Array[];
  vb: Float64Array[];
  /** deltas[l]: ∂loss/∂(pre-activation of layer l), rows × units. */
  deltas: Float64Array[];
  /** Adam step count (t in the bias corrections). */
  step: number;
  /** β₁ᵗ and β₂ᵗ, multiplied in like tfjs (not recomputed with pow), for step-for-step parity. */
  accBeta1: number;
  accBeta2: number;
}

export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const; // tfjs/Keras defaults (ε = backend epsilon)

export function trainState(layers: readonly DenseLayer[], batch: number): TrainState {
  const z = (n: number) => new Float64Array(n);
  return {
    gW: layers.map((l) => z(l.W.length)),
    gb: layers.map((l) => z(l.units)),
    mW: layers.map((l) => z(l.W.length)),
    vW: layers.map((l) => z(l.W.length)),
    mb: layers.map((l) => z(l.units)),
    vb: layers.map((l) => z(l.units)),
    deltas: layers.map((l) => z(batch * l.units)),
    step: 0,
    accBeta1: ADAM.beta1,
    accBeta2: ADAM.beta2,
  };
}

/**
 * C[p·Q + q] = Σ_r A[r·sr + p·sp] · B[r·Q + q] for p < P, q < Q (C overwritten): the products of the
 * backward pass, with A read through strides so both AᵀB (kernel gradients) and AB (deltas of the
 * layer below) use it. Blocked 2 × 4 in registers: per step 2 loads of A and 4 of B feed 8 products
 * and C is written once (accumulating in memory costs a load and a store per product).
 */
export function stridedProduct(C: Float64Array, A: Float64Array, sr: number, sp: number, B: Float64Array, P: number, Q: number, R: number): void {
  let p = 0;
  for (; p + 1 < P; p += 2) {
    const pa0 = p * sp;
    const pa1 = pa0 + sp;
    const c0 = p * Q;
    const c1 = c0 + Q;
    let q = 0;
    for (; q + 3 < Q; q += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      for (let r = 0, ia = 0, ib = q; r < R; r++, ia += sr, ib += Q) {
        const d0 = A[ia + pa0]!;
        const d1 = A[ia + pa1]!;
        const x0 = B[ib]!, x1 = B[ib + 1]!, x2 = B[ib + 2]!, x3 = B[ib + 3]!;
        s0 += d0 * x0;
        s1 += d0 * x1;
        s2 += d0 * x2;
        s3 += d0 * x3;
        t0 += d1 * x0;
        t1 += d1 * x1;
        t2 += d1 * x2;
        t3 += d1 * x3;
      }
      C[c0 + q] = s0;
      C[c0 + q + 1] = s1;
      C[c0 + q + 2] = s2;
      C[c0 + q + 3] = s3;
      C[c1 + q] = t0;
      C[c1 + q + 1] = t1;
      C[c1 + q + 2] = t2;
      C[c1 + q + 3] = t3;
    }
    for (; q < Q; q++) {
      let s = 0;
      let t = 0;
      for (let r = 0, ia = 0, ib = q; r < R; r++, ia += sr, ib += Q) {
        const x = B[ib]!;
        s += A[ia + pa0]! * x;
        t += A[ia + pa1]! * x;
      }
      C[c0 + q] = s;
      C[c1 + q] = t;
    }
  }
  for (; p < P; p++) {
    const pa = p * sp;
    for (let q = 0; q < Q; q++) {
      let s = 0;
      for (let r = 0, ia = 0, ib = q; r < R; r++, ia += sr, ib += Q) s += A[ia + pa]! * B[ib]!;
      C[p * Q + q] = s;
    }
  }
}

/**
 * Backward pass for a batch whose output deltas are already in `state.deltas[last]`: fills the
 * gradients (`gW`, `gb`) from the activations `acts` left by `forward`, and the deltas of the
 * layers below.
 */
export function backward(layers: readonly DenseLayer[], acts: readonly Float64Array[], state: TrainState, rows: number): void {
  for (let l = layers.length - 1; l >= 0; l--) {
    const { inputs: nin, units: nout, W } = layers[l] as DenseLayer;
    const delta = state.deltas[l] as Float64Array;
    const a = acts[l] as Float64Array;
    const gb = state.gb[l] as Float64Array;
    gb.fill(0);
    for (let i = 0; i < rows; i++) for (let j = 0; j < nout; j++) gb[j] = gb[j]! + delta[i * nout + j]!;
    // ∂/∂W[j,k] = Σ_i δ[i,j]·a[i,k]  (δᵀa)
    stridedProduct(state.gW[l] as Float64Array, delta, nout, 1, a, nout, nin, rows);
    if (l === 0) continue;
    // δ of the layer below: (δW)[i,k] ⊙ f'(its output), its output being acts[l].
    const prev = state.deltas[l - 1] as Float64Array;
    stridedProduct(prev, delta, 1, nout, W, rows, nin, nout);
    const act = (layers[l - 1] as DenseLayer).activation;
    const n = rows * nin;
    if (act === 'relu') for (let k = 0; k < n; k++) prev[k] = a[k]! > 0 ? prev[k]! : 0;
    else if (act === 'tanh') for (let k = 0; k < n; k++) prev[k] = prev[k]! * (1 - a[k]! * a[k]!);
    else if (act === 'elu') for (let k = 0; k < n; k++) prev[k] = a[k]! > 0 ? prev[k]! : prev[k]! * (a[k]! + 1);
  }
}

/** Adds the L2 gradient 2·λ·W to the hidden kernels and returns the penalty λ·ΣW² (before the update). */
export function addL2(layers: readonly DenseLayer[], state: TrainState, l2: number): number {
  if (l2 <= 0) return 0;
  let penalty = 0;
  for (let l = 0; l < layers.length - 1; l++) {
    const W = (layers[l] as DenseLayer).W;
    const gW = state.gW[l] as Float64Array;
    let s = 0;
    for (let k = 0; k < W.length; k++) {
      const w = W[k]!;
      s += w * w;
      gW[k] = gW[k]! + 2 * l2 * w;
    }
    penalty += l2 * s;
  }
  return penalty;
}

/** One Adam step over every kernel and bias, in tfjs's arithmetic order. */
export function adamStep(layers: readonly DenseLayer[], state: TrainState, lr: number): void {
  state.step++;
  const { beta1, beta2, epsilon } = ADAM;
  const c1 = 1 - state.accBeta1;
  const c2 = 1 - state.accBeta2;
  const update = (w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array) => {
    for (let k = 0; k < w.length; k++) {
      const gk = g[k]!;
      const mk = beta1 * m[k]! + (1 - beta1) * gk;
      const vk = beta2 * v[k]! + (1 - beta2) * gk * gk;
      m[k] = mk;
      v[k] = vk;
      w[k] = w[k]! - lr * ((mk / c1) / (Math.sqrt(vk / c2) + epsilon));
    }
  };
  layers.forEach((layer, l) => {
    update(layer.W, state.gW[l] as Float64Array, state.mW[l] as Float64Array, state.vW[l] as Float64Array);
    update(layer.b, state.gb[l] as Float64Array, state.mb[l] as Float64Array, state.vb[l] as Float64Array);
  });
  state.accBeta1 *= beta1;
  state.accBeta2 *= beta2;
}

/** Activation buffers for `rows` samples: acts[0] is the input. */
export function activationBuffers(layers: readonly DenseLayer[], rows: number): Float64Array[] {
  return [new Float64Array(rows * (layers[0] as DenseLayer).inputs), ...layers.map((l) => new Float64Array(rows * l.units))];
}

/** Numerically stable binary cross-entropy of a logit z against y ∈ {0, 1}. */
export function logLoss(z: number, y: number): number {
  return Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
