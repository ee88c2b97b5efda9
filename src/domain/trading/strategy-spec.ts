/** Strategy files under `strategies/` (YAML), validated before anything runs. */
import { z } from 'zod';

const fraction = z.number().min(0).max(1);

const limitsSchema = z.strictObject({
  /** Largest position as a share of equity. */
  max_position_pct: fraction.default(1),
  max_orders_per_day: z.number().int().min(1).max(1000).default(10),
  /** Cash kept aside (share of equity) to absorb the gap between the close and the fill. */
  cash_buffer_pct: fraction.default(0.02),
  /** Whole shares only (false allows fractional market orders, as Alpaca does). */
  whole_shares: z.boolean().default(true),
});

const bestGainWorstLoss = z.strictObject({
  name: z.string().min(1),
  kind: z.literal('best-gain-worst-loss'),
  description: z.string().optional(),
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

const equalWeightTopK = z.strictObject({
  name: z.string().min(1),
  kind: z.literal('equal-weight-top-k'),
  description: z.string().optional(),
  k: z.number().int().min(1).max(100),
  buy_threshold: z.number().min(0).max(1).default(0),
  classification: z.strictObject({ buy_probability: fraction.default(0.5) }).prefault({}),
  /** Skip rebalancing trades smaller than this share of equity. */
  rebalance_tolerance_pct: fraction.default(0.05),
  limits: limitsSchema.prefault({}),
});

const buyAndHold = z.strictObject({
  name: z.string().min(1),
  kind: z.literal('buy-and-hold'),
  description: z.string().optional(),
  limits: limitsSchema.prefault({}),
});

export const strategySpecSchema = z.discriminatedUnion('kind', [bestGainWorstLoss, equalWeightTopK, buyAndHold]);
export type StrategySpec = z.infer<typeof strategySpecSchema>;
export type StrategyLimits = z.infer<typeof limitsSchema>;
