/**
 * The paper account's ledger events: the durable facts its state is folded from (domain/trading/book.ts).
 * The shape is the ledger file's format; the fs adapter (adapters/broker/ledger.ts) only reads and appends.
 */
import { z } from 'zod';
import { ORDER_STATUSES } from './types.ts';

const orderSchema = z.object({
  id: z.string(),
  client_order_id: z.string(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  type: z.enum(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']),
  time_in_force: z.enum(['day', 'gtc', 'opg', 'cls', 'ioc', 'fok']),
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
});

export const ledgerEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('opened'), at: z.string(), accountId: z.string(), cash: z.number(), multiplier: z.number() }),
  z.object({ type: z.literal('submitted'), at: z.string(), order: orderSchema }),
  z.object({ type: z.literal('filled'), at: z.string(), orderId: z.string(), qty: z.number(), price: z.number(), commission: z.number() }),
  z.object({ type: z.literal('expired'), at: z.string(), orderId: z.string(), reason: z.string() }),
  z.object({ type: z.literal('canceled'), at: z.string(), orderId: z.string() }),
]);
export type LedgerEvent = z.infer<typeof ledgerEventSchema>;

