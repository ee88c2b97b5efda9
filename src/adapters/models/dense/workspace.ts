/**
 * The training workspace of a dense network: every buffer the per-batch work touches lives in one
 * float64 heap — WebAssembly memory when the SIMD kernel is available, a plain Float64Array otherwise —
 * and the three matrix products of a step go through one kernel, `product` (see wasm.ts):
 *
 *   forward      z = b + a·Wᵀ      (A = activations, B = Wᵀ kept next to W)
 *   gradient     ∂W = δᵀ·a         (A = δ read transposed, B = activations)
 *   lower delta  δ' = δ·W          (A = δ, B = W), then ⊙ f'(output below)
 *
 * Rows of every matrix are padded to an even number of columns (the SIMD kernel works on column
 * pairs); padding never enters a sum (reductions run over the real R only) and stays +0. The order of
 * every floating-point operation is fixed and the same for both kernels, so a fit is bit-identical
 * whichever kernel ran, and equal to `forward` in network.ts, which predicts.
 */
import { ADAM, type DenseLayer } from './network.ts';
import { instantiateKernels, kernelModule } from './wasm.ts';

/** C[p·ldc + q] = heap[init + q] + Σ_r heap[A + r·ar + p·ap] · heap[B + r·ldb + q] (element offsets; Q even). */
export type ProductKernel = (C: number, ldc: number, A: number, ar: number, ap: number, B: number, ldb: number, init: number, P: number, Q: number, R: number) => void;

/** The heap kernels: the product, and ReLU / its derivative mask over n (even) elements (element offsets). */
export interface Kernels {
  product: ProductKernel;
  relu(at: number, n: number): void;
  reluMask(delta: number, output: number, n: number): void;
}

export function kernelsJs(heap: Float64Array): Kernels {
  return {
    product: productJs(heap),
    relu: (at, n) => {
      for (let k = at; k < at + n; k++) heap[k] = heap[k]! > 0 ? heap[k]! : 0;
    },
    reluMask: (d, a, n) => {
      for (let k = 0; k < n; k++) heap[d + k] = heap[a + k]! > 0 ? heap[d + k]! : 0;
    },
  };
}

/** The scalar kernel: blocked 2 × 4 in registers, each element accumulated over r in order (as the SIMD lanes are). */
export function productJs(heap: Float64Array): ProductKernel {
  return (C, ldc, A, ar, ap, B, ldb, init, P, Q, R) => {
    let p = 0;
    for (; p + 1 < P; p += 2) {
      const pa0 = A + p * ap;
      const pa1 = pa0 + ap;
      const c0 = C + p * ldc;
      const c1 = c0 + ldc;
      let q = 0;
      for (; q + 3 < Q; q += 4) {
        let s0 = heap[init + q]!, s1 = heap[init + q + 1]!, s2 = heap[init + q + 2]!, s3 = heap[init + q + 3]!;
        let t0 = s0, t1 = s1, t2 = s2, t3 = s3;
        for (let r = 0, ia = 0, ib = B + q; r < R; r++, ia += ar, ib += ldb) {
          const d0 = heap[pa0 + ia]!;
          const d1 = heap[pa1 + ia]!;
          const x0 = heap[ib]!, x1 = heap[ib + 1]!, x2 = heap[ib + 2]!, x3 = heap[ib + 3]!;
          s0 += d0 * x0;
          s1 += d0 * x1;
          s2 += d0 * x2;
          s3 += d0 * x3;
          t0 += d1 * x0;
          t1 += d1 * x1;
          t2 += d1 * x2;
          t3 += d1 * x3;
        }
        heap[c0 + q] = s0;
        heap[c0 + q + 1] = s1;
        heap[c0 + q + 2] = s2;
        heap[c0 + q + 3] = s3;
        heap[c1 + q] = t0;
        heap[c1 + q + 1] = t1;
        heap[c1 + q + 2] = t2;
        heap[c1 + q + 3] = t3;
      }
      for (; q < Q; q++) {
        let s = heap[init + q]!;
        let t = s;
        for (let r = 0, ia = 0, ib = B + q; r < R; r++, ia += ar, ib += ldb) {
          const x = heap[ib]!;
          s += heap[pa0 + ia]! * x;
          t += heap[pa1 + ia]! * x;
        }
        heap[c0 + q] = s;
        heap[c1 + q] = t;
      }
    }
    for (; p < P; p++) {
      const pa = A + p * ap;
      for (let q = 0; q < Q; q++) {
        let s = heap[init + q]!;
        for (let r = 0, ia = 0, ib = B + q; r < R; r++, ia += ar, ib += ldb) s += heap[pa + ia]! * heap[ib]!;
        heap[C + p * ldc + q] = s;
      }
    }
  };
}

const even = (n: number) => n + (n & 1);

