/**
 * How an order executes on daily bars: the engine knows each session's open, high, low and close,
 * and nothing in between. An order takes part in two auctions a session: the open (only the
 * opening price is known then) and the close (the day's high, low and close become known). The
 * rules (README "The exchange's fill model"):
 *
 * - market: fills at the first auction after it is live (the open if it was placed before the
 *   open, else the close), at that price with slippage against the trader;
 * - limit buy at L: at the open if open <= L, at min(open + slippage, L); at the close, if it was
 *   live since the open (an order that went live at the open, such as a bracket's legs, sees the open
 *   first: open <= L fills as at the open) and the day's low reached L, at L; if it was placed during the session (the
 *   part of the day after it is unknown), only the close counts: close <= L, at min(close + slippage, L).
 *   Sells mirror this with the high;
 * - stop buy at S: at the open if open >= S (gapped through: the open with slippage); at the close,
 *   if live since the open: gapped through at the open, the open with slippage, else if the high
 *   reached S, at S with slippage; placed during the session:
 *   close >= S, at the close with slippage. Sells mirror this with the low;
 * - stop-limit: the stop triggers as above, then it rests as a limit order at L (it fills in the
 *   same auction when the trigger price satisfies the limit);
 * - trailing stop: the stop trails the best price seen since the order went live (the high-water
 *   mark, updated with the open and, after each close, with the day's high/low); it then fills as a stop.
 *
 * A close-only series (no open, high or low) executes nothing at the open: its orders wait for the close.
 *
 * The intraday path is unknown, so when a limit and a stop of one OCO pair could both have filled
 * on the same day, the engine settles the stop first (the worse outcome for the trader).
 */
import type { Bar } from '../market/types.ts';
import type { Order } from './types.ts';

export type Auction = 'open' | 'close';

export interface AuctionInput {
  auction: Auction;
  bar: Bar;
  /** The order was live at this session's open (so the whole session's high/low applies at the close). */
  liveSinceOpen: boolean;
  /** Slippage as a fraction (5 bps = 0.0005), always against the trader. */
  slippage: number;
}

export type AuctionOutcome =
  | { kind: 'fill'; price: number }
  /** A stop-limit order reached its stop without filling; it rests as a limit order. */
  | { kind: 'trigger' }
  | { kind: 'none' };

const NONE: AuctionOutcome = { kind: 'none' };

/** The stop level of a trailing stop, from its high-water mark. */
export function trailingStopPrice(o: Pick<Order, 'side' | 'trail_price' | 'trail_percent'>, hwm: number): number {
  const trail = o.trail_price ?? null;
  if (o.side === 'sell') return trail !== null ? hwm - trail : hwm * (1 - (o.trail_percent ?? 0) / 100);
  return trail !== null ? hwm + trail : hwm * (1 + (o.trail_percent ?? 0) / 100);
}

/** The new high-water mark after a price was seen (highest for a sell, lowest for a buy). */
export function nextHwm(side: Order['side'], hwm: number, seen: number): number {
  return side === 'sell' ? Math.max(hwm, seen) : Math.min(hwm, seen);
}

/**
 * What happens to one live order at one auction. `hwm` is the trailing stop's mark before this
 * auction. Pure: the same order, bar and flags always give the same outcome.
 */
export function atAuction(o: Order, input: AuctionInput, hwm: number | null = null): AuctionOutcome {
  const { bar, auction, liveSinceOpen, slippage } = input;
  // A close-only series has no opening price: nothing can execute before the close is known.
  if (auction === 'open' && bar.open === null) return NONE;
  const buy = o.side === 'buy';
  const slip = (p: number) => (buy ? p * (1 + slippage) : p * (1 - slippage));
  const open = bar.open ?? bar.close;
  const high = bar.high ?? Math.max(open, bar.close);
  const low = bar.low ?? Math.min(open, bar.close);
  // A price the order can trade at, and whether a limit allows it.
  const within = (p: number, limit: number) => (buy ? p <= limit : p >= limit);
  const capped = (p: number, limit: number) => (buy ? Math.min(slip(p), limit) : Math.max(slip(p), limit));
  // At the open only the open is known; at the close either the whole day (live since the open) or only the close.
  const point = auction === 'open' ? open : liveSinceOpen ? null : bar.close;

  switch (o.type) {
    case 'market':
      return { kind: 'fill', price: slip(auction === 'open' ? open : bar.close) };
    case 'limit': {
      const limit = o.limit_price as number;
      if (point !== null) return within(point, limit) ? { kind: 'fill', price: capped(point, limit) } : NONE;
      // Live since the open, the open is the day's first price: a better open fills there.
      if (within(open, limit)) return { kind: 'fill', price: capped(open, limit) };
      return (buy ? low <= limit : high >= limit) ? { kind: 'fill', price: limit } : NONE;
    }
    case 'stop': {
      const stop = o.stop_price as number;
      const through = (p: number) => (buy ? p >= stop : p <= stop);
      if (point !== null) return through(point) ? { kind: 'fill', price: slip(point) } : NONE;
      // An open that gapped through the stop fills at the open, not at a stop price the day never traded.
      if (through(open)) return { kind: 'fill', price: slip(open) };
      return (buy ? high >= stop : low <= stop) ? { kind: 'fill', price: slip(stop) } : NONE;
    }
    case 'stop_limit': {
      const stop = o.stop_price as number;
      const limit = o.limit_price as number;
      const through = (p: number) => (buy ? p >= stop : p <= stop);
      if (o.triggered_at) {
        if (point !== null) return within(point, limit) ? { kind: 'fill', price: capped(point, limit) } : NONE;
        if (within(open, limit)) return { kind: 'fill', price: capped(open, limit) };
        return (buy ? low <= limit : high >= limit) ? { kind: 'fill', price: limit } : NONE;
      }
      if (point !== null) {
        if (!through(point)) return NONE;
        return within(point, limit) ? { kind: 'fill', price: capped(point, limit) } : { kind: 'trigger' };
      }
      if (through(open)) {
        // Triggered by the open's gap: the open if the limit allows, else the limit if the day reaches it.
        if (within(open, limit)) return { kind: 'fill', price: capped(open, limit) };
        return (buy ? low <= limit : high >= limit) ? { kind: 'fill', price: limit } : { kind: 'trigger' };
      }
      if (!(buy ? high >= stop : low <= stop)) return NONE;
      // Triggered during the day at the stop: it fills there if the limit allows, else it rests.
      return within(stop, limit) ? { kind: 'fill', price: capped(stop, limit) } : { kind: 'trigger' };
    }
    case 'trailing_stop': {
      if (hwm === null) return NONE;
      const stop = trailingStopPrice(o, hwm);
      if (point !== null) return (buy ? point >= stop : point <= stop) ? { kind: 'fill', price: slip(point) } : NONE;
      if (buy ? open >= stop : open <= stop) return { kind: 'fill', price: slip(open) };
      return (buy ? high >= stop : low <= stop) ? { kind: 'fill', price: slip(stop) } : NONE;
    }
  }
}

/** The price a trailing stop's mark moves to after an auction it survived. */
export function hwmAfter(o: Order, input: AuctionInput, hwm: number): number {
  const { bar, auction, liveSinceOpen } = input;
  const open = bar.open ?? bar.close;
  if (auction === 'open') return bar.open === null ? hwm : nextHwm(o.side, hwm, bar.open);
  if (liveSinceOpen) return nextHwm(o.side, hwm, o.side === 'sell' ? (bar.high ?? Math.max(open, bar.close)) : (bar.low ?? Math.min(open, bar.close)));
  return nextHwm(o.side, hwm, bar.close);
}
