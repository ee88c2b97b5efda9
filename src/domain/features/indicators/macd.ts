import { z } from 'zod';
import type { Bar } from '../../market/types.ts';
import { defineFeature, period } from '../factory.ts';
import { emaColumn, SeededEma } from './ema.ts';
import { missing, type StreamingIndicator } from './types.ts';

export interface MacdParams {
  fast: number;
  slow: number;
  signal: number;
}

const tagOf = ({ fast, slow, signal }: MacdParams) => `${fast}_${slow}_${signal}`;

/**
 * MACD line (EMA fast − EMA slow), signal (EMA of the line) and histogram (line − signal), every EMA
 * seeded by its SMA, divided by the close so values are comparable across symbols; all three appear
 * once the signal exists. Composed from seeded EMAs rather than trading-signals' MACD, whose EMAs
 * start from the first value (see SeededEma).
 */
export class MacdRel implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = [] as const;
  readonly name = 'macd';
  private readonly fastEma: SeededEma;
  private readonly slowEma: SeededEma;
  private readonly signalEma: SeededEma;
  constructor(
    readonly fast: number,
    readonly slow: number,
    readonly signal: number,
  ) {
    const tag = tagOf({ fast, slow, signal });
    this.columns = [`macd_${tag}`, `macd_signal_${tag}`, `macd_hist_${tag}`];
    this.fastEma = new SeededEma(fast);
    this.slowEma = new SeededEma(slow);
    this.signalEma = new SeededEma(signal);
  }
  update(bar: Bar): readonly (number | null)[] {
    const f = this.fastEma.add(bar.close);
    const s = this.slowEma.add(bar.close);
    if (f === null || s === null) return [null, null, null];
    const line = f - s;
    const sig = this.signalEma.add(line);
    if (sig === null) return [null, null, null];
    return [line / bar.close, sig / bar.close, (line - sig) / bar.close];
  }
}

/** The three MACD columns in one pass per EMA. */
export function macdColumns(close: Float64Array, { fast, slow, signal }: MacdParams): Float64Array[] {
  const n = close.length;
  const f = emaColumn(close, fast);
  const s = emaColumn(close, slow);
  const start = Math.max(fast, slow) - 1;
  const line = missing(n);
  for (let i = start; i < n; i++) line[i] = f[i]! - s[i]!;
  const sig = emaColumn(line, signal, start);
  const outLine = missing(n);
  const outSig = missing(n);
  const outHist = missing(n);
  for (let i = start + signal - 1; i < n; i++) {
    const c = close[i]!;
    outLine[i] = line[i]! / c;
    outSig[i] = sig[i]! / c;
    outHist[i] = (line[i]! - sig[i]!) / c;
  }
  return [outLine, outSig, outHist];
}

export const macdFeature = defineFeature({
  kind: 'bars',
  key: 'macd',
  schema: z.strictObject({ fast: period, slow: period, signal: period }),
  requires: [],
  columns: (p) => [`macd_${tagOf(p)}`, `macd_signal_${tagOf(p)}`, `macd_hist_${tagOf(p)}`],
  make: (p) => [new MacdRel(p.fast, p.slow, p.signal)],
  batch: (p, bars) => macdColumns(bars.close, p),
});
