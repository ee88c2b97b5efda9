/**
 * The paper account's state as a pure fold over ledger events: cash, positions, orders. No I/O
 * and no clock — the engine decides when events happen; the book only applies them.
 */
import type { LedgerEvent } from './ledger-events.ts';
import { OPEN_STATUSES, type Order } from './types.ts';

export interface Holding {
  qty: number;
  /** Total cost of the shares held (for the average entry price). */
  cost: number;
}

export interface RealizedTrade {
  orderId: string;
  symbol: string;
  at: string;
  qty: number;
  pnl: number;
}

export class Book {
  accountId = '';
  createdAt = '';
  multiplier = 1;
  startingCash = 0;
  cash = 0;
  readonly holdings = new Map<string, Holding>();
  readonly orders = new Map<string, Order>();
  readonly byClientId = new Map<string, string>();
  /** Open order ids in submission order. */
  readonly open: string[] = [];
  readonly realized: RealizedTrade[] = [];
  fills = 0;

  apply(e: LedgerEvent): void {
    switch (e.type) {
      case 'opened':
        this.accountId = e.accountId;
        this.createdAt = e.at;
        this.multiplier = e.multiplier;
        this.cash = e.cash;
        this.startingCash = e.cash;
        return;
      case 'submitted':
        this.orders.set(e.order.id, { ...e.order });
        this.byClientId.set(e.order.client_order_id, e.order.id);
        this.open.push(e.order.id);
        return;
      case 'filled': {
        const o = this.mustOrder(e.orderId);
        const h = this.holdings.get(o.symbol) ?? { qty: 0, cost: 0 };
        if (o.side === 'buy') {
          this.cash -= e.qty * e.price + e.commission;
          h.qty += e.qty;
          h.cost += e.qty * e.price;
        } else {
          const avg = h.qty > 0 ? h.cost / h.qty : 0;
          this.cash += e.qty * e.price - e.commission;
          this.realized.push({ orderId: o.id, symbol: o.symbol, at: e.at, qty: e.qty, pnl: (e.price - avg) * e.qty - e.commission });
          h.cost -= avg * e.qty;
          h.qty -= e.qty;
        }
        this.cash = round(this.cash, 6);
        if (Math.abs(h.qty) < 1e-9) this.holdings.delete(o.symbol);
        else this.holdings.set(o.symbol, { qty: round(h.qty, 9), cost: h.cost });
        o.filled_qty = e.qty;
        o.filled_avg_price = e.price;
        o.commission = e.commission;
        o.status = 'filled';
        o.filled_at = e.at;
        o.updated_at = e.at;
        this.fills++;
        this.close(o.id);
        return;
      }
      case 'expired': {
        const o = this.mustOrder(e.orderId);
        o.status = 'expired';
        o.expired_at = e.at;
        o.updated_at = e.at;
        this.close(o.id);
        return;
      }
      case 'canceled': {
        const o = this.mustOrder(e.orderId);
        o.status = 'canceled';
        o.canceled_at = e.at;
        o.updated_at = e.at;
        this.close(o.id);
        return;
      }
    }
  }

  openOrders(): Order[] {
    return this.open.map((id) => this.mustOrder(id)).filter((o) => OPEN_STATUSES.has(o.status));
  }

  /** Shares of a symbol not already promised to an open sell order. */
  availableQty(symbol: string): number {
    const held = this.holdings.get(symbol)?.qty ?? 0;
    const pending = this.openOrders()
      .filter((o) => o.symbol === symbol && o.side === 'sell')
      .reduce((a, o) => a + o.qty, 0);
    return Math.max(0, round(held - pending, 9));
  }

  private mustOrder(id: string): Order {
    const o = this.orders.get(id);
    if (!o) throw new Error(`ledger refers to unknown order ${id}`);
    return o;
  }

  private close(id: string): void {
    const i = this.open.indexOf(id);
    if (i >= 0) this.open.splice(i, 1);
  }
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
