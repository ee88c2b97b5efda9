import type { Leaderboard } from '../../adapters/reports/types.ts';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const money = (x: number) => `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** The leaderboard as a fixed-width table for the terminal (teams by final equity, then the benchmark). */
export function formatLeaderboard(lb: Leaderboard): string {
  const head = ['#', 'team', 'final equity', 'total return', 'vs index', 'Sharpe', 'max drawdown', 'trades', 'hit rate', 'direction right'];
  const pp = (x: number) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(2)} pp`;
  const rows = lb.teams.map((t, i) => [
    String(i + 1), t.team, money(t.final_equity), pct(t.total_return), pp(t.excess_return), t.sharpe.toFixed(2), pct(t.max_drawdown), String(t.trades),
    t.hit_rate === null ? '—' : pct(t.hit_rate), t.directional_accuracy === null ? '—' : `${pct(t.directional_accuracy)} of ${t.predictions_scored}`,
  ]);
  rows.push(['', lb.benchmark.name, money(lb.benchmark.final_equity), pct(lb.benchmark.total_return), '', lb.benchmark.sharpe.toFixed(2), pct(lb.benchmark.max_drawdown), '', '', '']);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const line = (r: string[]) => r.map((v, c) => (c <= 1 ? v.padEnd(widths[c] as number) : v.padStart(widths[c] as number))).join('  ');
  return [`Leaderboard ${lb.from} .. ${lb.to}`, line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
