/**
 * trade: the strategy's decision turned into orders, with no duplicate ever. The plan is
 * journaled before the first order goes out, so a restarted cycle submits the same plan (not a
 * new decision made against an account that already holds some of its orders); each order has a
 * deterministic client_order_id, is looked up before it is submitted, and a duplicate answer
 * counts as "already placed". Refusals (no champion, dry run, closed market) are recorded.
 */
import path from 'node:path';
import { writeFileAtomic } from '../../core/fsx.ts';
import { isTradingDay, nextTradingDay } from '../../domain/calendar/nyse.ts';
import { BrokerError } from '../../domain/trading/errors.ts';
import type { StrategyDecision, SymbolPrediction } from '../../domain/trading/strategy.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Order } from '../../domain/trading/types.ts';
import { clientOrderId } from '../client-order-id.ts';
import type { CycleRequest, TeamContext } from '../context.ts';
import { need, type CycleState, type StepDef } from '../cycle-state.ts';
import type { PlacedOrder, PlannedOrder, Prediction, TradePlan, TradeRecord } from '../records.ts';
import { predictionId } from './predict.ts';

/**
 * Money as the Alpaca API states it (decimal strings, micro-dollar precision): the local engine and
 * a remote exchange then give the strategy and the equity curve the very same numbers.
 */
const money = (x: number): number => Math.round(x * 1e6) / 1e6;

function refusal(ctx: TeamContext, request: CycleRequest, date: string, hasChampion: boolean, predictions: readonly Prediction[]): string | null {
  if (!isTradingDay(date)) return `market closed on ${date}: no session to trade after`;
  if (request.noTradeReason) return request.noTradeReason;
  if (!hasChampion) return 'no champion model (the candidate failed its gate or none was trained yet)';
  if (predictions.length === 0) return 'no prediction today (stale data or no model)';
  if (ctx.team.broker.dry_run) return 'dry_run is set: orders decided but not submitted';
  return null;
}

async function makePlan(ctx: TeamContext, request: CycleRequest, date: string, state: Partial<CycleState>): Promise<TradePlan> {
  const { broker } = ctx.services;
  const fetched = need(state, 'fetch');
  const model = need(state, 'model');
  const { predictions } = need(state, 'predict');
  const session = nextTradingDay(date);
  const refused = refusal(ctx, request, date, model.version !== null, predictions);
  const notes: string[] = [];
  if (refused && !ctx.team.broker.dry_run) return { session, orders: [], notes, refused };
  const account = await broker.account();
  const positions = Object.fromEntries((await broker.positions()).map((p) => [p.symbol, p.qty]));
  const closes: Record<string, number> = {};
  for (const [symbol, s] of fetched.series) {
    const last = s.bars[s.bars.length - 1];
    if (last && last.date === date) closes[symbol] = last.close;
  }
  const preds: SymbolPrediction[] = predictions.map((p) => ({ symbol: p.symbol, expectedReturn: p.expectedReturn, probabilityUp: p.probabilityUp }));
  const input = { predictions: preds, closes, cash: money(account.cash), equity: money(account.equity), positions, blocked: fetched.blocked };
  let decision: StrategyDecision;
  try {
    decision = ctx.team.strategy.decide(input);
  } catch (err) {
    // A strategy that throws (a team's own code) is that team's error for the day, not a crash of the daemon or the season.
    return { session, orders: [], notes, refused: `strategy ${ctx.team.strategy.kind} failed: ${errorMessage(err)}` };
  }
  notes.push(...decision.notes);
  for (const [sym, why] of Object.entries(fetched.blocked)) notes.push(`${sym} not traded: ${why}`);
  const byId = new Map(predictions.map((p) => [p.symbol, p]));
  const orders: PlannedOrder[] = decision.orders.map((o) => ({
    ...o,
    client_order_id: clientOrderId({ team: ctx.team.team, date, symbol: o.symbol, side: o.side, intent: o.intent, scope: ctx.options.scope }),
    prediction_id: byId.has(o.symbol) ? predictionId(date, o.symbol) : null,
    model_version: model.version,
  }));
  return { session, orders, notes, refused };
}

async function place(ctx: TeamContext, o: PlannedOrder): Promise<{ order: Order | null; error: string | null }> {
  const { broker } = ctx.services;
  const existing = await broker.orderByClientOrderId(o.client_order_id);
  if (existing) return { order: existing, error: null };
  try {
    // broker.fill: close → market-on-close of the next session (tif cls); else the next open (tif day).
    const order = await broker.submitOrder({ symbol: o.symbol, qty: o.qty, side: o.side, type: 'market', time_in_force: ctx.team.broker.fill === 'close' ? 'cls' : 'day', client_order_id: o.client_order_id });
    return { order, error: null };
  } catch (err) {
    if (err instanceof BrokerError && err.kind === 'duplicate_client_order_id') return { order: await broker.orderByClientOrderId(o.client_order_id), error: null };
    if (err instanceof BrokerError && (err.kind === 'insufficient_buying_power' || err.kind === 'insufficient_qty' || err.kind === 'validation')) return { order: null, error: err.message };
    throw err;
  }
}

export const tradeStep: StepDef<'trade'> = {
  name: 'trade',
  async run(ctx, date, state, request) {
    const { journal, broker, clock, logger } = ctx.services;
    let plan = journal.get(date, 'trade.plan');
    if (!plan) {
      plan = await makePlan(ctx, request, date, state);
      await journal.record(date, 'trade.plan', plan, clock.now().toISO() ?? undefined);
    }
    const placed: PlacedOrder[] = [];
    const submit = plan.refused === null;
    for (const o of plan.orders) {
      const r = submit ? await place(ctx, o) : { order: null, error: null };
      placed.push({
        client_order_id: o.client_order_id,
        order_id: r.order?.id ?? null,
        symbol: o.symbol,
        side: o.side,
        qty: o.qty,
        status: r.order?.status ?? (r.error ? 'rejected' : 'not_submitted'),
        intent: o.intent,
        reason: o.reason,
        predicted: o.predicted,
        threshold: o.threshold,
        prediction_id: o.prediction_id,
        model_version: o.model_version,
        error: r.error,
      });
      if (r.error) logger.warn(`${ctx.team.team} ${date}: order ${o.client_order_id} refused by the broker: ${r.error}`);
    }
    const account = await broker.account();
    const positions = Object.fromEntries((await broker.positions()).map((p) => [p.symbol, p.qty]));
    const fetched = need(state, 'fetch');
    if (placed.length) {
      // Lineage: each order back to its prediction, model and data; the version step adds DVC md5s and the commit.
      const lineage = placed.map((p) => ({ ...p, date, data_version: fetched.dataVersion }));
      await writeFileAtomic(path.join(ctx.dirs.lineage, `${date}.json`), JSON.stringify({ date, team: ctx.team.team, orders: lineage }, null, 2) + '\n');
    }
    const out: TradeRecord = { equity: money(account.equity), cash: money(account.cash), positions, orders: placed, refused: plan.refused, notes: plan.notes };
    return { output: out, record: out };
  },
  async restore(_ctx, _date, _state, record) {
    return record;
  },
};
