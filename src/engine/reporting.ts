/**
 * Turns journals, ledgers and model cards into the people-facing reports (HTML + the JSON they
 * were rendered from). Reports are always rebuilt from durable state, so a season resumed after a
 * kill writes the same files as an uninterrupted one, and a season re-run into a fresh `--out`
 * writes every page again (the monitoring page from the days the workspace keeps, engine/monitoring-page.ts;
 * training pages from the model cards) instead of linking to pages that are not there.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import type { InMemoryMarketData } from '../adapters/market/memory.ts';
import type { ModelRegistry } from '../adapters/models/registry.ts';
import { Book } from '../domain/trading/book.ts';
import { buyAndHold, hitRate, summarize, type BuyAndHold } from '../domain/trading/performance.ts';
import type { Order } from '../domain/trading/types.ts';
import { joinPredictionsWithTruth, pairMetrics } from '../domain/monitoring/pairs.ts';
import type { DailySeries } from '../domain/market/types.ts';
import type { EquityPoint, IndexEntry, Leaderboard, LeaderboardRow, LeaderboardView, TradingOrderRow, TradingReportData } from '../adapters/reports/types.ts';
import { renderIndex } from '../adapters/reports/index-page.ts';
import { renderLeaderboard } from '../adapters/reports/leaderboard.ts';
import { METRIC_DEFINITIONS } from '../adapters/reports/legend.ts';
import { writeTrainingReport } from '../adapters/reports/training.ts';
import { renderTrading } from '../adapters/reports/trading.ts';
import { writeReport } from '../adapters/reports/write.ts';
import { pathExists } from '../core/fsx.ts';
import type { TeamConfig } from '../config/load.ts';
import type { Broker, Clock } from '../ports.ts';
import { hasLedger } from './integrity.ts';
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
  /** The team's model registry: every training page is (re)written from its cards at the end. */
  registry?: ModelRegistry;
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

/** The benchmark held as the team could hold it (domain/trading/performance.ts `buyAndHold`), with this team's costs. */
export function benchmarkFor(market: InMemoryMarketData, symbol: string, days: readonly string[], team: Pick<TeamConfig, 'broker'>): BuyAndHold {
  return buyAndHold(
    days,
    (date) => market.bar(symbol, date),
    (date) => market.lastBarOnOrBefore(symbol, date)?.close ?? null,
    team.broker.starting_cash,
    { slippageBps: team.broker.slippage_bps, commissionPerShare: team.broker.commission_per_share, commissionMin: team.broker.commission_min },
    team.broker.fill === 'close' ? 'close' : 'open',
  );
}

/**
 * Every order of the account, and the profit of each sale when the ledger says it. The local paper
 * account's ledger is folded whole (its `orders()` pages at 50 by default, as Alpaca's does, which
 * capped the leaderboard's trades at 50); another broker is paged through by submission time.
 */
async function accountHistory(broker: Broker): Promise<{ orders: Order[]; realized: { pnl: number }[] | null }> {
  await broker.account(); // fills whose time has come are applied first
  if (hasLedger(broker)) {
    const book = new Book();
    for (const e of broker.ledgerEvents()) book.apply(e);
    return { orders: [...book.orders.values()], realized: book.realized };
  }
  const byId = new Map<string, Order>();
  let after: string | undefined;
  for (;;) {
    const page = await broker.orders({ status: 'all', direction: 'asc', limit: 500, ...(after ? { after } : {}) });
    const before = byId.size;
    for (const o of page) byId.set(o.id, o);
    if (page.length < 500 || byId.size === before) break;
    // `after` is strict: step back a millisecond so orders sharing the last timestamp are not skipped.
    after = new Date(Date.parse((page[page.length - 1] as Order).submitted_at) - 1).toISOString();
  }
  return { orders: [...byId.values()], realized: null };
}

/** The model's directional accuracy over the predictions of these days that met their truth by the last day. */
/**
 * Directional accuracy of the predictions made on `days`, each met by the truth known on the last of
 * them (no look-ahead: a prediction whose next close comes later is not scored yet). The static
 * leaderboard scores a whole season with it, the live one the days played so far.
 */
export function accuracySoFar(journal: Pick<Journal, 'get'>, market: InMemoryMarketData, days: readonly string[], feature: TeamConfig['model']['output']['feature']): { accuracy: number | null; n: number } {
  const last = days[days.length - 1];
  if (last === undefined) return { accuracy: null, n: 0 };
  const predictions = days.flatMap((d) => journal.get(d, 'predict')?.predictions ?? []);
  const series = new Map<string, DailySeries>();
  for (const symbol of new Set(predictions.map((p) => p.symbol))) series.set(symbol, { symbol, bars: [...market.bars(symbol)], source: market.provider, stale: false });
  const pairs = joinPredictionsWithTruth(predictions, series, last, feature);
  if (!pairs.length) return { accuracy: null, n: 0 };
  const m = pairMetrics(pairs, feature === 'direction' ? 'classification' : 'regression');
  const a = m.directional_accuracy;
  return { accuracy: a === null || a === undefined || !Number.isFinite(a) ? null : a, n: pairs.length };
}

