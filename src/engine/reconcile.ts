/**
 * On start, the daemon compares what its journal says it holds and has open with what the broker
 * says, and logs every difference (a manual trade in the Alpaca dashboard, a fill while it was down,
 * an order placed by someone else). It changes nothing: the next cycle decides from the broker's truth.
 */

import type { Journal } from './journal.ts';
import type { Broker } from '../ports.ts';

export interface Reconciliation {
  /** Symbol → [journal qty, broker qty] where they differ. */
  positions: Record<string, [number, number]>;
  /** Open orders at the broker that no cycle of this team placed. */
  foreignOpenOrders: string[];
  /** Orders the journal placed that are still open at the broker. */
  stillOpen: string[];
  lastDate: string | null;
}

export async function reconcile(journal: Journal, broker: Broker): Promise<Reconciliation> {
  await journal.load();
  const dates = journal.datesWith('trade');
  const lastDate = dates[dates.length - 1] ?? null;
  const last = lastDate ? journal.get(lastDate, 'trade') : undefined;
  const known = new Set(dates.flatMap((d) => (journal.get(d, 'trade')?.orders ?? []).map((o) => o.client_order_id)));
  const held = Object.fromEntries((await broker.positions()).map((p) => [p.symbol, p.qty]));
  const recorded = last?.positions ?? {};
  const positions: Record<string, [number, number]> = {};
  for (const sym of new Set([...Object.keys(held), ...Object.keys(recorded)])) {
    const a = recorded[sym] ?? 0;
    const b = held[sym] ?? 0;
    if (Math.abs(a - b) > 1e-9) positions[sym] = [a, b];
  }
  const open = await broker.orders({ status: 'open', limit: 500 });
  return {
    positions,
    foreignOpenOrders: open.filter((o) => !known.has(o.client_order_id)).map((o) => o.client_order_id),
    stillOpen: open.filter((o) => known.has(o.client_order_id)).map((o) => o.client_order_id),
    lastDate,
  };
}

export function describeReconciliation(r: Reconciliation): string[] {
  const out: string[] = [];
  for (const [sym, [j, b]] of Object.entries(r.positions)) out.push(`position ${sym}: the journal (after ${r.lastDate ?? 'no cycle'}) says ${j}, the broker holds ${b}`);
  if (r.foreignOpenOrders.length) out.push(`open orders not placed by this daemon: ${r.foreignOpenOrders.join(', ')}`);
  if (r.stillOpen.length) out.push(`orders still open from earlier cycles (they fill at the next open): ${r.stillOpen.join(', ')}`);
  return out;
}
