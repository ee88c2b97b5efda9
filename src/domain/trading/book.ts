/**
 * The paper account's state as a pure fold over ledger events: cash, positions, orders. No I/O
 * and no clock — the engine decides when events happen; the book only applies them. Every lookup
 * the engine makes per request is O(1) (indexes kept as events apply), so an account with
 * thousands of open orders answers as fast as an empty one.
 */
import type { LedgerEvent } from './ledger-events.ts';
import { DEFAULT_ACCOUNT_CONFIG, OPEN_STATUSES, type AccountConfig, type Fill, type Order } from './types.ts';

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

/** What an open sell order promises of a holding: shares, or dollars for a notional sell. */
interface Promise_ {
  symbol: string;
  qty: number;
  notional: number;
}

export class Book {
  accountId = '';
  createdAt = '';
  multiplier = 1;
  startingCash = 0;
  cash = 0;
  config: AccountConfig = { ...DEFAULT_ACCOUNT_CONFIG };
  /** `at` of the last event applied. */
  lastEventAt = '';
  readonly holdings = new Map<string, Holding>();
  readonly orders = new Map<string, Order>();
  /** Every order in submission order (a parent's legs right after it). */
  readonly sequence: Order[] = [];
  readonly byClientId = new Map<string, string>();
  /** Open order ids (held legs included), in submission order. */
  readonly open = new Set<string>();
  readonly realized: RealizedTrade[] = [];
  readonly fillLog: Fill[] = [];
  /** Open orders in submission order, with closed ones removed lazily (see close()). */
  private openSeq: Order[] = [];
  private readonly promised = new Map<string, Promise_>();
  private readonly promisedQty = new Map<string, number>();
  private readonly promisedNotional = new Map<string, number>();

  get fills(): number {
    return this.fillLog.length;
  }

