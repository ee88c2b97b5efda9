/**
 * The local paper engine, one account: a Broker over a durable ledger, a clock and daily prices.
 * Market orders fill at the open of the next session (submitted before the open) or at the
 * session's close (submitted during it, or time_in_force cls), with slippage and commission.
 * Buying power and available quantity are checked at submission, as Alpaca does. The same class
 * backs `broker.kind: local` and every account of `arena exchange`.
 */
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';

import { session, sessionAtOrAfter, previousTradingDay, tradingDayOf, isTradingDay } from '../../domain/calendar/nyse.ts';
import { Book, round } from '../../domain/trading/book.ts';
import { BrokerError } from '../../domain/trading/errors.ts';
import { Ledger } from './ledger.ts';
import type { LedgerEvent } from '../../domain/trading/ledger-events.ts';
import type { Account, MarketClock, Order, OrderRequest, Position } from '../../domain/trading/types.ts';
import type { Broker, Clock, OrderQuery, PriceSource } from '../../ports.ts';

export interface PaperAccountOptions {
  ledgerFile: string;
  accountId: string;
  clock: Clock;
  prices: PriceSource;
  startingCash: number;
  slippageBps: number;
  commissionPerShare: number;
  commissionMin: number;
  multiplier: number;
}

const iso = (t: DateTime): string => t.toISO({ suppressMilliseconds: false }) as string;