interface Slots {
  nin: number;
  nout: number;
  /** Padded widths: pin = even(nin), pout = even(nout). */
  pin: number;
  pout: number;
  activation: DenseLayer['activation'];
  /** Unit-major kernel, nout × pin. */
  W: number;
  /** Its transpose, nin × pout (the forward pass's B). */
  Wt: number;
  /** Bias, pout. */
  b: number;
  /** Bias gradient, pout. */
  gb: number;
  /** Kernel gradient, nout × pin. */
  gW: number;
  /** Adam moments of the real (unpadded) kernel and bias. */
  mW: Float64Array;
  vW: Float64Array;
  mb: Float64Array;
  vb: Float64Array;
}

export type KernelChoice = 'auto' | 'wasm' | 'js';

export class Workspace {
  readonly heap: Float64Array;
  readonly kernel: 'wasm' | 'js';
  readonly slots: Slots[];
  /** acts[l]: the input of layer l (rows × slots[l].pin); acts[L]: the output (rows × pout of the last layer). */
  readonly acts: number[];
  /** deltas[l]: ∂loss/∂(pre-activation of layer l), rows × slots[l].pout. */
  readonly deltas: number[];
  readonly batch: number;
  private readonly k: Kernels;
  private readonly zero: number;
  /** batch ones: the bias gradient is the product 1ᵀ·δ. */
  private readonly ones: number;
  private accBeta1: number = ADAM.beta1;
  private accBeta2: number = ADAM.beta2;

  constructor(layers: readonly DenseLayer[], batch: number, choice: KernelChoice = 'auto') {
    let size = 0;
    const alloc = (n: number) => {
      const at = size;
      size += even(n);
      return at;
    };
    this.batch = batch;
    this.slots = layers.map((l) => {
      const pin = even(l.inputs);
      const pout = even(l.units);
      return {
        nin: l.inputs,
        nout: l.units,
        pin,
        pout,
        activation: l.activation,
        W: alloc(l.units * pin),
        Wt: alloc(l.inputs * pout),
        b: alloc(pout),
        gW: alloc(l.units * pin),
        gb: alloc(pout),
        mW: new Float64Array(l.units * l.inputs),
        vW: new Float64Array(l.units * l.inputs),
        mb: new Float64Array(l.units),
        vb: new Float64Array(l.units),
      };
    });
    this.acts = [...this.slots.map((s) => alloc(batch * s.pin)), alloc(batch * (this.slots[this.slots.length - 1] as Slots).pout)];
    this.deltas = this.slots.map((s) => alloc(batch * s.pout));
    this.zero = alloc(Math.max(...this.slots.map((s) => Math.max(s.pin, s.pout))));
    this.ones = alloc(batch);
    const module = choice === 'js' ? null : kernelModule();
    if (choice === 'wasm' && !module) throw new Error('WebAssembly SIMD is not available in this runtime');
    if (module) {
      const wasm = instantiateKernels(module, size * 8);
      this.heap = new Float64Array(wasm.memory.buffer, 0, size);
      this.kernel = 'wasm';
      this.k = {
        product: (C, ldc, A, ar, ap, B, ldb, init, P, Q, R) => wasm.product(C * 8, ldc * 8, A * 8, ar * 8, ap * 8, B * 8, ldb * 8, init * 8, P, Q >> 1, R),
        relu: (at, n) => wasm.relu(at * 8, n),
        reluMask: (d, a, n) => wasm.reluMask(d * 8, a * 8, n),
      };
    } else {
      this.heap = new Float64Array(size);
      this.kernel = 'js';
      this.k = kernelsJs(this.heap);
    }
    this.heap.fill(1, this.ones, this.ones + batch);
    this.setWeights(layers);
  }

  /** Copies kernels and biases in (and refreshes the transposes). */
  setWeights(layers: readonly DenseLayer[]): void {
    const h = this.heap;
    layers.forEach((layer, l) => {
      const s = this.slots[l] as Slots;
      for (let j = 0; j < s.nout; j++) for (let k = 0; k < s.nin; k++) h[s.W + j * s.pin + k] = layer.W[j * s.nin + k]!;
      for (let j = 0; j < s.nout; j++) h[s.b + j] = layer.b[j]!;
    });
    this.transpose();
  }

  /** The current weights as (unpadded) layers. */
  weights(): DenseLayer[] {
    const h = this.heap;
    return this.slots.map((s) => {
      const W = new Float64Array(s.nout * s.nin);
      for (let j = 0; j < s.nout; j++) for (let k = 0; k < s.nin; k++) W[j * s.nin + k] = h[s.W + j * s.pin + k]!;
      return { inputs: s.nin, units: s.nout, activation: s.activation, W, b: h.slice(s.b, s.b + s.nout) };
    });
  }

  private transpose(): void {
    const h = this.heap;
    for (const s of this.slots) for (let j = 0; j < s.nout; j++) for (let k = 0; k < s.nin; k++) h[s.Wt + k * s.pout + j] = h[s.W + j * s.pin + k]!;
  }

  /** Writes row `row` of the input (d numbers from `src` at `offset`). */
  setInput(row: number, src: Float64Array, offset: number): void {
    const s = this.slots[0] as Slots;
    const o = this.acts[0]! + row * s.pin;
    for (let k = 0; k < s.nin; k++) this.heap[o + k] = src[offset + k]!;
  }

