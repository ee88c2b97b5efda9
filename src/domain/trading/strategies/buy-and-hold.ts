/** The benchmark-like strategy: buy every symbol at equal weight on the first day and hold. */
import { z } from 'zod';
import type { OrderIntent, Strategy, StrategyDecision, StrategyInput } from '../strategy.ts';
import { limitsSchema, sizeQty } from './kit.ts';

const schema = z.strictObject({ limits: limitsSchema.prefault({}) });
export type BuyAndHoldParams = z.infer<typeof schema>;

export function buyAndHold(spec: BuyAndHoldParams, input: StrategyInput): StrategyDecision {
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

export const buyAndHoldStrategy: Strategy<BuyAndHoldParams> = { kind: 'buy-and-hold', schema, decide: buyAndHold };
