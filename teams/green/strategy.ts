/**
 * Team green's strategy, a plug-in: conviction weights. Hold the names the model expects to rise
 * the most, each weighted by how much it is expected to rise (a classifier's P(up) − 0.5 counts the
 * same way); sell a holding once its prediction turns against it. Long only, whole shares.
 *
 * A strategy is one object: `kind`, a zod `schema` for its parameters (the team file's
 * `strategy:` entry, checked before anything runs) and a pure `decide(params, input)`.
 */
import { z } from 'zod';
import { byScoreDesc, capOrders, fmtPct, limitsSchema, sizeQty, type OrderIntent, type Strategy } from '../../src/plugin-api.ts';

const schema = z.strictObject({
  /** A name is bought only when its predicted return (or P(up) − 0.5) reaches this. */
  min_score: z.number().min(0).max(1).default(0.0005),
  /** At most this many names at once. */
  max_names: z.number().int().min(1).max(20).default(2),
  /** Re-weighting trades smaller than this share of equity are skipped (they only cost commission). */
  rebalance_tolerance_pct: z.number().min(0).max(1).default(0.05),
  limits: limitsSchema.prefault({}),
});
type Params = z.infer<typeof schema>;

const convictionWeights: Strategy<Params> = {
  kind: 'conviction-weights',
  schema,
  check: (p, team) => (p.max_names > team.symbols.length ? { field: 'max_names', expected: `at most ${team.symbols.length} (the team's symbol count), got ${p.max_names}` } : null),
  decide(p, input) {
    const notes: string[] = [];
    const blocked = input.blocked ?? {};
    const classifier = input.predictions.some((x) => x.probabilityUp !== null);
    const scored = input.predictions
      .filter((x) => !blocked[x.symbol] && (input.closes[x.symbol] ?? 0) > 0)
      .map((x) => ({ symbol: x.symbol, s: classifier ? (x.probabilityUp ?? 0.5) - 0.5 : (x.expectedReturn ?? 0) }))
      .sort(byScoreDesc);
    const chosen = scored.filter((x) => x.s >= p.min_score).slice(0, p.max_names);
    const total = chosen.reduce((a, x) => a + x.s, 0);
    const investable = input.equity * (1 - p.limits.cash_buffer_pct);
    const target = new Map(chosen.map((x) => [x.symbol, Math.min(x.s / total, p.limits.max_position_pct) * investable]));
    const orders: OrderIntent[] = [];
    let cash = input.cash - p.limits.cash_buffer_pct * input.equity;
    // Sells first: what is no longer wanted, then trims; their proceeds fund the buys.
    for (const [symbol, qty] of Object.entries(input.positions).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!(qty > 0) || blocked[symbol]) continue;
      const price = input.closes[symbol] as number;
      const want = target.get(symbol) ?? 0;
      const excess = qty * price - want;
      if (want === 0 || excess > p.rebalance_tolerance_pct * input.equity) {
        const sellQty = want === 0 ? qty : Math.min(qty, sizeQty(excess, price, p.limits));
        if (sellQty <= 0) continue;
        const s = scored.find((x) => x.symbol === symbol)?.s ?? null;
        orders.push({ symbol, side: 'sell', qty: sellQty, intent: want === 0 ? 'sell_exit' : 'sell_trim', predicted: s, threshold: p.min_score, refPrice: price, reason: want === 0 ? `prediction ${s === null ? 'n/a' : fmtPct(s)} below ${fmtPct(p.min_score)}: exit` : `trim to ${fmtPct(want / input.equity)} of equity` });
        cash += sellQty * price;
      }
    }
    for (const x of chosen) {
      const price = input.closes[x.symbol] as number;
      const gap = (target.get(x.symbol) as number) - (input.positions[x.symbol] ?? 0) * price;
      if (gap < p.rebalance_tolerance_pct * input.equity) continue;
      const qty = sizeQty(Math.min(gap, cash), price, p.limits);
      if (qty <= 0) continue;
      orders.push({ symbol: x.symbol, side: 'buy', qty, intent: 'buy_conviction', predicted: x.s, threshold: p.min_score, refPrice: price, reason: `score ${fmtPct(x.s)}: weight ${fmtPct((target.get(x.symbol) as number) / input.equity)}` });
      cash -= qty * price;
    }
    if (chosen.length === 0) notes.push(`no symbol reaches ${fmtPct(p.min_score)}`);
    return { mode: classifier ? 'classification' : 'regression', orders: capOrders(orders, p.limits, input, notes), notes };
  },
};

export default convictionWeights;
