import { drawdownSeries } from '../../domain/trading/performance.ts';
import type { TradingOrderRow, TradingReportData } from './types.ts';
import { alignSeries, chartDiv, fmtMoney, fmtNum, fmtPct, html, joinHtml, link, page, table, type Cell, type ChartSpec } from './html.ts';
import { fmtAccuracy, fmtPp } from './leaderboard.ts';
import { legendHtml } from './legend.ts';

const ORDER_HEADERS = ['date', 'symbol', 'side', 'qty', 'status', 'fill price', 'reason', 'predicted', 'threshold', 'model version', 'report'];
const NONE = html`<p class="sub">None.</p>`;
const ORDER_NUMERIC = [false, false, false, true, false, true, false, true, true, false, false];

function orderCells(o: TradingOrderRow): Cell[] {
  return [
    o.date, o.symbol, o.side, o.qty, o.status, o.fill_price === null ? null : fmtMoney(o.fill_price), o.reason,
    o.predicted === null ? null : fmtNum(o.predicted), o.threshold === null ? null : fmtNum(o.threshold), o.model_version,
    o.prediction_href ? link(o.prediction_href, 'prediction') : null,
  ];
}

export function renderTrading(d: TradingReportData): string {
  const s = d.summary;
  const curves = [{ label: d.team, points: d.equity.map((p) => ({ date: p.date, value: p.equity })) }];
  if (d.benchmark) curves.push({ label: d.benchmark.name, points: d.benchmark.points.map((p) => ({ date: p.date, value: p.equity })) });
  const equity: ChartSpec = { id: 'equity', title: 'Equity vs benchmark', ...alignSeries(curves), yFormat: 'money' };
  const dd = drawdownSeries([d.starting_cash, ...d.equity.map((p) => p.equity)]).slice(1);
  const drawdown: ChartSpec = { id: 'drawdown', title: 'Drawdown', x: d.equity.map((p) => p.date), series: [{ label: 'drawdown', values: dd }], yFormat: 'percent' };
  const charts = d.equity.length > 1 ? [equity, drawdown] : [];
  const orders = [...d.orders].reverse().map(orderCells);
  const refused = [...d.refused_orders].reverse().map(orderCells);
  return page({
    title: `${d.team} trading ${d.from} – ${d.to}`,
    charts,
    body: html`<h1>Trading: ${d.team}</h1><p class="sub">${d.from} – ${d.to} · starting cash ${fmtMoney(d.starting_cash)} · ${link('../leaderboard.html', 'leaderboard')} · ${link('../index.html', 'all reports')}</p>
${table(['final equity', 'total return', 'vs index', 'Sharpe', 'max drawdown', 'trades', 'refused', 'hit rate', 'model direction right'], [[fmtMoney(s.final_equity), fmtPct(s.total_return), fmtPp(s.excess_return), s.sharpe.toFixed(2), fmtPct(s.max_drawdown), s.trades, s.refused_orders, fmtPct(s.hit_rate, 1), fmtAccuracy(s)]], { numeric: [true, true, true, true, true, true, true, true, true], className: 'summary' })}
${joinHtml(charts.map(chartDiv), '\n')}
<h2>Open positions</h2>${d.positions.length ? table(['symbol', 'qty', 'avg entry', 'market value', 'unrealized P/L'], d.positions.map((p) => [p.symbol, p.qty, fmtMoney(p.avg_entry_price), fmtMoney(p.market_value), fmtMoney(p.unrealized_pl)]), { numeric: [false, true, true, true, true] }) : NONE}
<h2>Orders (${d.orders.length}, newest first)</h2>${orders.length ? table(ORDER_HEADERS, orders, { numeric: ORDER_NUMERIC, className: 'orders' }) : NONE}
<h2>Refused orders (${d.refused_orders.length}, newest first)</h2><p class="sub">Orders the strategy decided and the broker refused at submission (never sent to the market).</p>${refused.length ? table(ORDER_HEADERS, refused, { numeric: ORDER_NUMERIC, className: 'refused-orders' }) : NONE}
<h2>Days without trading (${d.refusals.length})</h2>${d.refusals.length ? table(['date', 'reason'], [...d.refusals].reverse().map((r) => [r.date, r.reason])) : NONE}
${legendHtml(['final_equity', 'total_return', 'excess_return', 'sharpe', 'max_drawdown', 'trades', 'refused_orders', 'hit_rate', 'directional_accuracy', 'benchmark'])}`,
  });
}
