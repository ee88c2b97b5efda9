/**
 * The seeds' AlpacaTrader strategy: sell what the model expects to lose, buy the best expected gain
 * with the cash available, selling lower-potential holdings to fund it.
 */
import { z } from 'zod';
import type { Intent, OrderIntent, Strategy, StrategyDecision, StrategyInput } from '../strategy.ts';
import { byScoreDesc, capOrders, fmtPct, fraction, limitsSchema, modeOf, scoreOf, sizeQty } from './kit.ts';

const schema = z.strictObject({
  /** Regression: buy when the predicted return ≥ this. */
  buy_threshold: z.number().min(0).max(1).default(0),
  /** Regression: sell a holding when its predicted return ≤ −this. */
  sell_threshold: z.number().min(0).max(1).default(0),
  /** Sell every holding predicted to lose beyond the threshold, or only the worst one. */
  sell: z.enum(['all', 'worst']).default('all'),
  /** Sell lower-potential holdings to fund the best buy when cash is short. */
  fund_best_by_selling: z.boolean().default(true),
  classification: z
    .strictObject({
      buy_probability: fraction.default(0.55),
      sell_probability: fraction.default(0.45),
    })
    .prefault({}),
  limits: limitsSchema.prefault({}),
});
export type BestGainWorstLossParams = z.infer<typeof schema>;

export function bestGainWorstLoss(spec: BestGainWorstLossParams, input: StrategyInput): StrategyDecision {
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

export const bestGainWorstLossStrategy: Strategy<BestGainWorstLossParams> = { kind: 'best-gain-worst-loss', schema, decide: bestGainWorstLoss };