  apply(e: LedgerEvent): void {
    this.lastEventAt = e.at;
    switch (e.type) {
      case 'opened':
        this.accountId = e.accountId;
        this.createdAt = e.at;
        this.multiplier = e.multiplier;
        this.cash = e.cash;
        this.startingCash = e.cash;
        return;
      case 'configured':
        this.config = { ...e.config };
        return;
      case 'submitted':
        this.add({ ...e.order });
        for (const leg of e.legs ?? []) this.add({ ...leg });
        return;
      case 'replaced': {
        const old = this.mustOrder(e.orderId);
        old.status = 'replaced';
        old.replaced_by = e.order.id;
        old.replaced_at = e.at;
        old.updated_at = e.at;
        this.close(old);
        const next: Order = { ...e.order };
        this.add(next);
        const parent = next.parent_id ? this.orders.get(next.parent_id) : undefined;
        if (parent?.leg_ids) parent.leg_ids = parent.leg_ids.map((id) => (id === old.id ? next.id : id));
        // The legs of a replaced parent follow the new parent.
        for (const legId of old.leg_ids ?? []) {
          const leg = this.orders.get(legId);
          if (leg) leg.parent_id = next.id;
        }
        return;
      }
      case 'triggered': {
        const o = this.mustOrder(e.orderId);
        o.triggered_at = e.at;
        o.updated_at = e.at;
        return;
      }
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
        if (o.notional) o.qty = e.qty;
        o.filled_qty = e.qty;
        o.filled_avg_price = e.price;
        o.commission = e.commission;
        o.status = 'filled';
        o.filled_at = e.at;
        o.updated_at = e.at;
        this.fillLog.push({ orderId: o.id, symbol: o.symbol, side: o.side, at: e.at, atMs: Date.parse(e.at), qty: e.qty, price: e.price, commission: e.commission, seq: this.fillLog.length + 1 });
        this.close(o);
        // A filled bracket/OTO parent activates its legs; a filled OCO member cancels the others.
        if (o.leg_ids?.length && (o.order_class === 'bracket' || o.order_class === 'oto')) {
          for (const id of o.leg_ids) {
            const leg = this.orders.get(id);
            if (leg && leg.status === 'held') {
              leg.status = 'new';
              leg.updated_at = e.at;
              this.promise(leg);
            }
          }
        } else {
          this.cancelSiblings(o, e.at);
        }
        return;
      }
      case 'expired': {
        const o = this.mustOrder(e.orderId);
        o.status = 'expired';
        o.expired_at = e.at;
        o.updated_at = e.at;
        this.close(o);
        this.cancelDependants(o, e.at);
        return;
      }
      case 'canceled': {
        const o = this.mustOrder(e.orderId);
        o.status = 'canceled';
        o.canceled_at = e.at;
        o.updated_at = e.at;
        this.close(o);
        this.cancelDependants(o, e.at);
        return;
      }
    }
  }

  /** Open orders in submission order. */
  openOrders(): Order[] {
    const out: Order[] = [];
    for (const id of this.open) out.push(this.mustOrder(id));
    return out;
  }

  /**
   * Open orders in submission order, possibly with some closed ones among them (check isOpen):
   * walked from either end, the newest open orders cost O(what is read), not O(all open orders).
   */
  openSequence(): readonly Order[] {
    return this.openSeq;
  }

  isOpen(id: string): boolean {
    return this.open.has(id);
  }

  /** Shares of a symbol promised to open sell orders (qty-based ones). */
  promisedShares(symbol: string): number {
    return this.promisedQty.get(symbol) ?? 0;
  }

  /** Dollars of a symbol promised to open notional sell orders. */
  promisedDollars(symbol: string): number {
    return this.promisedNotional.get(symbol) ?? 0;
  }

  /** Shares of a symbol not already promised to an open qty sell order (notional sells: see the engine). */
  availableQty(symbol: string): number {
    const held = this.holdings.get(symbol)?.qty ?? 0;
    return Math.max(0, round(held - this.promisedShares(symbol), 9));
  }

  /** The other members of an order's one-cancels-other group (bracket legs, an OCO pair). */
  ocoSiblings(o: Order): Order[] {
    const parent = o.parent_id ? this.orders.get(o.parent_id) : undefined;
    if (parent) {
      if (parent.order_class === 'oto') return [];
      const legs = (parent.leg_ids ?? []).filter((id) => id !== o.id).map((id) => this.mustOrder(id));
      return parent.order_class === 'oco' ? [parent, ...legs] : legs;
    }
    if (o.order_class === 'oco') return (o.leg_ids ?? []).map((id) => this.mustOrder(id));
    return [];
  }

  private add(o: Order): void {
    this.orders.set(o.id, o);
    this.sequence.push(o);
    this.byClientId.set(o.client_order_id, o.id);
    if (OPEN_STATUSES.has(o.status)) {
      this.open.add(o.id);
      this.openSeq.push(o);
      if (o.status !== 'held') this.promise(o);
    }
  }

  /**
   * Open sell orders promise shares; of a one-cancels-other pair only one can fill, so only the
   * take-profit side counts (a bracket's or OCO's stop-loss leg promises the same shares).
   */
  private promise(o: Order): void {
    if (o.side !== 'sell' || this.promised.has(o.id)) return;
    const parent = o.parent_id ? this.orders.get(o.parent_id) : undefined;
    if (o.leg_role === 'stop_loss' && (parent?.order_class === 'bracket' || parent?.order_class === 'oco')) return;
    const p: Promise_ = { symbol: o.symbol, qty: o.notional ? 0 : o.qty, notional: o.notional ?? 0 };
    this.promised.set(o.id, p);
    if (p.qty) this.promisedQty.set(p.symbol, round((this.promisedQty.get(p.symbol) ?? 0) + p.qty, 9));
    if (p.notional) this.promisedNotional.set(p.symbol, round((this.promisedNotional.get(p.symbol) ?? 0) + p.notional, 6));
  }

  private unpromise(id: string): void {
    const p = this.promised.get(id);
    if (!p) return;
    this.promised.delete(id);
    if (p.qty) this.promisedQty.set(p.symbol, Math.max(0, round((this.promisedQty.get(p.symbol) ?? 0) - p.qty, 9)));
    if (p.notional) this.promisedNotional.set(p.symbol, Math.max(0, round((this.promisedNotional.get(p.symbol) ?? 0) - p.notional, 6)));
  }

  /** A canceled or expired order takes its held legs and its OCO partners with it. */
  private cancelDependants(o: Order, at: string): void {
    const dependants = [...(o.leg_ids ?? []).map((id) => this.mustOrder(id)), ...this.ocoSiblings(o)];
    for (const d of dependants) {
      if (!this.open.has(d.id)) continue;
      d.status = 'canceled';
      d.canceled_at = at;
      d.updated_at = at;
      this.close(d);
    }
  }

  private cancelSiblings(o: Order, at: string): void {
    for (const s of this.ocoSiblings(o)) {
      if (!this.open.has(s.id)) continue;
      s.status = 'canceled';
      s.canceled_at = at;
      s.updated_at = at;
      this.close(s);
    }
  }

  private mustOrder(id: string): Order {
    const o = this.orders.get(id);
    if (!o) throw new Error(`ledger refers to unknown order ${id}`);
    return o;
  }

  private close(o: Order): void {
    this.open.delete(o.id);
    this.unpromise(o.id);
    if (this.openSeq.length > 2 * this.open.size + 64) this.openSeq = this.openSeq.filter((x) => this.open.has(x.id));
  }
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
