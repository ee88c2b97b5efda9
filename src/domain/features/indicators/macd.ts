import { MACD } from 'technicalindicators';
import type { Bar } from '../../market/types.ts';
import type { StreamingIndicator } from './types.ts';

/**
 * MACD line, signal and histogram with EMAs (not SMAs) for both the oscillator and the signal,
 * divided by the close so values are comparable across symbols.
 */
export class MacdRel implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = [] as const;
  private readonly macd: MACD;
  constructor(
    readonly fast: number,
    readonly slow: number,
    readonly signal: number,
  ) {
    const tag = `${fast}_${slow}_${signal}`;
    this.columns = [`macd_${tag}`, `macd_signal_${tag}`, `macd_hist_${tag}`];
    this.macd = new MACD({
      fastPeriod: fast,
      slowPeriod: slow,
      signalPeriod: signal,
      values: [],
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    });
  }
  update(bar: Bar): readonly (number | null)[] {
    const v = this.macd.nextValue(bar.close);
    if (!v || v.MACD === undefined || v.signal === undefined || v.histogram === undefined) return [null, null, null];
    return [v.MACD / bar.close, v.signal / bar.close, v.histogram / bar.close];
  }
}