async function orderRows(rt: ReportRuntime, days: readonly string[], byClientId: ReadonlyMap<string, Order>): Promise<{ orders: TradingOrderRow[]; refused: TradingOrderRow[]; refusals: { date: string; reason: string }[] }> {
  const orders: TradingOrderRow[] = [];
  const refused: TradingOrderRow[] = [];
  const refusals: { date: string; reason: string }[] = [];
  const pageThere = await pathExists(path.join(rt.reportDir, MONITORING_PAGE));
  for (const date of days) {
    const rec = rt.journal.get(date, 'trade');
    if (!rec) continue;
    if (rec.refused) refusals.push({ date, reason: rec.refused });
    // Linked only when the team's monitoring page is there (written before the reports): no dead link.
    const href = rt.journal.has(date, 'monitor') && pageThere ? `${MONITORING_PAGE}#${date}` : null;
    for (const p of rec.orders) {
      const o = byClientId.get(p.client_order_id);
      const row: TradingOrderRow = {
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
        prediction_href: href,
      };
      if (p.order_id === null && p.error !== null) refused.push(row);
      else orders.push(row);
    }
  }
  return { orders, refused, refusals };
}

/** Rewrites the training pages from the model cards (with each version's status at the end): a fresh --out gets them all. */
async function rebuildTrainingPages(rt: ReportRuntime): Promise<void> {
  if (rt.registry) {
    for (const v of await rt.registry.list()) if (v.card) await writeTrainingReport(rt.reportDir, v.card, v.status);
  }
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
  const bench = benchmarkFor(input.market, benchmarkSymbol, first.days, first.rt.team);
  const b = summarize(bench.points, startingCash);
  const rows: LeaderboardRow[] = [];
  const curves: LeaderboardView['curves'] = [];
  for (const { rt, days, error } of input.results) {
    // A team that stopped may have stopped on its registry: its row still gets written, without those pages.
    await rebuildTrainingPages(rt).catch((err: unknown) => {
      if (!error) throw err;
    });
    const curve = equityCurve(rt, days);
    const history = await accountHistory(rt.broker);
    const fills = history.orders.filter((o) => o.status === 'filled' || o.filled_qty > 0).length;
    const { orders, refused, refusals } = await orderRows(rt, days, new Map(history.orders.map((o) => [o.client_order_id, o])));
    const s = summarize(curve, rt.team.broker.starting_cash);
    // The team's own costs for its benchmark line; the leaderboard's excess return is over the shared one.
    const own = benchmarkFor(input.market, benchmarkSymbol, days, rt.team);
    const accuracy = accuracySoFar(rt.journal, input.market, days, rt.team.model.output.feature);
    const excess = s.total_return - b.total_return;
    const r: LeaderboardRow = {
      team: rt.team.team,
      final_equity: s.final_equity,
      total_return: s.total_return,
      sharpe: s.sharpe,
      max_drawdown: s.max_drawdown,
      trades: fills,
      hit_rate: history.realized ? hitRate(history.realized) : null,
      excess_return: excess,
      beat_benchmark: excess > 0,
      directional_accuracy: accuracy.accuracy,
      predictions_scored: accuracy.n,
      refused_orders: refused.length,
      ...(error ? { error } : {}),
    };
    rows.push(r);
    curves.push({ name: rt.team.team, points: curve });
    const positions = (await rt.broker.positions()).map((p) => ({ symbol: p.symbol, qty: p.qty, avg_entry_price: p.avg_entry_price, market_value: p.market_value, unrealized_pl: p.unrealized_pl }));
    const trading: TradingReportData = {
      team: rt.team.team,
      from: input.from,
      to: input.to,
      starting_cash: rt.team.broker.starting_cash,
      summary: r,
      equity: curve,
      benchmark: { name: benchmarkSymbol, points: own.points },
      positions,
      orders,
      refused_orders: refused,
      refusals,
    };
    await writeReport(path.join(rt.reportDir, 'trading.html'), renderTrading(trading), trading);
  }
  rows.sort((x, y) => y.final_equity - x.final_equity || x.team.localeCompare(y.team));
  const leaderboard: Leaderboard = {
    from: input.from,
    to: input.to,
    teams: rows,
    benchmark: { name: `${benchmarkSymbol} buy & hold`, total_return: b.total_return, sharpe: b.sharpe, max_drawdown: b.max_drawdown, final_equity: b.final_equity, start: first.days[0] ?? input.from, bought: bench.bought },
    definitions: { ...METRIC_DEFINITIONS },
  };
  curves.push({ name: `${benchmarkSymbol} buy & hold`, points: bench.points });
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
