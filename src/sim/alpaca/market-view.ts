/**
 * Fairness: what the market data API may show at the clock's instant. Nothing dated after the
 * clock is ever visible:
 * - before a session's open, no bar of that day: the last complete bar is the previous session's,
 *   and the latest trade is its close;
 * - during the session, only what was known at the open: the open as the latest trade, and no
 *   bar of the day (its high, low, close and volume are not known yet);
 * - after the close, the day's full bar.
 * The paper engine marks positions and equity by the same rule (PaperAccount.markPrice).
 */
import type { InMemoryMarketData } from '../../adapters/market/memory.ts';
import { lastIndexOnOrBefore } from '../../adapters/market/memory.ts';
import type { Bar } from '../../domain/market/types.ts';
import { previousSession, sessionAtOrAfterMs, type SessionMs } from '../../domain/trading/auctions.ts';
import { closeMsOf } from './wire.ts';

export interface MarketView {
  /** The last session whose bar is complete (closed at or before now). */
  lastClosed: SessionMs | null;
  /** The session in progress, if any: only its open is known. */
  inSession: SessionMs | null;
}

export function marketViewAt(nowMs: number): MarketView {
  const s = sessionAtOrAfterMs(nowMs);
  return { lastClosed: previousSession(s), inSession: nowMs >= s.openMs ? s : null };
}

/** The index range [from, to) of a symbol's bars dated from..to (inclusive) and visible in the view. */
export function visibleRange(market: InMemoryMarketData, symbol: string, view: MarketView, from: string, to: string): { bars: readonly Bar[]; from: number; to: number } {
  const bars = market.bars(symbol);
  const last = view.lastClosed?.date;
  if (!last) return { bars, from: 0, to: 0 };
  const end = to < last ? to : last;
  const hi = lastIndexOnOrBefore(bars, end) + 1;
  const before = lastIndexOnOrBefore(bars, from);
  const lo = before >= 0 && (bars[before] as Bar).date === from ? before : before + 1;
  return { bars, from: Math.min(lo, hi), to: hi };
}

/** The latest complete bar. */
export function latestBar(market: InMemoryMarketData, symbol: string, view: MarketView): Bar | null {
  return view.lastClosed ? market.lastBarOnOrBefore(symbol, view.lastClosed.date) : null;
}

/** The latest trade: the session's opening auction while it runs, else the last close. */
export function latestTrade(market: InMemoryMarketData, symbol: string, view: MarketView): { price: number; atMs: number } | null {
  if (view.inSession) {
    const today = market.bar(symbol, view.inSession.date);
    if (today?.open != null) return { price: today.open, atMs: view.inSession.openMs };
  }
  const bar = latestBar(market, symbol, view);
  return bar ? { price: bar.close, atMs: closeMsOf(bar.date) } : null;
}
