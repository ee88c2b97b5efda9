/**
 * What each number on the leaderboard and trading pages means, stated once: the pages render it as a
 * legend, leaderboard.json carries it as `definitions`, and the README quotes the same sentences.
 */
import { html, type SafeHtml } from './html.ts';

export const METRIC_DEFINITIONS = {
  final_equity: 'cash plus positions marked at the last day’s close',
  total_return: 'final equity ÷ starting cash − 1',
  sharpe:
    'mean of the daily returns ÷ their sample standard deviation (n − 1) × √252; risk-free rate 0; daily returns of the equity at each trading day’s close, the first one from the starting cash; 0 when the equity never moved',
  max_drawdown: 'largest fall of the equity below its running peak, at daily closes, as a positive fraction of that peak (5.00 % = once 5 % under its high); 0 when it never fell',
  trades: 'filled orders, each buy and each sell once (not round trips); orders the broker refused are not counted (see refused)',
  refused_orders: 'orders the broker refused at submission (buying power, quantity); they are listed apart on the trading page',
  hit_rate: 'share of sell fills that realised a profit: sale price above the average entry price of the shares sold, after commission; — when nothing was sold',
  excess_return: 'total return − the benchmark’s total return, over the same days',
  directional_accuracy:
    'share of the model’s predictions made on season days whose direction matched the next trading day’s close-to-close move (regression: sign of the predicted return; classification: P(up) ≥ 0.5 means up), pooled over symbols; the last day’s predictions have no truth yet and are not counted',
  benchmark:
    'the index bought as a team could: in cash at the first day’s close (where the teams start), one market buy at the next session’s open (or close, as broker.fill) with the team’s slippage and commission, fractional quantity, then held; the same metrics as a team',
} as const;

export type MetricName = keyof typeof METRIC_DEFINITIONS;

/** A definition list of the given metrics (all by default). */
export function legendHtml(names: readonly MetricName[] = Object.keys(METRIC_DEFINITIONS) as MetricName[]): SafeHtml {
  const label: Record<MetricName, string> = {
    final_equity: 'final equity',
    total_return: 'total return',
    sharpe: 'Sharpe',
    max_drawdown: 'max drawdown',
    trades: 'trades',
    refused_orders: 'refused',
    hit_rate: 'hit rate',
    excess_return: 'vs index',
    directional_accuracy: 'model direction right',
    benchmark: 'benchmark',
  };
  return html`<h2>How these numbers are computed</h2><dl class="legend">${names.map((n) => html`<dt>${label[n]}</dt><dd>${METRIC_DEFINITIONS[n]}</dd>`)}</dl>`;
}
