/**
 * The dense trainer's one hot kernel as WebAssembly SIMD (f64x2), assembled at module load by our
 * small encoder (wasm-encoder.ts) — no build step, no binary blob in git, no toolchain dependency.
 *
 *   C[p][q] = init[q] + Σ_{r < R} A(r, p) · B[r][q]     for p < P, q < Q (Q even)
 *
 * with A read through byte strides (A(r, p) at A + r·ar + p·ap) so the forward pass (a·Wᵀ + b),
 * the kernel gradients (δᵀ·a) and the deltas of the layer below (δ·W) are all this one product.
 * Every lane accumulates its own column over r in order, with a separate multiply and add (no
 * fused multiply-add), so the result is bit-identical to the scalar TypeScript kernel `productJs`
 * in workspace.ts — which runs where WebAssembly SIMD is missing and is the reference in tests.
 * Blocked 2 rows × 4 vectors (8 columns): 8 accumulators, 2 splats and 4 loads per step.
 * Measured here: ~0.2 ns per multiply-add against ~0.6 ns for the blocked scalar TypeScript loop.
 */
import { assembleModule, compileModule, I32, instantiate, op, V128, whileLoop, type WasmMemory, type WasmModule } from './wasm-encoder.ts';

// Parameters (all i32; pointers and strides in bytes): C, ldc, A, ar, ap, B, ldb, init, P, Qv (columns / 2), R.
const [C, LDC, A, AR, AP, B, LDB, INIT, P, QV, R] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
// i32 locals
const [p, q, r, a0, a1, c0, c1, ia, ib, qEnd4, qEnd] = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21];
// v128 locals: s0..s3 (row p), t0..t3 (row p + 1), b0..b3, x, y
const S = [22, 23, 24, 25];
const T = [26, 27, 28, 29];
const BV = [30, 31, 32, 33];
const [X, Y] = [34, 35];

/** One column block (1 or 2 rows × `vectors` vectors) while q < end. */
function columnLoop(rows: 1 | 2, vectors: 1 | 4, end: number): number[] {
  const lanes = Array.from({ length: vectors }, (_, v) => v);
  const body: number[] = [];
  // accumulators ← init[q …]
  for (const v of lanes) {
    body.push(...op.get(INIT), ...op.get(q), ...op.add, ...op.load(16 * v), ...op.set(S[v] as number));
    if (rows === 2) body.push(...op.get(S[v] as number), ...op.set(T[v] as number));
  }
  body.push(...op.i32(0), ...op.set(ia), ...op.get(B), ...op.get(q), ...op.add, ...op.set(ib), ...op.get(R), ...op.set(r));
  const inner: number[] = [];
  inner.push(...op.get(a0), ...op.get(ia), ...op.add, ...op.splat, ...op.set(X));
  if (rows === 2) inner.push(...op.get(a1), ...op.get(ia), ...op.add, ...op.splat, ...op.set(Y));
  for (const v of lanes) inner.push(...op.get(ib), ...op.load(16 * v), ...op.set(BV[v] as number));
  for (const v of lanes) {
    inner.push(...op.get(S[v] as number), ...op.get(X), ...op.get(BV[v] as number), ...op.f64x2Mul, ...op.f64x2Add, ...op.set(S[v] as number));
    if (rows === 2) inner.push(...op.get(T[v] as number), ...op.get(Y), ...op.get(BV[v] as number), ...op.f64x2Mul, ...op.f64x2Add, ...op.set(T[v] as number));
  }
  inner.push(...op.get(ia), ...op.get(AR), ...op.add, ...op.set(ia), ...op.get(ib), ...op.get(LDB), ...op.add, ...op.set(ib), ...op.get(r), ...op.i32(1), ...op.sub, ...op.set(r));
  body.push(...whileLoop([...op.get(r), ...op.i32(0), ...op.leS], inner));
  for (const v of lanes) {
    body.push(...op.get(c0), ...op.get(q), ...op.add, ...op.get(S[v] as number), ...op.store(16 * v));
    if (rows === 2) body.push(...op.get(c1), ...op.get(q), ...op.add, ...op.get(T[v] as number), ...op.store(16 * v));
  }
  body.push(...op.get(q), ...op.i32(16 * vectors), ...op.add, ...op.set(q));
  return whileLoop([...op.get(q), ...op.get(end), ...op.geS], body);
}

