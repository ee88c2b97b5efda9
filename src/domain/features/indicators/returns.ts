import type { Bar } from '../../market/types.ts';
import type { StreamingIndicator } from './types.ts';

/** Simple returns over n days: close_t / close_{t−n} − 1. */
export class Returns implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = [] as const;
  private readonly closes: number[] = [];
  constructor(readonly periods: readonly number[]) {
    this.columns = periods.map((n) => `ret_${n}`);
  }
  update(bar: Bar): readonly (number | null)[] {
    this.closes.push(bar.close);
    const max = Math.max(...this.periods);
    if (this.closes.length > max + 1) this.closes.shift();
    const last = this.closes.length - 1;
    return this.periods.map((n) => {
      const past = this.closes[last - n];
      return past === undefined ? null : bar.close / past - 1;
    });
  }
}
