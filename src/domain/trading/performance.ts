/** Performance of an equity curve: pure arithmetic shared by the leaderboard, reports and evaluation. */

export interface EquityPoint {
  date: string;
  equity: number;
}

export interface PerformanceSummary {
  final_equity: number;
  total_return: number;
  /** Annualised (√252) mean/std of daily returns, risk-free rate 0; 0 when flat. */
  sharpe: number;
  /** Largest peak-to-trough fall, as a positive fraction. */
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

/** Share of closing trades (sell fills) that realised a profit; null when nothing was closed. */
export function hitRate(realized: readonly { pnl: number }[]): number | null {
  if (realized.length === 0) return null;
  return realized.filter((r) => r.pnl > 0).length / realized.length;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
