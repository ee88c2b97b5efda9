/** Hold the k best-ranked symbols at equal weight, rebalancing when a weight drifts past a tolerance. */
import { z } from 'zod';
import type { OrderIntent, Strategy, StrategyDecision, StrategyInput } from '../strategy.ts';
import { byScoreDesc, capOrders, fmtPct, fraction, limitsSchema, modeOf, scoreOf, sizeQty } from './kit.ts';

const schema = z.strictObject({
  k: z.number().int().min(1).max(100),
  buy_threshold: z.number().min(0).max(1).default(0),
  classification: z.strictObject({ buy_probability: fraction.default(0.5) }).prefault({}),
  /** Skip rebalancing trades smaller than this share of equity. */
  rebalance_tolerance_pct: fraction.default(0.05),
  limits: limitsSchema.prefault({}),
});
export type EqualWeightTopKParams = z.infer<typeof schema>;

export function equalWeightTopK(spec: EqualWeightTopKParams, input: StrategyInput): StrategyDecision {
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

export const equalWeightTopKStrategy: Strategy<EqualWeightTopKParams> = {
  kind: 'equal-weight-top-k',
  schema,
  decide: equalWeightTopK,
  check: (p, team) => (p.k > team.symbols.length ? { field: 'k', expected: `at most ${team.symbols.length} (the team's symbol count), got ${p.k}` } : null),
};
