/**
 * A minimal WebAssembly binary encoder: just what the model backends' kernels need (i32 and f64
 * scalars, a few f64x2 SIMD operations, loops). Kernels are written as TypeScript functions that
 * return instruction bytes and are assembled when their module loads — no build step, no binary blob
 * in git, no toolchain dependency. Opcodes: the WebAssembly core specification 2.0 (incl. fixed-width SIMD).
 */
export const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};

export const sleb = (n: number): number[] => {
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

export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Instructions, as functions returning their bytes. */
export const op = {
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
  f64x2Sub: [0xfd, ...uleb(0xf1)],
  i32Load: (offset: number) => [0x28, 2, ...uleb(offset)],
  i32Load8u: (offset: number) => [0x2d, 0, ...uleb(offset)],
  f64Load: (offset: number) => [0x2b, 3, ...uleb(offset)],
  f64Store: (offset: number) => [0x39, 3, ...uleb(offset)],
  f64Add: [0xa0],
  f64: (v: number) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return [0x44, ...b];
  },
};

export interface WasmFunction {
  name: string;
  /** Number of i32 parameters (every kernel takes pointers and counts). */
  params: number;
  /** Local declarations: [count, value type] groups. */
  locals: [number, number][];
  body: number[];
}

/** A module importing `env.memory` and exporting `functions` by name. */
export function assembleModule(functions: readonly WasmFunction[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vec(Array.from({ length: f.params }, () => [I32])), ...vec([])]);
  const code = functions.map((f) => {
    const body = [...vec(f.locals.map(([count, type]) => [...uleb(count), type])), ...f.body, ...op.end];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(code)),
  ]);
}

/** The slice of the WebAssembly JS API used here (@types/node 20 does not declare it; lib.dom would bring the browser). */
export interface WasmModule {
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

/** Compiles `bytes`, or null where WebAssembly (or a feature the module uses, e.g. SIMD) is unavailable. */
export function compileModule(bytes: Uint8Array): WasmModule | null {
  try {
    return api ? new api.Module(bytes) : null;
  } catch {
    return null;
  }
}

/** Fresh memory of at least `bytes` and `module` instantiated on it. */
export function instantiate<E>(module: WasmModule, bytes: number): { memory: WasmMemory; exports: E } {
  if (!api) throw new Error('WebAssembly is not available in this runtime');
  const memory = new api.Memory({ initial: Math.max(1, Math.ceil(bytes / 65_536)) });
  const instance = new api.Instance(module, { env: { memory } });
  return { memory, exports: instance.exports as E };
}


/** `while (cond) body`: block { loop { br_if exit (!cond) ; body ; br loop } }, `exitIf` gives the exit test. */
export const whileLoop = (exitIf: number[], body: number[]) => [...op.block, ...op.loop, ...exitIf, ...op.brIf(1), ...body, ...op.br(0), ...op.end, ...op.end];

