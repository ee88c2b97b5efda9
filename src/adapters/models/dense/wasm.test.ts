/** The WebAssembly SIMD kernels equal the TypeScript ones to the bit, on every shape and edge value. */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../domain/models/rng.ts';
import { assembleKernel, instantiateKernels, kernelModule } from './wasm.ts';
import { kernelsJs } from './workspace.ts';

const module = kernelModule();

describe('dense WebAssembly kernels', () => {
  it('assemble into a valid module with SIMD on Node 20', () => {
    expect(assembleKernel()[0]).toBe(0);
    expect(module).not.toBeNull();
  });

  it.each([
    [128, 32, 30],
    [1, 2, 1],
    [7, 2, 5],
    [3, 14, 9],
    [5, 10, 128],
    [6, 18, 3],
  ])('product P=%i Q=%i R=%i equals the TypeScript kernel bit for bit (A read straight and transposed)', (P, Q, R) => {
    const size = 40_000;
    const wasm = instantiateKernels(module as NonNullable<typeof module>, size * 8);
    const heap = new Float64Array(wasm.memory.buffer, 0, size);
    const random = seededRandom(P * 1000 + Q * 10 + R);
    for (let i = 0; i < size; i++) heap[i] = (random() - 0.5) * 10 ** Math.floor(random() * 6 - 3);
    const reference = new Float64Array(heap);
    const js = kernelsJs(reference);
    const [C, A, B, init] = [30_000, 100, 10_000, 20_000];
    for (const [ar, ap] of [[1, R], [P, 1]] as const) {
      js.product(C, Q, A, ar, ap, B, Q, init, P, Q, R);
      wasm.product(C * 8, Q * 8, A * 8, ar * 8, ap * 8, B * 8, Q * 8, init * 8, P, Q / 2, R);
      expect(heap.slice(C, C + P * Q)).toEqual(reference.slice(C, C + P * Q));
      // and the order is the documented one: init, then r = 0, 1, … one multiply-add at a time
      let s = reference[init + 1] as number;
      for (let r = 0; r < R; r++) s += (reference[A + r * ar + (P - 1) * ap] as number) * (reference[B + r * Q + 1] as number);
      expect(heap[C + (P - 1) * Q + 1]).toBe(s);
    }
  });

  it('relu and its derivative mask match the TypeScript ones, NaN and −0 included', () => {
    const values = [1.5, -2, 0, -0, NaN, 1e-300, -1e-300, Infinity, -Infinity, 3];
    const n = values.length;
    const wasm = instantiateKernels(module as NonNullable<typeof module>, 1024);
    const heap = new Float64Array(wasm.memory.buffer, 0, 64);
    const reference = new Float64Array(64);
    const js = kernelsJs(reference);
    for (const h of [heap, reference]) {
      h.set(values, 0);
      h.set(values.map((v, i) => i - 4.5), 16); // deltas
      h.set(values, 32); // outputs for the mask
    }
    wasm.relu(0, n);
    js.relu(0, n);
    wasm.reluMask(16 * 8, 32 * 8, n);
    js.reluMask(16, 32, n);
    expect(Array.from(heap.slice(0, 32))).toEqual(Array.from(reference.slice(0, 32)));
    expect(Array.from(heap.slice(0, n))).toEqual([1.5, 0, 0, 0, 0, 1e-300, 0, Infinity, 0, 3]);
    expect(Object.is(heap[3], 0)).toBe(true);
  });
});
