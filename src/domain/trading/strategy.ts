/**
 * Strategies as pure functions: (predictions, latest closes, account, positions, spec) → order
 * intents with their reasons. No broker, no clock: the trade step turns intents into orders.
 */
import type { StrategySpec, StrategyLimits } from './strategy-spec.ts';
import type { Side } from './types.ts';

export interface SymbolPrediction {
  symbol: string;
  /** Regression models: predicted next-day return. */
  expectedReturn: number | null;
  /** Classification models: predicted probability that tomorrow closes higher. */
  probabilityUp: number | null;
}

export interface StrategyInput {
  predictions: readonly SymbolPrediction[];
  /** Latest close per symbol (the price the decision is made at). */
  closes: Readonly<Record<string, number>>;
  cash: number;
  equity: number;
  /** Held quantities (long only). */
  positions: Readonly<Record<string, number>>;
  /** Symbols that must not be traded today, with the reason (stale data, failed quality gate…). */
  blocked?: Readonly<Record<string, string>>;
}

export type Intent = 'sell_loss' | 'sell_worst' | 'sell_fund' | 'sell_rebalance' | 'buy_best' | 'buy_topk' | 'buy_hold';

export interface OrderIntent {
  symbol: string;
  side: Side;
  qty: number;
  intent: Intent;
  /** The prediction behind the decision (return or probability) and the threshold it crossed. */
  predicted: number | null;
  threshold: number | null;
  /** Price the quantity was sized at. */
  refPrice: number;
  reason: string;
}

export interface StrategyDecision {
  mode: 'regression' | 'classification' | 'none';
  orders: OrderIntent[];
  /** Why nothing (more) was done, for the report. */
  notes: string[];
}

type Mode = 'regression' | 'classification';

function modeOf(preds: readonly SymbolPrediction[]): Mode {
  return preds.some((p) => p.probabilityUp !== null) ? 'classification' : 'regression';
}

const scoreOf = (p: SymbolPrediction, mode: Mode): number | null => (mode === 'regression' ? p.expectedReturn : p.probabilityUp);

/** Descending by score, ties broken by symbol so the result never depends on input order. */
const byScoreDesc = (a: { s: number; symbol: string }, b: { s: number; symbol: string }) => b.s - a.s || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0);

function sizeQty(value: number, price: number, limits: StrategyLimits): number {
  if (!(value > 0) || !(price > 0)) return 0;
  const q = value / price;
  return limits.whole_shares ? Math.floor(q + 1e-9) : Math.floor(q * 1e6) / 1e6;
}

function fmtPct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

