/**
 * Season reports from a real paper account and journal (no cycle, no model): trades counted from the
 * whole ledger, the benchmark bought at the teams' first fill, refused orders apart, the model's
 * season accuracy, and "prediction" links only to a monitoring page that is there.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nyDateTime, ReplayClock } from '../adapters/clock.ts';
import { PaperAccount } from '../adapters/broker/paper-account.ts';
import { sampleMarketData } from '../adapters/market/csv.ts';
import { InMemoryMarketData } from '../adapters/market/memory.ts';
import type { Leaderboard, TradingReportData } from '../adapters/reports/types.ts';
import { loadTeam, type TeamConfig } from '../config/load.ts';
import { loadEnv } from '../config/env.ts';
import { writeFileAtomic } from '../core/fsx.ts';
import { tradingDays } from '../domain/calendar/nyse.ts';
import type { Bar } from '../domain/market/types.ts';
import { BrokerError } from '../domain/trading/errors.ts';
import { monitoringDays } from '../testing/report-fixtures.ts';
import { REPO_ROOT } from '../testing/services.ts';
import { Journal } from './journal.ts';
import type { PlacedOrder } from './records.ts';
import { emitSeasonReports } from './reporting.ts';
import { monitoringDaysFile, writeMonitoringPage } from './monitoring-page.ts';

const days = tradingDays('2017-08-01', '2017-10-31'); // 65 trading days
let team: TeamConfig;
let market: InMemoryMarketData;
let dir: string;
let broker: PaperAccount;
let lb: Leaderboard;
let trading: TradingReportData;

const bars = (symbol: string): Bar[] => [...market.bars(symbol)];
const barOn = (symbol: string, date: string): Bar => bars(symbol).find((b) => b.date === date) as Bar;

beforeAll(async () => {
  team = await loadTeam('teams/red.yml', { root: REPO_ROOT, checkSecrets: false, secrets: loadEnv({ file: '/nonexistent', env: {} }) });
  const sample = sampleMarketData();
  const series = new Map<string, Bar[]>();
  for (const s of ['AAPL', 'SPX']) series.set(s, (await sample.daily({ symbol: s, asOf: '2017-12-31' })).bars);
  market = new InMemoryMarketData('sample', series);
  dir = mkdtempSync(path.join(tmpdir(), 'arena-reporting-'));
  const clock = new ReplayClock({ start: nyDateTime(days[0] as string, '00:00') });
  broker = await PaperAccount.open({ ledgerFile: path.join(dir, 'state', 'ledger.jsonl'), accountId: 'red-test', clock, prices: market, startingCash: 100_000, slippageBps: 5, commissionPerShare: 0.005, commissionMin: 1, multiplier: 1 });
  const journal = await new Journal(path.join(dir, 'state', 'journal.jsonl')).load();
  const kept = path.join(dir, 'workspace');
  const fixtureDays = monitoringDays();
  const daysKept: string[] = [];
  for (const [i, date] of days.entries()) {
    clock.advanceTo(nyDateTime(date, '16:30'));
    const close = barOn('AAPL', date).close;
    await journal.record(date, 'predict', { predictions: [{ id: `${date}:AAPL`, date, symbol: 'AAPL', close, value: 0.01, expectedReturn: 0.01, probabilityUp: null, model_version: 'v0001' }], skipped: {} });
    const placed: PlacedOrder[] = [];
    const base = { intent: 'buy_best' as const, reason: 'test', predicted: 0.01, threshold: 0.001, prediction_id: `${date}:AAPL`, model_version: 'v0001' };
    // Every day one share bought (and from the second day one sold): two fills a day, well over 50.
    const buy = await broker.submitOrder({ symbol: 'AAPL', qty: 1, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: `buy-${date}` });
    placed.push({ ...base, client_order_id: buy.client_order_id, order_id: buy.id, symbol: 'AAPL', side: 'buy', qty: 1, status: buy.status, error: null });
    if (i > 0) {
      const sell = await broker.submitOrder({ symbol: 'AAPL', qty: 1, side: 'sell', type: 'market', time_in_force: 'day', client_order_id: `sell-${date}` });
      placed.push({ ...base, intent: 'sell_worst', client_order_id: sell.client_order_id, order_id: sell.id, symbol: 'AAPL', side: 'sell', qty: 1, status: sell.status, error: null });
    }
    if (i === 3) {
      // An order the broker refuses (far beyond the buying power) is recorded as the trade step does.
      const err = await broker.submitOrder({ symbol: 'AAPL', qty: 100_000, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: `big-${date}` }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BrokerError);
      placed.push({ ...base, client_order_id: `big-${date}`, order_id: null, symbol: 'AAPL', side: 'buy', qty: 100_000, status: 'rejected', error: (err as Error).message });
    }
    const account = await broker.account();
    const positions = Object.fromEntries((await broker.positions()).map((p) => [p.symbol, p.qty]));
    if (i === 10 || i === 11) {
      await journal.record(date, 'monitor', { summary: { dataset_drift: false, drift_share: 0, live_directional_accuracy: null }, comparisons: 0, pooled: {} });
      daysKept.push(JSON.stringify({ ...fixtureDays[i], date }));
    }
    await journal.record(date, 'trade', { equity: account.equity, cash: account.cash, positions, orders: placed, refused: null, notes: [] });
  }
  // The monitor's days as the workspace keeps them; the season writes the team's page before its reports.
  await writeFileAtomic(monitoringDaysFile({ reports: kept }), daysKept.join('\n') + '\n');
  const out = path.join(dir, 'reports');
  await writeMonitoringPage(path.join(out, 'red'), monitoringDaysFile({ reports: kept }), 'x');
  const r = await emitSeasonReports({
    results: [{ rt: { team, journal, broker, reportDir: path.join(out, 'red'), clock }, days }],
    market,
    from: days[0] as string,
    to: days[days.length - 1] as string,
    out,
    seasonId: 'test',
  });
  lb = r.leaderboard;
  trading = JSON.parse(readFileSync(path.join(out, 'red', 'trading.json'), 'utf8')) as TradingReportData;
});

describe('season reports', () => {
  it('trades counts every fill in the ledger, not the first page of 50 orders', () => {
    const filled = broker.ledgerEvents().filter((e) => e.type === 'filled').length;
    expect(filled).toBeGreaterThan(100);
    expect(lb.teams[0]?.trades).toBe(filled);
    // The trading page has every order with its broker status (no "accepted" left over from a short page).
    expect(trading.orders.length).toBe(2 * days.length - 1);
    expect(trading.orders.filter((o) => o.status === 'filled').length).toBe(filled);
  });

  it('the benchmark starts in cash at the first close and buys the index at the next open with the same costs', () => {
    const open = barOn('SPX', days[1] as string).open as number;
    const price = Math.round(open * 1.0005 * 1e6) / 1e6;
    const qty = Math.floor(((100_000 - 1) / price) * 1e6) / 1e6;
    const cash = 100_000 - qty * price - 1;
    const last = barOn('SPX', days[days.length - 1] as string).close;
    expect(lb.benchmark.start).toBe(days[0]);
    expect(lb.benchmark.bought).toEqual({ date: days[1], price, qty, commission: 1 });
    expect(lb.benchmark.final_equity).toBe(Math.round((cash + qty * last) * 100) / 100);
    expect(lb.benchmark.total_return).toBeCloseTo(lb.benchmark.final_equity / 100_000 - 1, 12);
    // Not the old measure, from the close before the first day.
    const before = bars('SPX').filter((b) => b.date < (days[0] as string)).at(-1) as Bar;
    expect(Math.abs(lb.benchmark.total_return - (last / before.close - 1))).toBeGreaterThan(1e-4);
    expect(lb.teams[0]?.excess_return).toBeCloseTo((lb.teams[0]?.total_return as number) - lb.benchmark.total_return, 12);
    expect(lb.teams[0]?.beat_benchmark).toBe((lb.teams[0]?.excess_return as number) > 0);
  });

  it('refused orders are listed apart and counted in the summary', () => {
    expect(trading.refused_orders.map((o) => o.client_order_id)).toEqual([`big-${days[3]}`]);
    expect(trading.refused_orders[0]?.reason).toMatch(/refused: insufficient buying power/);
    expect(trading.orders.some((o) => o.client_order_id.startsWith('big-'))).toBe(false);
    expect(trading.summary.refused_orders).toBe(1);
    expect(lb.teams[0]?.refused_orders).toBe(1);
  });

  it("the model's directional accuracy over the season: every prediction that met its next-day truth", () => {
    const aapl = bars('AAPL');
    let up = 0;
    for (const d of days.slice(0, -1)) {
      const i = aapl.findIndex((b) => b.date === d);
      if ((aapl[i + 1] as Bar).close > (aapl[i] as Bar).close) up++;
    }
    expect(lb.teams[0]?.predictions_scored).toBe(days.length - 1);
    expect(lb.teams[0]?.directional_accuracy).toBeCloseTo(up / (days.length - 1), 12);
  });

  it('leaderboard.json keeps the DESIGN.md fields and states each metric', () => {
    for (const k of ['team', 'final_equity', 'total_return', 'sharpe', 'max_drawdown', 'trades', 'hit_rate']) expect(lb.teams[0]).toHaveProperty(k);
    for (const k of ['name', 'total_return', 'sharpe', 'max_drawdown']) expect(lb.benchmark).toHaveProperty(k);
    expect(lb.definitions.sharpe).toMatch(/√252; risk-free rate 0/);
    expect(lb.definitions.trades).toMatch(/not round trips/);
  });

  it('orders link to their day on the team\'s monitoring page, and only when the page is there', async () => {
    const [d10, d11] = [days[10] as string, days[11] as string];
    expect(JSON.parse(readFileSync(path.join(dir, 'reports', 'red', 'monitoring.json'), 'utf8'))).toMatchObject({ team: 'red', dates: [d10, d11] });
    expect(trading.orders.find((o) => o.date === d10)?.prediction_href).toBe(`monitoring.html#${d10}`);
    expect(trading.orders.find((o) => o.date === d11)?.prediction_href).toBe(`monitoring.html#${d11}`);
    // A day without a monitor record has no link.
    expect(trading.orders.find((o) => o.date === days[12])?.prediction_href).toBeNull();
    // A reports folder without the page: no dead link.
    const bare = path.join(dir, 'bare');
    const journal = await new Journal(path.join(dir, 'state', 'journal.jsonl')).load();
    const clock = new ReplayClock({ start: nyDateTime(days[days.length - 1] as string, '16:30') });
    await emitSeasonReports({ results: [{ rt: { team, journal, broker, reportDir: path.join(bare, 'red'), clock }, days }], market, from: days[0] as string, to: days[days.length - 1] as string, out: bare, seasonId: 'test' });
    const t = JSON.parse(readFileSync(path.join(bare, 'red', 'trading.json'), 'utf8')) as TradingReportData;
    expect(t.orders.every((o) => o.prediction_href === null)).toBe(true);
    expect(existsSync(path.join(bare, 'red', 'monitoring.html'))).toBe(false);
  });
});
