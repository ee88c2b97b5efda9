/**
 * The MarketData port. Dates are New York trading dates (`YYYY-MM-DD`). Close-only series carry
 * `null` open/high/low/volume: nothing is invented, features that need them are dropped instead.
 */
export interface Bar {
  date: string;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number;
  volume: number | null;
}

export interface DailySeries {
  symbol: string;
  /** Ascending by date, every date ≤ the requested `asOf`. */
  bars: Bar[];
  /** Provider that produced the bars (`sample`, `csv`, `alphavantage`, `alpaca`). */
  source: string;
  /** True when a fresh fetch failed and the bars come from the local cache. */
  stale: boolean;
  staleReason?: string;
}

export interface DailyRequest {
  symbol: string;
  /** Last trading date the caller may see; providers must not return later bars (no look-ahead). */
  asOf: string;
  /** Earliest date wanted, if the caller does not need the whole history. */
  from?: string;
  /**
   * The cycle's fetch deadline (epoch ms, real time): a remote provider sends nothing after it and
   * retries nothing past it, serving its cache marked stale instead. Local sources ignore it.
   */
  deadline?: number;
}


export const hasOhlcv = (bar: Bar): boolean =>
  bar.open !== null && bar.high !== null && bar.low !== null && bar.volume !== null;
