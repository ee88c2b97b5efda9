/**
 * What the built-in strategies share, and a plug-in strategy may use: score ranking, share sizing,
 * the limits every strategy accepts and the order cap that keeps the sells that fund a buy.
 */
import { z } from 'zod';
import type { OrderIntent, StrategyInput, SymbolPrediction } from '../strategy.ts';

export const fraction = z.number().min(0).max(1);

export const limitsSchema = z.strictObject({
  /** Largest position as a share of equity. */
  max_position_pct: fraction.default(1),
  max_orders_per_day: z.number().int().min(1).max(1000).default(10),
  /** Cash kept aside (share of equity) to absorb the gap between the close and the fill. */
  cash_buffer_pct: fraction.default(0.02),
  /** Whole shares only (false allows fractional market orders, as Alpaca does). */
  whole_shares: z.boolean().default(true),
});
export type StrategyLimits = z.infer<typeof limitsSchema>;

export type Mode = 'regression' | 'classification';

/** Classifiers give P(up), regressions an expected return. */
export function modeOf(preds: readonly SymbolPrediction[]): Mode {
  return preds.some((p) => p.probabilityUp !== null) ? 'classification' : 'regression';
}

export const scoreOf = (p: SymbolPrediction, mode: Mode): number | null => (mode === 'regression' ? p.expectedReturn : p.probabilityUp);

/** Descending by score, ties broken by symbol so the result never depends on input order. */
export const byScoreDesc = (a: { s: number; symbol: string }, b: { s: number; symbol: string }): number => b.s - a.s || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0);

/** Shares worth `value` at `price` (whole shares, or Alpaca's fractional precision). */
export function sizeQty(value: number, price: number, limits: Pick<StrategyLimits, 'whole_shares'>): number {
  if (!(value > 0) || !(price > 0)) return 0;
  const q = value / price;
  return limits.whole_shares ? Math.floor(q + 1e-9) : Math.floor(q * 1e6) / 1e6;
}

export function fmtPct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** Keep at most max_orders_per_day: sells first (they fund buys), and shrink a buy the cut sells no longer fund. */
export function capOrders(orders: OrderIntent[], limits: StrategyLimits, input: StrategyInput, notes: string[]): OrderIntent[] {
  if (orders.length <= limits.max_orders_per_day) return orders;
  const sells = orders.filter((o) => o.side === 'sell');
  const buys = orders.filter((o) => o.side === 'buy');
  const keptSells = sells.slice(0, limits.max_orders_per_day);
  const room = limits.max_orders_per_day - keptSells.length;
  const proceeds = keptSells.reduce((a, o) => a + o.qty * o.refPrice, 0);
  let cash = input.cash - limits.cash_buffer_pct * input.equity + proceeds;
  const keptBuys: OrderIntent[] = [];
  for (const b of buys.slice(0, room)) {
    const qty = Math.min(b.qty, sizeQty(cash, b.refPrice, limits));
    if (qty > 0) {
      keptBuys.push({ ...b, qty });
      cash -= qty * b.refPrice;
    }
  }
  notes.push(`max_orders_per_day ${limits.max_orders_per_day}: ${orders.length - keptSells.length - keptBuys.length} order(s) dropped`);
  return [...keptSells, ...keptBuys];
}