function rowSetup(rows: 1 | 2): number[] {
  const out = [...op.get(A), ...op.get(p), ...op.get(AP), ...op.mul, ...op.add, ...op.set(a0), ...op.get(C), ...op.get(p), ...op.get(LDC), ...op.mul, ...op.add, ...op.set(c0)];
  if (rows === 2) out.push(...op.get(a0), ...op.get(AP), ...op.add, ...op.set(a1), ...op.get(c0), ...op.get(LDC), ...op.add, ...op.set(c1));
  return [...out, ...op.i32(0), ...op.set(q)];
}

function productBody(): number[] {
  const code: number[] = [];
  // qEnd = Qv·16 bytes; qEnd4 = (Qv & ~3)·16 (the part covered by 4-vector blocks)
  code.push(...op.get(QV), ...op.i32(4), ...op.shl, ...op.set(qEnd), ...op.get(QV), ...op.i32(-4), ...op.and, ...op.i32(4), ...op.shl, ...op.set(qEnd4), ...op.i32(0), ...op.set(p));
  // pairs of rows while p + 1 < P
  const pair = [...rowSetup(2), ...columnLoop(2, 4, qEnd4), ...columnLoop(2, 1, qEnd), ...op.get(p), ...op.i32(2), ...op.add, ...op.set(p)];
  code.push(...whileLoop([...op.get(p), ...op.i32(1), ...op.add, ...op.get(P), ...op.geS], pair));
  // the last row when P is odd
  const single = [...rowSetup(1), ...columnLoop(1, 4, qEnd4), ...columnLoop(1, 1, qEnd), ...op.get(p), ...op.i32(1), ...op.add, ...op.set(p)];
  code.push(...whileLoop([...op.get(p), ...op.get(P), ...op.geS], single));
  return code;
}

/** relu(at, n): x ← pmax(0, x) over n (even) float64s at byte `at`. */
function reluBody(): number[] {
  const [at, n, end] = [0, 1, 2];
  const body = [...op.get(at), ...op.zeroVector, ...op.get(at), ...op.load(0), ...op.f64x2Pmax, ...op.store(0), ...op.get(at), ...op.i32(16), ...op.add, ...op.set(at)];
  return [...op.get(at), ...op.get(n), ...op.i32(3), ...op.shl, ...op.add, ...op.set(end), ...whileLoop([...op.get(at), ...op.get(end), ...op.geS], body)];
}

/** reluMask(d, a, n): d ← a > 0 ? d : 0 over n (even) float64s (d, a byte offsets): the ReLU derivative. */
function reluMaskBody(): number[] {
  const [d, a, n, end] = [0, 1, 2, 3];
  const body = [
    ...op.get(d),
    ...op.get(d), ...op.load(0),
    ...op.get(a), ...op.load(0), ...op.zeroVector, ...op.f64x2Gt,
    ...op.v128And, ...op.store(0),
    ...op.get(d), ...op.i32(16), ...op.add, ...op.set(d), ...op.get(a), ...op.i32(16), ...op.add, ...op.set(a),
  ];
  return [...op.get(d), ...op.get(n), ...op.i32(3), ...op.shl, ...op.add, ...op.set(end), ...whileLoop([...op.get(d), ...op.get(end), ...op.geS], body)];
}

export function assembleKernel(): Uint8Array {
  return assembleModule([
    { name: 'product', params: 11, locals: [[11, I32], [14, V128]], body: productBody() },
    { name: 'relu', params: 2, locals: [[1, I32]], body: reluBody() },
    { name: 'reluMask', params: 3, locals: [[1, I32]], body: reluMaskBody() },
  ]);
}

export type WasmProduct = (C: number, ldc: number, A: number, ar: number, ap: number, B: number, ldb: number, init: number, P: number, Qv: number, R: number) => void;
export interface WasmKernels {
  product: WasmProduct;
  relu: (at: number, n: number) => void;
  reluMask: (d: number, a: number, n: number) => void;
}

let compiled: WasmModule | null | undefined;

/** The compiled kernels, or null where WebAssembly SIMD is unavailable (then the TypeScript kernels run). */
export function kernelModule(): WasmModule | null {
  if (compiled === undefined) compiled = compileModule(assembleKernel());
  return compiled;
}

/** Fresh memory of at least `bytes` and the kernels instantiated on it. */
export function instantiateKernels(module: WasmModule, bytes: number): { memory: WasmMemory } & WasmKernels {
  const { memory, exports } = instantiate<WasmKernels>(module, bytes);
  return { memory, product: exports.product, relu: exports.relu, reluMask: exports.reluMask };
}
