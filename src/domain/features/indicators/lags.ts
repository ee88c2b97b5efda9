import { z } from 'zod';
import { defineFeature } from '../factory.ts';
import { missing, type StreamingTransform } from './types.ts';

export const lagColumns = (column: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${column}_lag_${i + 1}`);

/**
 * The previous `count` values of one feature column: lag i at row t is the value at t − i. A missing
 * value breaks the chain, so lags never straddle a gap: lag i needs every value in t − i .. t − 1.
 */
export class Lags implements StreamingTransform {
  readonly columns: readonly string[];
  private readonly history: number[] = [];
  constructor(
    readonly column: string,
    readonly count: number,
  ) {
    this.columns = lagColumns(column, count);
  }
  update(value: number | null): readonly (number | null)[] {
    const h = this.history;
    const out: (number | null)[] = [];
    for (let i = 1; i <= this.count; i++) out.push(h.length >= i ? h[h.length - i]! : null);
    if (value === null) h.length = 0;
    else {
      h.push(value);
      if (h.length > this.count) h.shift();
    }
    return out;
  }
}

/** The same lags over a whole column (NaN = missing) in one pass. */
export function lagColumnsBatch(values: Float64Array, count: number): Float64Array[] {
  const n = values.length;
  const out = Array.from({ length: count }, () => missing(n));
  let run = 0; // defined values just before row t
  for (let t = 0; t < n; t++) {
    const m = run < count ? run : count;
    for (let i = 1; i <= m; i++) out[i - 1]![t] = values[t - i]!;
    run = Number.isFinite(values[t]!) ? run + 1 : 0;
  }
  return out;
}

export const lagsFeature = defineFeature({
  kind: 'derived',
  key: 'lags',
  schema: z.strictObject({ columns: z.array(z.string().min(1)).min(1), count: z.number().int().min(1).max(60) }),
  inputs: (p) => p.columns,
  inputsField: 'columns',
  label: (input) => `lags of ${input}`,
  columns: (p, input) => lagColumns(input, p.count),
  make: (p, input) => new Lags(input, p.count),
  batch: (p, values) => lagColumnsBatch(values, p.count),
});
