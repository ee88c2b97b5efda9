/**
 * Series held in memory, served up to an as-of date. A season loads each symbol once through
 * its configured provider and replays from here: the as-of cut is applied on every call, so a
 * step can never see a bar from after its cycle date.
 */
import type { Bar, DailyRequest, DailySeries } from '../../domain/market/types.ts';

import type { MarketData, PriceSource } from '../../ports.ts';

/** Index of the last bar with date ≤ `date`, or −1. */
export function lastIndexOnOrBefore(bars: readonly Bar[], date: string): number {
  let lo = 0;
  let hi = bars.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((bars[mid] as Bar).date <= date) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

export class InMemoryMarketData implements MarketData, PriceSource {
  private readonly byDate = new Map<string, Map<string, Bar>>();

  constructor(
    readonly provider: string,
    private readonly series: ReadonlyMap<string, readonly Bar[]>,
  ) {
    for (const [symbol, bars] of series) this.byDate.set(symbol, new Map(bars.map((b) => [b.date, b])));
  }

  daily(req: DailyRequest): Promise<DailySeries> {
    const bars = this.series.get(req.symbol);
    if (!bars) return Promise.reject(new Error(`${this.provider}: no data for symbol ${req.symbol}`));
    const end = lastIndexOnOrBefore(bars, req.asOf);
    const start = req.from ? lastIndexOnOrBefore(bars, req.from) : 0;
    const from = req.from && start >= 0 && (bars[start] as Bar).date < req.from ? start + 1 : Math.max(0, start);
    return Promise.resolve({ symbol: req.symbol, bars: bars.slice(from, end + 1), source: this.provider, stale: false });
  }

  knownSymbols(): Promise<string[]> {
    return Promise.resolve([...this.series.keys()].sort());
  }

  knows(symbol: string): boolean {
    return this.series.has(symbol);
  }

  bar(symbol: string, date: string): Bar | null {
    return this.byDate.get(symbol)?.get(date) ?? null;
  }

  lastBarOnOrBefore(symbol: string, date: string): Bar | null {
    const bars = this.series.get(symbol);
    if (!bars) return null;
    const i = lastIndexOnOrBefore(bars, date);
    return i >= 0 ? (bars[i] as Bar) : null;
  }

  /** Every bar of a symbol, ascending (no as-of cut: callers cut). */
  bars(symbol: string): readonly Bar[] {
    return this.series.get(symbol) ?? [];
  }

  /** First and last dates of a symbol's series. */
  span(symbol: string): { first: string; last: string } | null {
    const bars = this.series.get(symbol);
    if (!bars?.length) return null;
    return { first: (bars[0] as Bar).date, last: (bars[bars.length - 1] as Bar).date };
  }
}
