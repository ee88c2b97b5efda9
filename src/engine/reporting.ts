/**
 * Turns journals, ledgers and model cards into the people-facing reports (HTML + the JSON they
 * were rendered from). Reports are always rebuilt from durable state, so a season resumed after a
 * kill writes the same files as an uninterrupted one.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import type { InMemoryMarketData } from '../adapters/market/memory.ts';
import type { PaperAccount } from '../adapters/broker/paper-account.ts';
import { hitRate, summarize } from '../domain/trading/performance.ts';
import type { Order } from '../domain/trading/types.ts';
import type { EquityPoint, IndexEntry, Leaderboard, LeaderboardRow, LeaderboardView, TradingOrderRow, TradingReportData } from '../adapters/reports/types.ts';
import { renderIndex } from '../adapters/reports/index-page.ts';
import { renderLeaderboard } from '../adapters/reports/leaderboard.ts';
import { renderTrading } from '../adapters/reports/trading.ts';
import { writeReport } from '../adapters/reports/write.ts';
import type { TeamConfig } from '../config/load.ts';
import type { Broker, Clock } from '../ports.ts';
import type { Journal } from './journal.ts';
import { MONITORING_PAGE, monitoringIndexEntries } from './monitoring-page.ts';

/** Reports carry the replay clock's time, so a resumed season writes byte-identical JSON. */
function generatedAt(rt: Pick<ReportRuntime, 'clock'>): string {
  return rt.clock.now().toISO() ?? DateTime.utc().toISO();
}

/** What season reports read of a team: its journal, its broker account and where its reports go. */
export interface ReportRuntime {
  team: TeamConfig;
  journal: Journal;
  broker: Broker;
  reportDir: string;
  clock: Clock;
}

export interface SeasonTeamResult {
  rt: ReportRuntime;
  days: readonly string[];
  /** Set when the team stopped before the end (its row is marked with it). */
  error?: string;
}

/** Each team's equity after each day's cycle, from the trade step's journal records. */
export function equityCurve(rt: Pick<ReportRuntime, 'journal'>, days: readonly string[]): EquityPoint[] {
  const out: EquityPoint[] = [];
  for (const date of days) {
    const rec = rt.journal.get(date, 'trade');
    if (rec) out.push({ date, equity: rec.equity });
  }
  return out;
}

/** Buy and hold of the benchmark from the close before the first day, scaled to the starting cash. */
export function benchmarkCurve(market: InMemoryMarketData, symbol: string, days: readonly string[], startingCash: number, before: string): EquityPoint[] {
  const base = market.lastBarOnOrBefore(symbol, before)?.close;
  if (!base) return [];
  const out: EquityPoint[] = [];
  for (const date of days) {
    const bar = market.lastBarOnOrBefore(symbol, date);
    if (bar) out.push({ date, equity: Math.round((startingCash * bar.close) / base * 100) / 100 });
  }
  return out;
}

function row(team: string, curve: readonly EquityPoint[], start: number, trades: number, hit: number | null): LeaderboardRow {
  const s = summarize(curve, start);
  return { team, final_equity: s.final_equity, total_return: s.total_return, sharpe: s.sharpe, max_drawdown: s.max_drawdown, trades, hit_rate: hit };
}

function orderRows(rt: ReportRuntime, days: readonly string[], fills: ReadonlyMap<string, Order>, reportHrefPrefix: string): { orders: TradingOrderRow[]; refusals: { date: string; reason: string }[] } {
  const orders: TradingOrderRow[] = [];
  const refusals: { date: string; reason: string }[] = [];
  for (const date of days) {
    const rec = rt.journal.get(date, 'trade');
    if (!rec) continue;
    if (rec.refused) refusals.push({ date, reason: rec.refused });
    for (const p of rec.orders) {
      const o = fills.get(p.client_order_id);
      orders.push({
        date,
        client_order_id: p.client_order_id,
        order_id: p.order_id,
        symbol: p.symbol,
        side: p.side,
        qty: p.qty,
        status: o?.status ?? p.status,
        fill_price: o?.filled_avg_price ?? null,
        filled_at: o?.filled_at ?? null,
        reason: p.error ? `${p.reason} (refused: ${p.error})` : p.reason,
        predicted: p.predicted,
        threshold: p.threshold,
        model_version: p.model_version,
        prediction_href: rt.journal.has(date, 'monitor') ? `${reportHrefPrefix}${MONITORING_PAGE}#${date}` : null,
      });
    }
  }
  return { orders, refusals };
}