  /** Raw output (a logit for binary models) of row `row` after `forward`. */
  output(row: number): number {
    return this.heap[this.acts[this.slots.length]! + row * (this.slots[this.slots.length - 1] as Slots).pout]!;
  }

  /** Sets ∂loss/∂output of row `row` (before `backward`). */
  setOutputDelta(row: number, value: number): void {
    this.heap[this.deltas[this.slots.length - 1]! + row * (this.slots[this.slots.length - 1] as Slots).pout] = value;
  }

  forward(rows: number): void {
    const h = this.heap;
    this.slots.forEach((s, l) => {
      const z = this.acts[l + 1]!;
      this.k.product(z, s.pout, this.acts[l]!, 1, s.pin, s.Wt, s.pout, s.b, rows, s.pout, s.nin);
      const n = rows * s.pout;
      if (s.activation === 'relu') this.k.relu(z, n);
      else if (s.activation === 'tanh') for (let k = z; k < z + n; k++) h[k] = Math.tanh(h[k]!);
      else if (s.activation === 'elu') for (let k = z; k < z + n; k++) h[k] = h[k]! > 0 ? h[k]! : Math.expm1(h[k]!);
    });
  }

  /** Gradients of every layer from the output deltas set with `setOutputDelta`. */
  backward(rows: number): void {
    const h = this.heap;
    for (let l = this.slots.length - 1; l >= 0; l--) {
      const s = this.slots[l] as Slots;
      const delta = this.deltas[l]!;
      const a = this.acts[l]!;
      // ∂b = 1ᵀ·δ ; ∂W[j][k] = Σ_i δ[i][j]·a[i][k]
      this.k.product(s.gb, s.pout, this.ones, 1, 0, delta, s.pout, this.zero, 1, s.pout, rows);
      this.k.product(s.gW, s.pin, delta, s.pout, 1, a, s.pin, this.zero, s.nout, s.pin, rows);
      if (l === 0) continue;
      // δ below = (δ·W) ⊙ f'(output below), that output being acts[l]
      const below = this.slots[l - 1] as Slots;
      const prev = this.deltas[l - 1]!;
      this.k.product(prev, s.pin, delta, 1, s.pout, s.W, s.pin, this.zero, rows, s.pin, s.nout);
      const n = rows * s.pin;
      if (below.activation === 'relu') this.k.reluMask(prev, a, n);
      else if (below.activation === 'tanh') for (let k = 0; k < n; k++) h[prev + k] = h[prev + k]! * (1 - h[a + k]! * h[a + k]!);
      else if (below.activation === 'elu') for (let k = 0; k < n; k++) h[prev + k] = h[a + k]! > 0 ? h[prev + k]! : h[prev + k]! * (h[a + k]! + 1);
    }
  }

  /** Adds 2·λ·W to the hidden kernels' gradients; returns the penalty λ·ΣW² (weights before the update). */
  addL2(l2: number): number {
    if (l2 <= 0) return 0;
    const h = this.heap;
    let penalty = 0;
    for (let l = 0; l < this.slots.length - 1; l++) {
      const s = this.slots[l] as Slots;
      let sum = 0;
      for (let j = 0; j < s.nout; j++) {
        for (let k = 0; k < s.nin; k++) {
          const w = h[s.W + j * s.pin + k]!;
          sum += w * w;
          h[s.gW + j * s.pin + k] = h[s.gW + j * s.pin + k]! + 2 * l2 * w;
        }
      }
      penalty += l2 * sum;
    }
    return penalty;
  }

  /** One Adam step (tfjs's arithmetic: bias corrections from β products multiplied in), then the transposes. */
  adam(lr: number): void {
    const h = this.heap;
    const { beta1, beta2, epsilon } = ADAM;
    const c1 = 1 - this.accBeta1;
    const c2 = 1 - this.accBeta2;
    for (const s of this.slots) {
      for (let j = 0; j < s.nout; j++) {
        for (let k = 0; k < s.nin; k++) {
          const i = j * s.nin + k;
          const at = j * s.pin + k;
          const g = h[s.gW + at]!;
          const m = beta1 * s.mW[i]! + (1 - beta1) * g;
          const v = beta2 * s.vW[i]! + (1 - beta2) * g * g;
          s.mW[i] = m;
          s.vW[i] = v;
          h[s.W + at] = h[s.W + at]! - lr * (m / c1 / (Math.sqrt(v / c2) + epsilon));
        }
      }
      for (let j = 0; j < s.nout; j++) {
        const g = h[s.gb + j]!;
        const m = beta1 * s.mb[j]! + (1 - beta1) * g;
        const v = beta2 * s.vb[j]! + (1 - beta2) * g * g;
        s.mb[j] = m;
        s.vb[j] = v;
        h[s.b + j] = h[s.b + j]! - lr * (m / c1 / (Math.sqrt(v / c2) + epsilon));
      }
    }
    this.accBeta1 *= beta1;
    this.accBeta2 *= beta2;
    this.transpose();
  }
}
