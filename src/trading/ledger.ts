/**
 * The local broker's durable ledger: an fsync'd append-only JSON-lines journal of account events.
 * State is a fold over the events, so a killed process restarts with exactly what was acknowledged.
 * (SQLite via better-sqlite3 would need a native build on every clean clone; see the README.)
 */
import { z } from 'zod';
import { appendLineDurable, readJsonLines, repairJsonLines } from '../core/fsx.ts';
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

export class Ledger {
  constructor(readonly file: string) {}

  async load(): Promise<LedgerEvent[]> {
    await repairJsonLines(this.file);
    return readJsonLines(this.file, (v, line) => {
      const r = ledgerEventSchema.safeParse(v);
      if (!r.success) throw new Error(`${this.file}: line ${line}: not a ledger event (${r.error.issues[0]?.message})`);
      return r.data;
    });
  }

  append(event: LedgerEvent): Promise<void> {
    return appendLineDurable(this.file, JSON.stringify(event));
  }
}