function orderIdFor(accountId: string, clientOrderId: string): string {
  const h = createHash('sha256').update(`${accountId}|${clientOrderId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class PaperAccount implements Broker {
  readonly kind = 'local' as const;
  private readonly book = new Book();
  private events: LedgerEvent[] = [];
  /** Epoch ms of each event, parsed once (luxon parsing per call would dominate a season). */
  private eventTimes: number[] = [];
  private readonly ledger: Ledger;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly opts: PaperAccountOptions) {
    this.ledger = new Ledger(opts.ledgerFile);
  }

  static async open(opts: PaperAccountOptions): Promise<PaperAccount> {
    const acct = new PaperAccount(opts);
    acct.events = await acct.ledger.load();
    acct.eventTimes = acct.events.map((e) => Date.parse(e.at));
    for (const e of acct.events) acct.book.apply(e);
    if (acct.events.length === 0) {
      await acct.record({ type: 'opened', at: iso(opts.clock.now()), accountId: opts.accountId, cash: opts.startingCash, multiplier: opts.multiplier });
    }
    return acct;
  }

  /** Serialise every call: fills and submissions must see one consistent book. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async record(e: LedgerEvent): Promise<void> {
    await this.ledger.append(e); // durable first, then visible
    this.events.push(e);
    this.eventTimes.push(Date.parse(e.at));
    this.book.apply(e);
  }

  /** Every ledger event so far (tests and reports). */
  ledgerEvents(): readonly LedgerEvent[] {
    return this.events;
  }

  realizedTrades() {
    return this.book.realized;
  }

  /** Apply every fill and expiry whose time has come. */
  private async settle(): Promise<void> {
    const now = this.opts.clock.now();
    for (const o of this.book.openOrders()) {
      const at = fromIso(o.submitted_at);
      const s = sessionAtOrAfter(at);
      const atClose = o.time_in_force === 'cls' || at >= s.open;
      const fillTime = atClose ? s.close : s.open;
      if (fillTime > now) continue;
      const bar = this.opts.prices.bar(o.symbol, s.date);
      if (!bar) {
        await this.record({ type: 'expired', at: iso(s.close), orderId: o.id, reason: `no ${o.symbol} price for ${s.date}` });
        continue;
      }
      const raw = atClose ? bar.close : (bar.open ?? bar.close);
      const slip = this.opts.slippageBps / 10_000;
      const price = round(o.side === 'buy' ? raw * (1 + slip) : raw * (1 - slip), 6);
      let qty = o.qty;
      if (o.side === 'sell') qty = Math.min(qty, this.book.holdings.get(o.symbol)?.qty ?? 0);
      if (qty <= 0) {
        await this.record({ type: 'expired', at: iso(fillTime), orderId: o.id, reason: 'no shares left to sell' });
        continue;
      }
      const commission = qty * this.opts.commissionPerShare > 0 ? round(Math.max(this.opts.commissionMin, qty * this.opts.commissionPerShare), 4) : 0;
      await this.record({ type: 'filled', at: iso(fillTime), orderId: o.id, qty, price, commission });
    }
  }

  /** The price known at the clock's instant: today's close after the close, its open during the session, else the last close. */
  private markPrice(symbol: string, now: DateTime): number | null {
    const day = tradingDayOf(now);
    const s = isTradingDay(day) ? session(day) : null;
    if (s && now >= s.open) {
      const bar = this.opts.prices.bar(symbol, day);
      if (bar) return now >= s.close ? bar.close : (bar.open ?? this.lastClose(symbol, previousTradingDay(day)));
    }
    return this.lastClose(symbol, s && now >= s.open ? day : previousTradingDay(day));
  }

  private lastClose(symbol: string, date: string): number | null {
    return this.opts.prices.lastBarOnOrBefore(symbol, date)?.close ?? null;
  }

  private positionsAt(now: DateTime): Position[] {
    const day = tradingDayOf(now);
    const prevDay = previousTradingDay(day);
    const out: Position[] = [];
    for (const [symbol, h] of [...this.book.holdings].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const price = this.markPrice(symbol, now) ?? h.cost / h.qty;
      const last = this.lastClose(symbol, prevDay) ?? price;
      const value = h.qty * price;
      out.push({
        symbol,
        qty: h.qty,
        qty_available: this.book.availableQty(symbol),
        avg_entry_price: h.cost / h.qty,
        cost_basis: h.cost,
        current_price: price,
        lastday_price: last,
        market_value: value,
        unrealized_pl: value - h.cost,
      });
    }
    return out;
  }

  private equityAt(now: DateTime, book: Book): number {
    let v = book.cash;
    for (const [symbol, h] of book.holdings) v += h.qty * (this.markPrice(symbol, now) ?? h.cost / h.qty);
    return v;
  }

  account(): Promise<Account> {
    return this.serial(async () => {
      await this.settle();
      const now = this.opts.clock.now();
      const positions = this.positionsAt(now);
      const longValue = positions.reduce((a, p) => a + p.market_value, 0);
      const equity = this.book.cash + longValue;
      // last_equity: the book as it stood at the previous session's close, marked at that close.
      const prevClose = session(previousTradingDay(tradingDayOf(now)));
      let lastEquity = equity;
      if (prevClose) {
        const past = new Book();
        const cutoff = prevClose.close.toMillis();
        this.events.forEach((e, i) => {
          if ((this.eventTimes[i] as number) <= cutoff) past.apply(e);
        });
        lastEquity = this.equityAt(prevClose.close, past);
      }
      return {
        id: this.opts.accountId,
        account_number: `PA${this.opts.accountId.replace(/[^0-9A-Z]/gi, '').slice(0, 10).toUpperCase()}`,
        status: 'ACTIVE',
        currency: 'USD',
        cash: round(this.book.cash, 2),
        buying_power: round(this.buyingPower(equity), 2),
        equity: round(equity, 2),
        last_equity: round(lastEquity, 2),
        long_market_value: round(longValue, 2),
        multiplier: this.book.multiplier,
        created_at: this.book.createdAt,
      };
    });
  }

  /** Cash not reserved by open buys, plus margin for multipliers above 1. */
  private buyingPower(equity: number): number {
    const now = this.opts.clock.now();
    const reserved = this.book
      .openOrders()
      .filter((o) => o.side === 'buy')
      .reduce((a, o) => a + o.qty * (this.markPrice(o.symbol, now) ?? 0) * (1 + this.opts.slippageBps / 10_000), 0);
    return Math.max(0, this.book.cash - reserved + (this.book.multiplier - 1) * Math.max(0, equity));
  }

  clock(): Promise<MarketClock> {
    const now = this.opts.clock.now();
    const s = sessionAtOrAfter(now);
    const isOpen = now >= s.open && now < s.close;
    const next = isOpen ? sessionAtOrAfter(s.close.plus({ minutes: 1 })) : s;
    return Promise.resolve({
      timestamp: iso(now),
      is_open: isOpen,
      next_open: iso(isOpen ? next.open : s.open),
      next_close: iso(s.close),
    });
  }

  positions(): Promise<Position[]> {
    return this.serial(async () => {
      await this.settle();
      return this.positionsAt(this.opts.clock.now());
    });
  }

  async position(symbol: string): Promise<Position | null> {
    return (await this.positions()).find((p) => p.symbol === symbol) ?? null;
  }

  submitOrder(req: OrderRequest): Promise<Order> {
    return this.serial(async () => {
      await this.settle();
      if (this.book.byClientId.has(req.client_order_id)) throw new BrokerError('duplicate_client_order_id', 'client_order_id must be unique', { client_order_id: req.client_order_id });
      if (req.client_order_id.length > 128) throw new BrokerError('validation', 'client_order_id must be no more than 128 characters');
      if (!(req.qty > 0) || !Number.isFinite(req.qty)) throw new BrokerError('validation', 'qty must be > 0');
      if (req.type !== 'market') throw new BrokerError('validation', `order type ${String(req.type)} is not supported by the local engine`);
      if (!['day', 'gtc', 'opg', 'cls'].includes(req.time_in_force)) throw new BrokerError('validation', 'invalid time_in_force');
      if (!this.opts.prices.knows(req.symbol)) throw new BrokerError('validation', `asset "${req.symbol}" not found`);
      const now = this.opts.clock.now();
      if (req.side === 'sell') {
        const available = this.book.availableQty(req.symbol);
        if (req.qty > available + 1e-9)
          throw new BrokerError('insufficient_qty', `insufficient qty available for order (requested: ${req.qty}, available: ${available})`, {
            symbol: req.symbol,
            requested: req.qty,
            available,
          });
      } else {
        const price = this.markPrice(req.symbol, now);
        if (price === null) throw new BrokerError('validation', `no price for ${req.symbol} yet`);
        const cost = req.qty * price * (1 + this.opts.slippageBps / 10_000);
        const equity = this.equityAt(now, this.book);
        const bp = this.buyingPower(equity);
        if (cost > bp + 1e-6)
          throw new BrokerError('insufficient_buying_power', 'insufficient buying power', { buying_power: round(bp, 2), cost_basis: round(cost, 2) });
      }
      const s = sessionAtOrAfter(now);
      const t = iso(now);
      const order: Order = {
        id: orderIdFor(this.opts.accountId, req.client_order_id),
        client_order_id: req.client_order_id,
        symbol: req.symbol,
        side: req.side,
        type: 'market',
        time_in_force: req.time_in_force,
        qty: req.qty,
        filled_qty: 0,
        filled_avg_price: null,
        status: now >= s.open && now < s.close ? 'new' : 'accepted',
        created_at: t,
        submitted_at: t,
        updated_at: t,
        filled_at: null,
        expired_at: null,
        canceled_at: null,
        commission: 0,
      };
      await this.record({ type: 'submitted', at: t, order });
      return { ...order };
    });
  }

  orderByClientOrderId(clientOrderId: string): Promise<Order | null> {
    return this.serial(async () => {
      await this.settle();
      const id = this.book.byClientId.get(clientOrderId);
      const o = id ? this.book.orders.get(id) : undefined;
      return o ? { ...o } : null;
    });
  }

  orders(query: OrderQuery = {}): Promise<Order[]> {
    return this.serial(async () => {
      await this.settle();
      const status = query.status ?? 'open';
      let list = [...this.book.orders.values()].filter((o) => {
        const open = this.book.open.includes(o.id);
        return status === 'all' || (status === 'open' ? open : !open);
      });
      if (query.symbols?.length) list = list.filter((o) => query.symbols?.includes(o.symbol));
      if (query.after) list = list.filter((o) => o.submitted_at > (query.after as string));
      if (query.until) list = list.filter((o) => o.submitted_at < (query.until as string));
      // Stable sort: orders submitted at the same instant (a replay clock) keep their submission order.
      list.sort((a, b) => (a.submitted_at < b.submitted_at ? -1 : a.submitted_at > b.submitted_at ? 1 : 0));
      if ((query.direction ?? 'desc') === 'desc') list.reverse();
      return list.slice(0, Math.min(query.limit ?? 50, 500)).map((o) => ({ ...o }));
    });
  }

  cancelOrder(orderId: string): Promise<void> {
    return this.serial(async () => {
      await this.settle();
      const o = this.book.orders.get(orderId);
      if (!o) throw new BrokerError('order_not_found', 'order not found', { id: orderId });
      if (!this.book.open.includes(orderId)) throw new BrokerError('not_cancelable', `order is not cancelable (status ${o.status})`, { id: orderId });
      await this.record({ type: 'canceled', at: iso(this.opts.clock.now()), orderId });
    });
  }

  cancelAllOrders(): Promise<{ id: string; status: number }[]> {
    return this.serial(async () => {
      await this.settle();
      const out: { id: string; status: number }[] = [];
      for (const o of this.book.openOrders()) {
        await this.record({ type: 'canceled', at: iso(this.opts.clock.now()), orderId: o.id });
        out.push({ id: o.id, status: 200 });
      }
      return out;
    });
  }

  async closePosition(symbol: string, clientOrderId?: string): Promise<Order> {
    const pos = await this.position(symbol);
    if (!pos) throw new BrokerError('position_not_found', 'position does not exist', { symbol });
    const coid = clientOrderId ?? `close-${symbol}-${iso(this.opts.clock.now())}`;
    return this.submitOrder({ symbol, qty: pos.qty_available, side: 'sell', type: 'market', time_in_force: 'day', client_order_id: coid });
  }
}

const fromIso = (s: string): DateTime => DateTime.fromISO(s, { setZone: true });
