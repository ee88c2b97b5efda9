import type { LeaderboardRow, LeaderboardView } from './types.ts';
import { alignSeries, chartDiv, fmtMoney, fmtNum, fmtPct, html, joinHtml, link, page, table, type ChartSpec } from './html.ts';
import { legendHtml } from './legend.ts';

/** Percentage points with their sign: "+1.23 pp". */
export const fmtPp = (x: number | null | undefined): string => {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const s = fmtPct(x);
  return `${x > 0 && s !== '0.00%' ? '+' : ''}${s.replace('%', ' pp')}`;
};

/** "62.5% of 40" — an accuracy and what it is over. */
export const fmtAccuracy = (r: Pick<LeaderboardRow, 'directional_accuracy' | 'predictions_scored'>): string =>
  r.directional_accuracy === null ? '—' : `${fmtPct(r.directional_accuracy, 1)} of ${r.predictions_scored}`;

const names = (xs: readonly LeaderboardRow[]): string => xs.map((t) => t.team).join(', ');
const excessList = (xs: readonly LeaderboardRow[]): string => xs.map((t) => `${t.team} ${fmtPp(t.excess_return)}`).join(', ');

/** One sentence each: who beat the index, and whose model called the direction right more often than not (plain text). */
export function verdicts(rows: readonly LeaderboardRow[], benchmark: string): { index: string; model: string } {
  const beat = rows.filter((t) => t.beat_benchmark);
  const lost = rows.filter((t) => !t.beat_benchmark);
  const index =
    (beat.length ? `${names(beat)} beat ${benchmark} (${excessList(beat)})` : `No team beat ${benchmark}`) +
    (lost.length && beat.length ? `; ${names(lost)} did not (${excessList(lost)})` : lost.length ? ` (${excessList(lost)})` : '');
  const scored = rows.filter((t) => t.directional_accuracy !== null);
  const right = scored.filter((t) => (t.directional_accuracy as number) > 0.5);
  const model = !scored.length
    ? 'No model prediction has met its truth yet.'
    : `${right.length ? `The model of ${names(right)} called the next day’s direction right more often than not` : 'No model called the next day’s direction right more often than not'} (${scored.map((t) => `${t.team} ${fmtAccuracy(t)}`).join(', ')}).`;
  return { index: `${index}.`, model };
}

export function renderLeaderboard(view: LeaderboardView): string {
  const lb = view.leaderboard;
  const rows = [...lb.teams].sort((a, b) => b.final_equity - a.final_equity);
  const body = rows.map((t, i) => [i + 1, t.error ? html`${t.team} <span class="fail">stopped</span>` : t.team, fmtMoney(t.final_equity), fmtPct(t.total_return), fmtPp(t.excess_return), t.sharpe.toFixed(2), fmtPct(t.max_drawdown), t.trades, t.refused_orders, fmtPct(t.hit_rate, 1), fmtAccuracy(t)]);
  body.push(['', lb.benchmark.name, fmtMoney(lb.benchmark.final_equity), fmtPct(lb.benchmark.total_return), '', lb.benchmark.sharpe.toFixed(2), fmtPct(lb.benchmark.max_drawdown), '', '', '', '']);
  const aligned = alignSeries(view.curves.map((c) => ({ label: c.name, points: c.points.map((p) => ({ date: p.date, value: p.equity })) })));
  const chart: ChartSpec = { id: 'equity', title: 'Equity (benchmark bought with the same starting cash, at the teams’ first fill)', ...aligned, yFormat: 'money' };
  const progress = view.progress ? html`<p class="sub">Running: trading day ${view.progress.done} of ${view.progress.total}${view.refresh_seconds ? ` · this page reloads every ${view.refresh_seconds} s` : ''}</p>` : '';
  const links = joinHtml([...rows.map((t) => link(`${encodeURIComponent(t.team)}/trading.html`, `${t.team}: trading report`)), link('index.html', 'all reports')], ' · ');
  const bought = lb.benchmark.bought;
  const said = verdicts(rows, lb.benchmark.name);
  const stopped = rows.filter((t) => t.error);
  const failures = stopped.length ? html`<p class="warn">Stopped before the end (their figures stop there): ${joinHtml(stopped.map((t) => `${t.team} ${t.error}`), '; ')}</p>` : '';
  return page({
    title: `Leaderboard ${lb.from} – ${lb.to}`,
    refreshSeconds: view.refresh_seconds,
    charts: [chart],
    footer: `generated ${view.generated_at}`,
    body: html`<h1>Leaderboard</h1><p class="sub">${lb.from} – ${lb.to} · ranked by final equity</p>${progress}
<p class="verdict">${said.index}</p><p class="verdict">${said.model}</p>${failures}
${table(['#', 'team', 'final equity', 'total return', 'vs index', 'Sharpe', 'max drawdown', 'trades', 'refused', 'hit rate', 'model direction right'], body, { numeric: [true, false, true, true, true, true, true, true, true, true, true], className: 'leaderboard' })}
<p class="sub">Benchmark: in cash at the close of ${lb.benchmark.start}, as the teams; ${
      bought ? `bought ${fmtNum(bought.qty, 8)} at ${fmtMoney(bought.price)} (slippage included) on the ${bought.date} session, commission ${fmtMoney(bought.commission)}, then held.` : 'not bought yet (no session after the first day).'
    }</p>
<p>${links}</p>
${chartDiv(chart)}
${legendHtml()}`,
  });
}
