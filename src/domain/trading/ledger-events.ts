/**
 * The paper account's ledger events: the durable facts its state is folded from (domain/trading/book.ts).
 * The shape is the ledger file's format; the fs adapter (adapters/broker/ledger.ts) only reads and appends.
 * Backward compatible: ledgers written before limit/stop/notional orders existed load unchanged (every
 * field added since is optional), and new facts are new event kinds.
 */
import { z } from 'zod';
import { ORDER_CLASSES, ORDER_STATUSES, ORDER_TYPES, TIMES_IN_FORCE, type Order } from './types.ts';

const price = z.number().nullable().optional();

export const ledgerOrderSchema = z.object({
  id: z.string(),
  client_order_id: z.string(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  type: z.enum(ORDER_TYPES),
  time_in_force: z.enum(TIMES_IN_FORCE),
  qty: z.number(),
  filled_qty: z.number(),
  filled_avg_price: z.number().nullable(),
  status: z.enum(ORDER_STATUSES),
  created_at: z.string(),
  submitted_at: z.string(),
  updated_at: z.string(),
  filled_at: z.string().nullable(),
  expired_at: z.string().nullable(),
  canceled_at: z.string().nullable(),
  commission: z.number(),
  notional: price,
  limit_price: price,
  stop_price: price,
  trail_price: price,
  trail_percent: price,
  hwm: price,
  order_class: z.enum(ORDER_CLASSES).optional(),
  extended_hours: z.boolean().optional(),
  parent_id: z.string().nullable().optional(),
  leg_role: z.enum(['take_profit', 'stop_loss']).nullable().optional(),
  leg_ids: z.array(z.string()).optional(),
  replaces: z.string().nullable().optional(),
  replaced_by: z.string().nullable().optional(),
  replaced_at: z.string().nullable().optional(),
  triggered_at: z.string().nullable().optional(),
}) satisfies z.ZodType<Order>;

const accountConfigSchema = z.object({
  dtbp_check: z.enum(['both', 'entry', 'exit']),
  trade_confirm_email: z.enum(['all', 'none']),
  suspend_trade: z.boolean(),
  no_shorting: z.boolean(),
  fractional_trading: z.boolean(),
  max_margin_multiplier: z.string(),
  pdt_check: z.enum(['both', 'entry', 'exit']),
  ptp_no_exception_entry: z.boolean(),
  max_options_trading_level: z.number(),
});

export const ledgerEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('opened'), at: z.string(), accountId: z.string(), cash: z.number(), multiplier: z.number() }),
  /** An accepted order; a bracket/OCO/OTO carries its legs (held until the parent fills, OCO legs live at once). */
  z.object({ type: z.literal('submitted'), at: z.string(), order: ledgerOrderSchema, legs: z.array(ledgerOrderSchema).optional() }),
  z.object({ type: z.literal('filled'), at: z.string(), orderId: z.string(), qty: z.number(), price: z.number(), commission: z.number() }),
  z.object({ type: z.literal('expired'), at: z.string(), orderId: z.string(), reason: z.string() }),
  z.object({ type: z.literal('canceled'), at: z.string(), orderId: z.string() }),
  /** PATCH /v2/orders/{id}: the old order is replaced by a new one (new id, `replaces` = old id). */
  z.object({ type: z.literal('replaced'), at: z.string(), orderId: z.string(), order: ledgerOrderSchema }),
  /** A stop-limit order reached its stop without filling: it rests as a limit order from here on. */
  z.object({ type: z.literal('triggered'), at: z.string(), orderId: z.string() }),
  z.object({ type: z.literal('configured'), at: z.string(), config: accountConfigSchema }),
]);
export type LedgerEvent = z.infer<typeof ledgerEventSchema>;
