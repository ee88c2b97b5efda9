/** Performance of an equity curve: pure arithmetic shared by the leaderboard, reports and evaluation. */

export interface EquityPoint {
  date: string;
  equity: number;
}

export interface PerformanceSummary {
  final_equity: number;
  /** Final equity / starting cash − 1. */
  total_return: number;
  /** Mean daily return / sample standard deviation (n − 1) of daily returns × √252; risk-free rate 0; 0 when flat. */
  sharpe: number;
  /** Largest peak-to-trough fall of equity (at daily closes), as a positive fraction of the peak (0.05 = a 5 % fall). */
  max_drawdown: number;
}

export const TRADING_DAYS_PER_YEAR = 252;

export function dailyReturns(equity: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < equity.length; i++) out.push((equity[i] as number) / (equity[i - 1] as number) - 1);
  return out;
}

export function sharpe(returns: readonly number[]): number {
  if (returns.length < 2) return 0;
  const m = returns.reduce((a, b) => a + b, 0) / returns.length;
  const sd = Math.sqrt(returns.reduce((a, b) => a + (b - m) ** 2, 0) / (returns.length - 1));
  return sd > 1e-12 ? (m / sd) * Math.sqrt(TRADING_DAYS_PER_YEAR) : 0;
}

export function maxDrawdown(equity: readonly number[]): number {
  let peak = -Infinity;
  let worst = 0;
  for (const e of equity) {
    peak = Math.max(peak, e);
    if (peak > 0) worst = Math.max(worst, (peak - e) / peak);
  }
  return worst;
}

export function drawdownSeries(equity: readonly number[]): number[] {
  let peak = -Infinity;
  return equity.map((e) => {
    peak = Math.max(peak, e);
    return peak > 0 ? (e - peak) / peak : 0;
  });
}

/** `start` is the equity before the first point (starting cash); total return is measured from it. */
export function summarize(curve: readonly EquityPoint[], start: number): PerformanceSummary {
  const eq = [start, ...curve.map((p) => p.equity)];
  const last = eq[eq.length - 1] as number;
  return {
    final_equity: round2(last),
    total_return: last / start - 1,
    sharpe: sharpe(dailyReturns(eq)),
    max_drawdown: maxDrawdown(eq),
  };
}

/** The costs of a paper account's fills (the team's `broker` settings). */
export interface TradingCosts {
  slippageBps: number;
  commissionPerShare: number;
  commissionMin: number;
}

/** A bar as the benchmark needs it: the open it is bought at (null for a close-only series) and the close it is marked at. */
export interface PriceBar {
  open: number | null;
  close: number;
}

export interface BuyAndHold {
  points: EquityPoint[];
  /** The session the buy filled in, its price (slippage included), quantity and commission; null while still in cash. */
  bought: { date: string; price: number; qty: number; commission: number } | null;
}

/**
 * A benchmark held the way a team could hold it: in cash at the first day's close (where every team
 * starts: its first orders are decided then), one market buy at the next session's open (or close, as
 * the team's `broker.fill`) with the team's slippage and commission, then held, marked at each close.
 * The quantity is fractional (to 1e-6, as Alpaca's fractional orders): an index has no whole-share lot.
 * `bar(date)` is that session's bar or null (a day without one waits for the next); `close(date)` the
 * last close on or before `date`.
 */
export function buyAndHold(days: readonly string[], bar: (date: string) => PriceBar | null, close: (date: string) => number | null, startingCash: number, costs: TradingCosts, fillAt: 'open' | 'close' = 'open'): BuyAndHold {
  const points: EquityPoint[] = [];
  let bought: BuyAndHold['bought'] = null;
  let cash = startingCash;
  for (const [i, date] of days.entries()) {
    if (i > 0 && bought === null) {
      const b = bar(date);
      if (b) {
        const raw = fillAt === 'close' ? b.close : (b.open ?? b.close);
        // The paper engine's fill: slippage against the buyer, price to 6 decimals, commission to 4.
        const price = roundTo(raw * (1 + costs.slippageBps / 10_000), 6);
        const fee = (q: number) => (q * costs.commissionPerShare > 0 ? roundTo(Math.max(costs.commissionMin, q * costs.commissionPerShare), 4) : 0);
        let qty = (cash - costs.commissionMin) / price;
        if (qty * costs.commissionPerShare > costs.commissionMin) qty = cash / (price + costs.commissionPerShare);
        qty = Math.floor(qty * 1e6) / 1e6;
        while (qty > 0 && qty * price + fee(qty) > cash) qty = roundTo(qty - 1e-6, 6);
        if (qty > 0) {
          const commission = fee(qty);
          cash -= qty * price + commission;
          bought = { date, price, qty, commission };
        }
      }
    }
    const mark = bought ? close(date) : null;
    points.push({ date, equity: round2(cash + (bought && mark !== null ? bought.qty * mark : bought ? bought.qty * bought.price : 0)) });
  }
  return { points, bought };
}

/** Share of closing trades (sell fills) that realised a profit; null when nothing was closed. */
export function hitRate(realized: readonly { pnl: number }[]): number | null {
  if (realized.length === 0) return null;
  return realized.filter((r) => r.pnl > 0).length / realized.length;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const roundTo = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
