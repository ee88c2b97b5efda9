import type { LeaderboardView } from './types.ts';
import { alignSeries, chartDiv, escapeHtml, fmtMoney, fmtPct, page, table, type ChartSpec } from './html.ts';

export function renderLeaderboard(view: LeaderboardView): string {
  const lb = view.leaderboard;
  const rows = [...lb.teams].sort((a, b) => b.final_equity - a.final_equity);
  const body = rows.map((t, i) => [i + 1, t.team, fmtMoney(t.final_equity), fmtPct(t.total_return), t.sharpe.toFixed(2), fmtPct(t.max_drawdown), t.trades, fmtPct(t.hit_rate, 1)]);
  body.push(['', lb.benchmark.name, '', fmtPct(lb.benchmark.total_return), lb.benchmark.sharpe.toFixed(2), fmtPct(lb.benchmark.max_drawdown), '', '']);
  const aligned = alignSeries(view.curves.map((c) => ({ label: c.name, points: c.points.map((p) => ({ date: p.date, value: p.equity })) })));
  const chart: ChartSpec = { id: 'equity', title: 'Equity (benchmark scaled to the same starting cash)', ...aligned, yFormat: 'money' };
  const progress = view.progress ? `<p class="sub">Running: trading day ${view.progress.done} of ${view.progress.total}${view.refresh_seconds ? ` · this page reloads every ${view.refresh_seconds} s` : ''}</p>` : '';
  const links = rows.map((t) => `<a href="${escapeHtml(encodeURIComponent(t.team))}/trading.html">${escapeHtml(t.team)}: trading report</a>`).join(' · ');
  return page({
    title: `Leaderboard ${lb.from} – ${lb.to}`,
    refreshSeconds: view.refresh_seconds,
    charts: [chart],
    footer: `generated ${view.generated_at}`,
    body: `<h1>Leaderboard</h1><p class="sub">${escapeHtml(lb.from)} – ${escapeHtml(lb.to)} · ranked by final equity</p>${progress}
${table(['#', 'team', 'final equity', 'total return', 'Sharpe', 'max drawdown', 'trades', 'hit rate'], body, { numeric: [true, false, true, true, true, true, true, true], className: 'leaderboard' })}
<p>${links} · <a href="index.html">all reports</a></p>
${chartDiv(chart)}`,
  });
}
