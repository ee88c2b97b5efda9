import { BollingerBands } from 'technicalindicators';
import type { Bar } from '../../market/types.ts';
import type { StreamingIndicator } from './types.ts';

/** Bollinger %B and band width ((upper − lower) / middle), population standard deviation. */
export class Bollinger implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = [] as const;
  private readonly bb: BollingerBands;
  constructor(
    readonly period: number,
    readonly stdDev: number,
  ) {
    this.columns = [`bb_pctb_${period}`, `bb_width_${period}`];
    this.bb = new BollingerBands({ period, stdDev, values: [] });
  }
  update(bar: Bar): readonly (number | null)[] {
    const v = this.bb.nextValue(bar.close);
    if (!v) return [null, null];
    const width = v.upper - v.lower;
    // A flat window has zero width: %B is undefined there, so the row stays in warm-up.
    if (width === 0 || v.middle === 0) return [null, null];
    return [(bar.close - v.lower) / width, width / v.middle];
  }
}