export function bestGainWorstLoss(spec: Extract<StrategySpec, { kind: 'best-gain-worst-loss' }>, input: StrategyInput): StrategyDecision {
  const mode = modeOf(input.predictions);
  const notes: string[] = [];
  const blocked = input.blocked ?? {};
  const buyTh = mode === 'regression' ? spec.buy_threshold : spec.classification.buy_probability;
  const sellTh = mode === 'regression' ? -spec.sell_threshold : spec.classification.sell_probability;
  const fmt = (v: number) => (mode === 'regression' ? fmtPct(v) : `P(up)=${v.toFixed(3)}`);

  const scored: { symbol: string; s: number; price: number }[] = [];
  for (const p of input.predictions) {
    const s = scoreOf(p, mode);
    const price = input.closes[p.symbol];
    if (blocked[p.symbol]) {
      notes.push(`${p.symbol}: not traded (${blocked[p.symbol]})`);
      continue;
    }
    if (s === null || !Number.isFinite(s) || price === undefined || !(price > 0)) {
      notes.push(`${p.symbol}: no usable prediction or price`);
      continue;
    }
    scored.push({ symbol: p.symbol, s, price });
  }
  scored.sort(byScoreDesc);
  const held = scored.filter((x) => (input.positions[x.symbol] ?? 0) > 0);
  const orders: OrderIntent[] = [];
  const selling = new Set<string>();
  let proceeds = 0;
  const sell = (x: { symbol: string; s: number; price: number }, intent: Intent, threshold: number | null, reason: string) => {
    const qty = input.positions[x.symbol] as number;
    orders.push({ symbol: x.symbol, side: 'sell', qty, intent, predicted: x.s, threshold, refPrice: x.price, reason });
    selling.add(x.symbol);
    proceeds += qty * x.price;
  };

  // 1. Sell holdings predicted to lose beyond the threshold: all of them, or only the worst.
  const losers = held.filter((x) => (mode === 'regression' ? x.s <= sellTh && x.s < 0 : x.s <= sellTh)).reverse();
  const toSell = spec.sell === 'all' ? losers : losers.slice(0, 1);
  for (const x of toSell)
    sell(x, spec.sell === 'all' ? 'sell_loss' : 'sell_worst', sellTh, `predicted ${fmt(x.s)} is below the sell threshold ${fmt(sellTh)}`);

  // 2. Buy the best predicted gain, funding it from lower-potential holdings if cash is short.
  const best = scored.find((x) => (mode === 'regression' ? x.s >= buyTh && x.s > 0 : x.s >= buyTh));
  if (!best) {
    notes.push(scored.length ? `no symbol reaches the buy threshold ${fmt(buyTh)} (best ${fmt((scored[0] as { s: number }).s)})` : 'nothing to rank');
  } else if (selling.has(best.symbol)) {
    notes.push(`${best.symbol} is both best and being sold: skipped`);
  } else {
    const limits = spec.limits;
    const target = limits.max_position_pct * input.equity;
    const current = (input.positions[best.symbol] ?? 0) * best.price;
    const want = target - current;
    const buffer = limits.cash_buffer_pct * input.equity;
    let available = input.cash - buffer + proceeds;
    if (want > best.price) {
      if (available < want && spec.fund_best_by_selling) {
        const funders = held.filter((x) => x.symbol !== best.symbol && !selling.has(x.symbol) && x.s < best.s).reverse();
        for (const f of funders) {
          if (available >= want) break;
          const before = proceeds;
          sell(f, 'sell_fund', best.s, `sold to fund ${best.symbol} (${fmt(best.s)} beats ${fmt(f.s)})`);
          available += proceeds - before;
        }
      }
      const qty = sizeQty(Math.min(want, available), best.price, limits);
      if (qty > 0)
        orders.push({
          symbol: best.symbol,
          side: 'buy',
          qty,
          intent: 'buy_best',
          predicted: best.s,
          threshold: buyTh,
          refPrice: best.price,
          reason: `best predicted gain ${fmt(best.s)} ≥ buy threshold ${fmt(buyTh)}`,
        });
      else notes.push(`${best.symbol}: best gain but no cash to buy a share`);
    } else {
      notes.push(current >= target ? `${best.symbol}: already at the position limit` : `${best.symbol}: the position limit (${fmtPct(limits.max_position_pct)} of equity) is less than one share`);
    }
  }
  return { mode, orders: capOrders(orders, spec.limits, input, notes), notes };
}

/** Keep at most max_orders_per_day: sells first (they fund buys), and shrink a buy the cut sells no longer fund. */
function capOrders(orders: OrderIntent[], limits: StrategyLimits, input: StrategyInput, notes: string[]): OrderIntent[] {
  if (orders.length <= limits.max_orders_per_day) return orders;
  const sells = orders.filter((o) => o.side === 'sell');
  const buys = orders.filter((o) => o.side === 'buy');
  const keptSells = sells.slice(0, limits.max_orders_per_day);
  const room = limits.max_orders_per_day - keptSells.length;
  const proceeds = keptSells.reduce((a, o) => a + o.qty * o.refPrice, 0);
  let cash = input.cash - limits.cash_buffer_pct * input.equity + proceeds;
  const keptBuys: OrderIntent[] = [];
  for (const b of buys.slice(0, room)) {
    const qty = Math.min(b.qty, sizeQty(cash, b.refPrice, limits));
    if (qty > 0) {
      keptBuys.push({ ...b, qty });
      cash -= qty * b.refPrice;
    }
  }
  notes.push(`max_orders_per_day ${limits.max_orders_per_day}: ${orders.length - keptSells.length - keptBuys.length} order(s) dropped`);
  return [...keptSells, ...keptBuys];
}

