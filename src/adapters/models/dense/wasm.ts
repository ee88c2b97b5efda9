/**
 * The dense trainer's one hot kernel as WebAssembly SIMD (f64x2), assembled at module load by the
 * few lines of encoder below — no build step, no binary blob in git, no toolchain dependency.
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

// ---- a minimal WebAssembly binary encoder (only what the kernel needs) ----

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};

const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
};

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

const I32 = 0x7f;
const V128 = 0x7b;

/** Instructions, as functions returning their bytes. */
const op = {
  get: (l: number) => [0x20, ...uleb(l)],
  set: (l: number) => [0x21, ...uleb(l)],
  i32: (v: number) => [0x41, ...sleb(v)],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  and: [0x71],
  shl: [0x74],
  geS: [0x4e],
  leS: [0x4c],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  load: (offset: number) => [0xfd, ...uleb(0x00), 3, ...uleb(offset)], // v128.load, align 8 bytes (a hint)
  store: (offset: number) => [0xfd, ...uleb(0x0b), 3, ...uleb(offset)], // v128.store
  splat: [0xfd, ...uleb(0x0a), 3, 0], // v128.load64_splat
  f64x2Add: [0xfd, ...uleb(0xf0)],
  f64x2Mul: [0xfd, ...uleb(0xf2)],
  f64x2Gt: [0xfd, ...uleb(0x4a)],
  f64x2Pmax: [0xfd, ...uleb(0xf7)], // pmax(a, b) = a < b ? b : a — exactly `x > 0 ? x : 0` for pmax(0, x), NaN and −0 included
  v128And: [0xfd, ...uleb(0x4e)],
  zeroVector: [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)], // v128.const 0
};

/** `while (cond) body`: block { loop { br_if exit (!cond) ; body ; br loop } }, `exitIf` gives the exit test. */
const whileLoop = (exitIf: number[], body: number[]) => [...op.block, ...op.loop, ...exitIf, ...op.brIf(1), ...body, ...op.br(0), ...op.end, ...op.end];

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
  const funcType = (params: number) => [0x60, ...vec(Array.from({ length: params }, () => [I32])), ...vec([])];
  const imports = vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]]);
  const code = (locals: number[][], body: number[]) => {
    const f = [...vec(locals), ...body, ...op.end];
    return [...uleb(f.length), ...f];
  };
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([funcType(11), funcType(2), funcType(3)])),
    ...section(2, imports),
    ...section(3, vec([uleb(0), uleb(1), uleb(2)])),
    ...section(7, vec([[...name('product'), 0x00, ...uleb(0)], [...name('relu'), 0x00, ...uleb(1)], [...name('reluMask'), 0x00, ...uleb(2)]])),
    ...section(
      10,
      vec([
        code([[...uleb(11), I32], [...uleb(14), V128]], productBody()),
        code([[...uleb(1), I32]], reluBody()),
        code([[...uleb(1), I32]], reluMaskBody()),
      ]),
    ),
  ];
  return Uint8Array.from(bytes);
}

export type WasmProduct = (C: number, ldc: number, A: number, ar: number, ap: number, B: number, ldb: number, init: number, P: number, Qv: number, R: number) => void;
export interface WasmKernels {
  product: WasmProduct;
  relu: (at: number, n: number) => void;
  reluMask: (d: number, a: number, n: number) => void;
}

/** The slice of the WebAssembly JS API used here (@types/node 20 does not declare it; lib.dom would bring the browser). */
interface WasmModule {
  readonly __brand?: 'WebAssembly.Module';
}
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}
const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: WasmModule | null | undefined;

/** The compiled kernel, or null where WebAssembly (SIMD) is unavailable (then the TypeScript kernel runs). */
export function kernelModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      compiled = api ? new api.Module(assembleKernel()) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Fresh memory of at least `bytes` and the kernel instantiated on it. */
export function instantiateKernels(module: WasmModule, bytes: number): { memory: WasmMemory } & WasmKernels {
  if (!api) throw new Error('WebAssembly is not available in this runtime');
  const memory = new api.Memory({ initial: Math.max(1, Math.ceil(bytes / 65_536)) });
  const instance = new api.Instance(module, { env: { memory } });
  const e = instance.exports as unknown as WasmKernels;
  return { memory, product: e.product, relu: e.relu, reluMask: e.reluMask };
}