async function listReports(out: string): Promise<IndexEntry[]> {
  const entries: IndexEntry[] = [];
  let teams: string[] = [];
  try {
    teams = (await readdir(out, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch {
    return entries;
  }
  for (const team of teams) {
    const dir = path.join(out, team);
    for (const d of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (d.isFile() && d.name === 'trading.html') entries.push({ team, kind: 'trading', date: null, title: `${team}: trading report`, href: `${team}/trading.html` });
      if (!d.isDirectory()) continue;
      if (d.name === 'training') {
        for (const f of (await readdir(path.join(dir, 'training'))).filter((f) => f.endsWith('.html')).sort()) {
          entries.push({ team, kind: 'training', date: null, title: `${team}: model ${f.replace(/\.html$/, '')}`, href: `${team}/training/${f}` });
        }
      }
    }
    entries.push(...(await monitoringIndexEntries(out, team)));
  }
  return entries;
}

/** Rewrites `<out>/index.html` from what is on disk under `<out>`. */
export async function writeIndex(out: string, at: string): Promise<void> {
  const entries = await listReports(out);
  const hasLeaderboard = (await readdir(out).catch(() => [] as string[])).includes('leaderboard.html');
  if (hasLeaderboard) entries.unshift({ team: 'all', kind: 'leaderboard', date: null, title: 'Leaderboard', href: 'leaderboard.html' });
  await writeReport(path.join(out, 'index.html'), renderIndex(entries, at), { generated_at: at, entries });
}

export interface SeasonReportInput {
  results: readonly SeasonTeamResult[];
  market: InMemoryMarketData;
  from: string;
  to: string;
  out: string;
  seasonId: string;
  /** Set while a competition is still running: the leaderboard page reloads itself. */
  progress?: { done: number; total: number; refreshSeconds: number };
}

export async function emitSeasonReports(input: SeasonReportInput): Promise<{ leaderboard: Leaderboard; view: LeaderboardView }> {
  const first = input.results[0];
  if (!first) throw new Error('a season needs at least one team');
  const at = generatedAt(first.rt);
  const benchmarkSymbol = first.rt.team.data.benchmark;
  const startingCash = first.rt.team.broker.starting_cash;
  const dayBefore = DateTime.fromISO(input.from).minus({ days: 1 }).toISODate() as string;
  const benchmark = benchmarkCurve(input.market, benchmarkSymbol, first.days, startingCash, dayBefore);
  const rows: LeaderboardRow[] = [];
  const curves: LeaderboardView['curves'] = [];
  for (const { rt, days, error } of input.results) {
    const curve = equityCurve(rt, days);
    const all = await rt.broker.orders({ status: 'all', direction: 'asc' });
    const filled = all.filter((o) => o.status === 'filled' || o.filled_qty > 0);
    const realized = (rt.broker as PaperAccount).realizedTrades?.() ?? [];
    const r = { ...row(rt.team.team, curve, rt.team.broker.starting_cash, filled.length, hitRate(realized)), ...(error ? { error } : {}) };
    rows.push(r);
    curves.push({ name: rt.team.team, points: curve });
    const fills = new Map(all.map((o) => [o.client_order_id, o]));
    const { orders, refusals } = orderRows(rt, days, fills, '');
    const positions = (await rt.broker.positions()).map((p) => ({ symbol: p.symbol, qty: p.qty, avg_entry_price: p.avg_entry_price, market_value: p.market_value, unrealized_pl: p.unrealized_pl }));
    const trading: TradingReportData = {
      team: rt.team.team,
      from: input.from,
      to: input.to,
      starting_cash: rt.team.broker.starting_cash,
      summary: r,
      equity: curve,
      benchmark: { name: benchmarkSymbol, points: benchmarkCurve(input.market, benchmarkSymbol, days, rt.team.broker.starting_cash, dayBefore) },
      positions,
      orders,
      refusals,
    };
    await writeReport(path.join(rt.reportDir, 'trading.html'), renderTrading(trading), trading);
  }
  rows.sort((a, b) => b.final_equity - a.final_equity || a.team.localeCompare(b.team));
  const b = summarize(benchmark, startingCash);
  const leaderboard: Leaderboard = {
    from: input.from,
    to: input.to,
    teams: rows,
    benchmark: { name: `${benchmarkSymbol} buy & hold`, total_return: b.total_return, sharpe: b.sharpe, max_drawdown: b.max_drawdown },
  };
  curves.push({ name: `${benchmarkSymbol} buy & hold`, points: benchmark });
  const view: LeaderboardView = {
    leaderboard,
    curves,
    generated_at: at,
    ...(input.progress ? { refresh_seconds: input.progress.refreshSeconds, progress: { done: input.progress.done, total: input.progress.total } } : {}),
  };
  await writeReport(path.join(input.out, 'leaderboard.html'), renderLeaderboard(view), leaderboard);
  await writeIndex(input.out, at);
  return { leaderboard, view };
}