export function equalWeightTopK(spec: Extract<StrategySpec, { kind: 'equal-weight-top-k' }>, input: StrategyInput): StrategyDecision {
  const mode = modeOf(input.predictions);
  const notes: string[] = [];
  const blocked = input.blocked ?? {};
  const th = mode === 'regression' ? spec.buy_threshold : spec.classification.buy_probability;
  const ranked = input.predictions
    .filter((p) => !blocked[p.symbol] && input.closes[p.symbol] !== undefined)
    .map((p) => ({ symbol: p.symbol, s: scoreOf(p, mode) ?? -Infinity }))
    .filter((x) => Number.isFinite(x.s))
    .sort(byScoreDesc);
  const chosen = ranked.filter((x) => x.s >= th).slice(0, spec.k);
  const investable = input.equity * (1 - spec.limits.cash_buffer_pct);
  const weight = Math.min(1 / spec.k, spec.limits.max_position_pct);
  const tol = spec.rebalance_tolerance_pct * input.equity;
  const orders: OrderIntent[] = [];
  const chosenSet = new Set(chosen.map((c) => c.symbol));
  for (const [symbol, qty] of Object.entries(input.positions).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (qty > 0 && !chosenSet.has(symbol) && !blocked[symbol]) {
      const price = input.closes[symbol] as number;
      orders.push({ symbol, side: 'sell', qty, intent: 'sell_rebalance', predicted: ranked.find((r) => r.symbol === symbol)?.s ?? null, threshold: th, refPrice: price, reason: `no longer in the top ${spec.k}` });
    }
  }
  let cash = input.cash - spec.limits.cash_buffer_pct * input.equity + orders.reduce((a, o) => a + o.qty * o.refPrice, 0);
  for (const c of chosen) {
    const price = input.closes[c.symbol] as number;
    const current = (input.positions[c.symbol] ?? 0) * price;
    const delta = investable * weight - current;
    if (Math.abs(delta) < tol) continue;
    if (delta < 0) {
      const qty = sizeQty(-delta, price, spec.limits);
      if (qty > 0) {
        orders.unshift({ symbol: c.symbol, side: 'sell', qty, intent: 'sell_rebalance', predicted: c.s, threshold: th, refPrice: price, reason: `trim to ${fmtPct(weight)} of equity` });
        cash += qty * price;
      }
    }
  }
  for (const c of chosen) {
    const price = input.closes[c.symbol] as number;
    const current = (input.positions[c.symbol] ?? 0) * price;
    const delta = investable * weight - current;
    if (delta < tol) continue;
    const qty = sizeQty(Math.min(delta, cash), price, spec.limits);
    if (qty > 0) {
      orders.push({ symbol: c.symbol, side: 'buy', qty, intent: 'buy_topk', predicted: c.s, threshold: th, refPrice: price, reason: `top ${spec.k}: weight ${fmtPct(weight)}` });
      cash -= qty * price;
    }
  }
  if (chosen.length === 0) notes.push(`no symbol reaches the threshold ${th}`);
  return { mode, orders: capOrders(orders, spec.limits, input, notes), notes };
}

export function buyAndHold(spec: Extract<StrategySpec, { kind: 'buy-and-hold' }>, input: StrategyInput): StrategyDecision {
  const held = Object.values(input.positions).some((q) => q > 0);
  if (held) return { mode: 'none', orders: [], notes: ['holding'] };
  const symbols = Object.keys(input.closes)
    .filter((s) => !input.blocked?.[s])
    .sort();
  const each = (input.equity * (1 - spec.limits.cash_buffer_pct)) / Math.max(1, symbols.length);
  const orders: OrderIntent[] = [];
  for (const symbol of symbols) {
    const price = input.closes[symbol] as number;
    const qty = sizeQty(Math.min(each, spec.limits.max_position_pct * input.equity), price, spec.limits);
    if (qty > 0) orders.push({ symbol, side: 'buy', qty, intent: 'buy_hold', predicted: null, threshold: null, refPrice: price, reason: 'buy and hold: equal weight on the first day' });
  }
  return { mode: 'none', orders, notes: [] };
}

export function decideOrders(spec: StrategySpec, input: StrategyInput): StrategyDecision {
  switch (spec.kind) {
    case 'best-gain-worst-loss':
      return bestGainWorstLoss(spec, input);
    case 'equal-weight-top-k':
      return equalWeightTopK(spec, input);
    case 'buy-and-hold':
      return buyAndHold(spec, input);
  }
}
