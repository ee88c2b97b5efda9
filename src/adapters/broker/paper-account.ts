/**
 * The local paper engine, one account: a Broker over a durable ledger, a clock and daily prices.
 * The same class backs `broker.kind: local` and every account of `arena exchange`.
 *
 * - Fills follow domain/trading/fill-model.ts: two auctions a session (open, close), and nothing
 *   of a day's bar is used before it is known (its open at the open, the rest at the close).
 * - Settlement runs only when the clock has crossed the next auction an open order waits for;
 *   otherwise a request costs the same with 10 or 10,000 open orders. At each auction, sells fill
 *   before buys, so a sale funds a buy queued for the same open.
 * - Buying power: domain/trading/order-rules.ts (a cash account that counts the proceeds of sells
 *   queued for the same auction), checked at submission as Alpaca does.
 * - Durability: a mutation is checked and applied to the working book at once (so concurrent
 *   requests see each other), then appended to the ledger; it is acknowledged, and visible to
 *   reads, only once its line is on disk (reads use a second book folded from durable events only).
 */
import { createHash } from 'node:crypto';
import { Book, round } from '../../domain/trading/book.ts';
import { BrokerError } from '../../domain/trading/errors.ts';
import { atAuction, hwmAfter, type Auction } from '../../domain/trading/fill-model.ts';
import { buyClaim, checkOrderRequest, commissionFor, requestOf, sellCredit, type Claim, type Terms } from '../../domain/trading/order-rules.ts';
import { isoNy, nextSession, nyMidnight, previousSession, sessionAtOrAfterMs, type SessionMs } from '../../domain/trading/auctions.ts';
import { Ledger, type LedgerStore } from './ledger.ts';
import type { LedgerEvent } from '../../domain/trading/ledger-events.ts';
import type { Account, AccountConfig, Fill, MarketClock, Order, OrderRequest, Position } from '../../domain/trading/types.ts';
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
  /** Where the events go (default: a Ledger on ledgerFile, fsync'd per batch; the exchange shares one journal). */
  ledger?: LedgerStore;
}

/** Filters of GET /v2/orders beyond the Broker port's. */
export interface OrderListQuery extends OrderQuery {
  side?: 'buy' | 'sell';
  /** Roll bracket/OCO/OTO legs up under their parent (they are then not listed on their own). */
  nested?: boolean;
}

export interface ClosePositionAmount {
  qty?: number;
  percentage?: number;
}

export interface ReplaceRequest {
  qty?: number;
  time_in_force?: Order['time_in_force'];
  limit_price?: number;
  stop_price?: number;
  trail?: number;
  client_order_id: string;
}

/** One point of the daily equity curve: the account marked at a session's close. */
export interface EquityAtClose {
  date: string;
  closeMs: number;
  equity: number;
}

/** The engine's schedule for one live order (not in the ledger: derived from it and the calendar). */
interface Live {
  order: Order;
  nextMs: number;
  auction: Auction;
  session: SessionMs;
  /** Live at this session's open, so the session's high/low apply at its close. */
  liveSinceOpen: boolean;
  hwm: number | null;
  seq: number;
}

const TYPE_RANK: Record<Order['type'], number> = { market: 0, stop: 1, trailing_stop: 1, stop_limit: 1, limit: 2 };

function orderIdFor(accountId: string, clientOrderId: string): string {
  const h = createHash('sha256').update(`${accountId}|${clientOrderId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const floor9 = (x: number): number => Math.floor(x * 1e9 + 1e-6) / 1e9;

export class PaperAccount implements Broker {
  readonly kind = 'local' as const;
  /** The working book: every event applied at once (checks and settlement use it). */
  private readonly book = new Book();
  /** The durable book: events applied once on disk (every read answers from it). */
  private readonly committed = new Book();
  private readonly events: LedgerEvent[] = [];
  private readonly eventMs: number[] = [];
  private readonly ledger: LedgerStore;
  private readonly terms: Terms;
  private broken: unknown = null;
  // Settlement schedule: live orders and the earliest auction any of them waits for.
  private readonly live = new Map<string, Live>();
  private nextDueMs = Infinity;
  private seq = 0;
  // Buying-power claims, summed per symbol so a check costs O(symbols), not O(open orders).
  private readonly claims = new Map<string, Claim>();
  private readonly claimUnits = new Map<string, number>();
  private claimFixed = 0;
  private readonly credits = new Map<string, Claim & { auctionMs: number }>();
  // Prices known at the current market phase, per symbol (cleared when the phase changes).
  private markPhase = NaN;
  private markNow = NaN;
  private readonly marks = new Map<string, number | null>();
  // Daily equity at each close, extended as the clock passes closes (portfolio history, last_equity).
  private readonly history = new Book();
  private historyCursor = 0;
  private historyNext: SessionMs | null = null;
  private readonly closes: EquityAtClose[] = [];

  private constructor(private readonly opts: PaperAccountOptions) {
    this.ledger = opts.ledger ?? new Ledger(opts.ledgerFile);
    this.terms = { slippage: opts.slippageBps / 10_000, commissionPerShare: opts.commissionPerShare, commissionMin: opts.commissionMin };
  }

  static async open(opts: PaperAccountOptions): Promise<PaperAccount> {
    const acct = new PaperAccount(opts);
    for (const e of await acct.ledger.load()) {
      acct.book.apply(e);
      acct.commit(e);
    }
    if (acct.events.length === 0) {
      await acct.record({ type: 'opened', at: isoNy(acct.nowMs()), accountId: opts.accountId, cash: opts.startingCash, multiplier: opts.multiplier });
    }
    for (const o of acct.book.openOrders()) acct.syncOrder(o);
    return acct;
  }

  /** Releases the ledger's file handle (the exchange closes its accounts on shutdown). */
  close(): Promise<void> {
    return this.ledger.close();
  }

  /** Every durable ledger event so far (tests and reports). */
  ledgerEvents(): readonly LedgerEvent[] {
    return this.events;
  }

  realizedTrades() {
    return this.committed.realized;
  }

  /** Every execution so far, oldest first (account activities). */
  async fills(): Promise<readonly Fill[]> {
    await this.readBarrier();
    return this.committed.fillLog;
  }

  // ---- time and prices

  private nowMs(): number {
    return this.opts.clock.now().toMillis();
  }

  /** The session at or after now, and whether it is in progress. */
  private phase(now: number): { s: SessionMs; inSession: boolean } {
    const s = sessionAtOrAfterMs(now);
    return { s, inSession: now >= s.openMs };
  }

  /** The price known at `now`: the session's open during it, else the last close. Never a later price. */
  markPrice(symbol: string, now: number = this.nowMs()): number | null {
    if (now !== this.markNow) {
      const { s, inSession } = this.phase(now);
      const key = inSession ? s.openMs + 1 : s.openMs;
      this.markNow = now;
      if (key !== this.markPhase) {
        this.markPhase = key;
        this.marks.clear();
      }
    }
    let p = this.marks.get(symbol);
    if (p === undefined) {
      const { s, inSession } = this.phase(now);
      const prev = previousSession(s);
      const lastClose = prev ? (this.opts.prices.lastBarOnOrBefore(symbol, prev.date)?.close ?? null) : null;
      // During a session only its open is known (a close-only series shows the last close until the close).
      p = inSession ? (this.opts.prices.bar(symbol, s.date)?.open ?? lastClose) : lastClose;
      this.marks.set(symbol, p);
    }
    return p;
  }

  /** The close a position's "change today" is measured from: the last close before today's New York date. */
  private lastdayPrice(symbol: string, now: number): number | null {
    const { s, inSession } = this.phase(now);
    const prev = previousSession(s);
    let ref = prev;
    // After a close and before midnight the calendar day is still the closed session's day.
    if (!inSession && prev && now < nyMidnight(nextDate(prev.date)).ms) ref = previousSession(prev);
    return ref ? (this.opts.prices.lastBarOnOrBefore(symbol, ref.date)?.close ?? null) : null;
  }

  // ---- durability

  private check(): void {
    if (this.broken) throw new BrokerError('unavailable', `the ledger ${this.opts.ledgerFile} could not be written (${String((this.broken as Error).message ?? this.broken)}); restart the exchange`);
  }

  /** Applies an event to the working book now; resolves once it is durable (and in the durable book). */
  private record(e: LedgerEvent): Promise<void> {
    this.book.apply(e);
    this.afterApply(e);
    const done = this.ledger.append(e).then(
      () => this.commit(e),
      (err: unknown) => {
        this.broken ??= err;
        throw new BrokerError('unavailable', `ledger write failed: ${(err as Error).message}`, {}, { cause: err });
      },
    );
    done.catch(() => undefined);
    return done;
  }

  private commit(e: LedgerEvent): void {
    this.committed.apply(e);
    this.events.push(e);
    this.eventMs.push(Date.parse(e.at));
  }

  /** Settles what is due, then waits until everything recorded so far is durable. */
  private async readBarrier(): Promise<number> {
    this.check();
    const now = this.nowMs();
    this.settle(now);
    try {
      await this.ledger.durable();
    } catch {
      this.check();
    }
    return now;
  }

  // ---- the settlement schedule

  /** Tracks an open order from when it became live: its submission, its parent's fill, or its trigger. */
  private track(o: Order): void {
    if (o.status === 'held' || this.live.has(o.id)) return;
    const parent = o.parent_id ? this.book.orders.get(o.parent_id) : undefined;
    let atMs: number;
    let byAuction: boolean;
    const submitted = Date.parse(o.submitted_at);
    if (parent && parent.order_class !== 'oco' && parent.filled_at && Date.parse(parent.filled_at) >= submitted) {
      // A leg goes live when its parent fills (a leg replaced later is live from its replacement).
      atMs = Date.parse(parent.filled_at);
      byAuction = true;
    } else if (o.triggered_at) {
      atMs = Date.parse(o.triggered_at);
      byAuction = true;
    } else {
      atMs = submitted;
      byAuction = false;
    }
    const s = sessionAtOrAfterMs(atMs);
    let l: Omit<Live, 'order' | 'hwm' | 'seq'>;
    if (byAuction) {
      // Live from an auction: from the open, the rest of that session; from a close, the next open.
      l = atMs === s.openMs ? { nextMs: s.closeMs, auction: 'close', session: s, liveSinceOpen: true } : { nextMs: s.openMs, auction: 'open', session: s, liveSinceOpen: false };
    } else if (o.time_in_force === 'cls') {
      l = { nextMs: s.closeMs, auction: 'close', session: s, liveSinceOpen: false };
    } else if (atMs < s.openMs) {
      l = { nextMs: s.openMs, auction: 'open', session: s, liveSinceOpen: false };
    } else if (o.time_in_force === 'opg') {
      const n = nextSession(s);
      l = { nextMs: n.openMs, auction: 'open', session: n, liveSinceOpen: false };
    } else {
      l = { nextMs: s.closeMs, auction: 'close', session: s, liveSinceOpen: false };
    }
    let hwm: number | null = null;
    if (o.type === 'trailing_stop') {
      // The mark starts at the price known when the order went live (at a close: that close).
      hwm = this.markPrice(o.symbol, atMs);
    }
    this.live.set(o.id, { order: o, hwm, seq: this.seq++, ...l });
    if (l.nextMs < this.nextDueMs) this.nextDueMs = l.nextMs;
  }

  /** The auction a market order placed now executes at. */
  private firstAuctionMs(tif: Order['time_in_force'], now: number): number {
    const s = sessionAtOrAfterMs(now);
    if (tif === 'cls') return s.closeMs;
    if (now < s.openMs) return s.openMs;
    return tif === 'opg' ? nextSession(s).openMs : s.closeMs;
  }

  /** Applies every fill, trigger and expiry whose auction the clock has reached, in time order. */
  private settle(now: number): void {
    if (now < this.nextDueMs || this.broken) return;
    for (;;) {
      let t = Infinity;
      for (const l of this.live.values()) if (l.nextMs < t) t = l.nextMs;
      if (t > now) {
        this.nextDueMs = t;
        return;
      }
      const due = [...this.live.values()].filter((l) => l.nextMs === t);
      // Sells before buys (a sale funds a buy at the same auction); stops before limits (the worse outcome first).
      due.sort((a, b) => (a.order.side === b.order.side ? 0 : a.order.side === 'sell' ? -1 : 1) || TYPE_RANK[a.order.type] - TYPE_RANK[b.order.type] || a.seq - b.seq);
      for (const l of due) {
        if (!this.book.isOpen(l.order.id)) {
          this.live.delete(l.order.id);
          continue;
        }
        this.atAuction(l, t);
      }
    }
  }

  private atAuction(l: Live, t: number): void {
    const o = l.order;
    const at = isoNy(t);
    const bar = this.opts.prices.bar(o.symbol, l.session.date);
    const closing = l.auction === 'close';
    const endsHere = (o.time_in_force === 'opg' && !closing) || (closing && o.time_in_force !== 'gtc');
    if (!bar) {
      if (o.type === 'market' || endsHere) {
        void this.record({ type: 'expired', at, orderId: o.id, reason: `no ${o.symbol} price for ${l.session.date}` });
        this.live.delete(o.id);
        return;
      }
    } else {
      const input = { auction: l.auction, bar, liveSinceOpen: l.liveSinceOpen, slippage: this.terms.slippage };
      const out = atAuction(o, input, l.hwm);
      if (out.kind === 'fill') {
        this.fill(o, out.price, at);
        this.live.delete(o.id);
        return;
      }
      if (out.kind === 'trigger') void this.record({ type: 'triggered', at, orderId: o.id });
      if (l.hwm !== null) l.hwm = hwmAfter(o, input, l.hwm);
    }
    if (endsHere) {
      void this.record({ type: 'expired', at, orderId: o.id, reason: `${o.time_in_force} order not filled` });
      this.live.delete(o.id);
      return;
    }
    if (closing) {
      const n = nextSession(l.session);
      Object.assign(l, { nextMs: n.openMs, auction: 'open', session: n, liveSinceOpen: false });
    } else {
      Object.assign(l, { nextMs: l.session.closeMs, auction: 'close', liveSinceOpen: true });
    }
  }

  private fill(o: Order, rawPrice: number, at: string): void {
    const price = round(rawPrice, 6);
    const held = this.book.holdings.get(o.symbol)?.qty ?? 0;
    let qty = o.notional ? floor9(o.notional / price) : o.qty;
    if (o.side === 'sell') qty = Math.min(qty, held);
    if (!(qty > 0)) {
      void this.record({ type: 'expired', at, orderId: o.id, reason: o.side === 'sell' ? 'no shares left to sell' : 'notional too small for one billionth of a share' });
      return;
    }
    void this.record({ type: 'filled', at, orderId: o.id, qty, price, commission: commissionFor(qty, this.terms) });
  }

  /** Keeps the schedule and the buying-power claims in step with the working book. */
  private afterApply(e: LedgerEvent): void {
    const id = e.type === 'submitted' ? e.order.id : e.type === 'replaced' ? e.order.id : 'orderId' in e ? e.orderId : null;
    if (!id) return;
    const o = this.book.orders.get(id);
    if (!o) return;
    const group = new Set<Order>([o]);
    const parent = o.parent_id ? this.book.orders.get(o.parent_id) : undefined;
    if (parent) group.add(parent);
    for (const x of [o, parent]) for (const legId of x?.leg_ids ?? []) group.add(this.book.orders.get(legId) as Order);
    if (e.type === 'replaced') group.add(this.book.orders.get(e.orderId) as Order);
    for (const x of group) this.syncOrder(x);
  }

  private syncOrder(o: Order): void {
    const active = this.book.isOpen(o.id) && o.status !== 'held';
    if (!active) {
      this.live.delete(o.id);
      this.unclaim(o.id);
      return;
    }
    this.track(o);
    if (!this.claims.has(o.id) && !this.credits.has(o.id)) {
      if (o.side === 'buy') this.claim(o.id, buyClaim(o, this.terms));
      else {
        const c = sellCredit(o, this.terms);
        if (c) this.credits.set(o.id, { ...c, auctionMs: this.live.get(o.id)?.nextMs ?? Infinity });
      }
    }
  }

  private claim(id: string, c: Claim): void {
    this.claims.set(id, c);
    if (c.units) this.claimUnits.set(c.symbol, (this.claimUnits.get(c.symbol) ?? 0) + c.units);
    this.claimFixed += c.fixed;
  }

  private unclaim(id: string): void {
    const c = this.claims.get(id);
    if (c) {
      this.claims.delete(id);
      if (c.units) {
        const u = (this.claimUnits.get(c.symbol) ?? 0) - c.units;
        if (Math.abs(u) < 1e-9) this.claimUnits.delete(c.symbol);
        else this.claimUnits.set(c.symbol, u);
      }
      this.claimFixed -= c.fixed;
      if (this.claims.size === 0) this.claimFixed = 0;
    }
    this.credits.delete(id);
  }

  // ---- money

  private equityOf(book: Book, now: number): number {
    let v = book.cash;
    for (const [symbol, h] of book.holdings) v += h.qty * (this.markPrice(symbol, now) ?? h.cost / h.qty);
    return v;
  }

  /**
   * Buying power for an order executing at auction `auctionMs`: cash, less what open buys claim,
   * plus the proceeds of market sells queued for that auction or an earlier one (and margin).
   */
  private buyingPower(now: number, auctionMs: number, withMargin = true): number {
    let claimed = this.claimFixed;
    for (const [symbol, units] of this.claimUnits) claimed += units * (this.markPrice(symbol, now) ?? 0);
    let credit = 0;
    for (const c of this.credits.values()) if (c.auctionMs <= auctionMs) credit += c.units * (this.markPrice(c.symbol, now) ?? 0) + c.fixed;
    const margin = withMargin ? (this.book.multiplier - 1) * Math.max(0, this.equityOf(this.book, now)) : 0;
    return Math.max(0, this.book.cash - claimed + credit + margin);
  }

  /** Shares of a symbol free to sell: held, less open qty sells, less open notional sells at the current price. */
  private sellable(symbol: string, now: number): number {
    const dollars = this.book.promisedDollars(symbol);
    const mark = this.markPrice(symbol, now);
    const byNotional = dollars > 0 && mark ? dollars / mark : 0;
    return Math.max(0, floor9(this.book.availableQty(symbol) - byNotional));
  }

  private insufficientQty(symbol: string, requested: number, now: number): BrokerError {
    const available = this.sellable(symbol, now);
    const held = this.book.holdings.get(symbol)?.qty ?? 0;
    const related = this.book.openOrders().filter((o) => o.symbol === symbol && o.side === 'sell' && o.status !== 'held').map((o) => o.id);
    return new BrokerError('insufficient_qty', `insufficient qty available for order (requested: ${requested}, available: ${available})`, {
      symbol,
      requested,
      available: String(available),
      existing_qty: String(held),
      held_for_orders: String(round(held - available, 9)),
      related_orders: related,
    });
  }

  // ---- views

  /** An order as a client sees it now: an order queued before the open shows `new` once its session opened. */
  private view(o: Order, now: number, nested = false): Order & { legs?: Order[] } {
    const v: Order & { legs?: Order[] } = { ...o };
    if (o.type === 'trailing_stop') v.hwm = this.live.get(o.id)?.hwm ?? o.hwm ?? null;
    if (o.status === 'accepted') {
      const s = sessionAtOrAfterMs(Date.parse(o.submitted_at));
      if (now >= s.openMs) v.status = 'new';
    }
    if (nested && o.leg_ids?.length) v.legs = o.leg_ids.map((id) => this.view(this.committed.orders.get(id) as Order, now));
    return v;
  }

  async account(): Promise<Account> {
    const now = await this.readBarrier();
    const b = this.committed;
    let longValue = 0;
    for (const [symbol, h] of b.holdings) longValue += h.qty * (this.markPrice(symbol, now) ?? h.cost / h.qty);
    const equity = b.cash + longValue;
    const next = this.firstAuctionMs('day', now);
    return {
      id: this.opts.accountId,
      account_number: `PA${this.opts.accountId.replace(/[^0-9A-Z]/gi, '').slice(0, 10).toUpperCase()}`,
      status: 'ACTIVE',
      currency: 'USD',
      cash: round(b.cash, 2),
      buying_power: round(this.buyingPower(now, next), 2),
      non_marginable_buying_power: round(this.buyingPower(now, next, false), 2),
      equity: round(equity, 2),
      last_equity: round(this.lastEquity(now), 2),
      long_market_value: round(longValue, 2),
      multiplier: b.multiplier,
      created_at: b.createdAt,
    };
  }

  clock(): Promise<MarketClock> {
    const now = this.nowMs();
    const s = sessionAtOrAfterMs(now);
    const isOpen = now >= s.openMs;
    return Promise.resolve({
      timestamp: isoNy(now),
      is_open: isOpen,
      next_open: isoNy(isOpen ? nextSession(s).openMs : s.openMs),
      next_close: isoNy(s.closeMs),
    });
  }

  async positions(): Promise<Position[]> {
    const now = await this.readBarrier();
    return this.positionsAt(now);
  }

  private positionsAt(now: number): Position[] {
    const out: Position[] = [];
    for (const [symbol, h] of [...this.committed.holdings].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const price = this.markPrice(symbol, now) ?? h.cost / h.qty;
      const last = this.lastdayPrice(symbol, now) ?? price;
      const value = h.qty * price;
      out.push({
        symbol,
        qty: h.qty,
        qty_available: Math.min(h.qty, this.sellable(symbol, now)),
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

  async position(symbol: string): Promise<Position | null> {
    return (await this.positions()).find((p) => p.symbol === symbol) ?? null;
  }

  async orderByClientOrderId(clientOrderId: string, nested = false): Promise<Order | null> {
    const now = await this.readBarrier();
    const id = this.committed.byClientId.get(clientOrderId);
    const o = id ? this.committed.orders.get(id) : undefined;
    return o ? this.view(o, now, nested) : null;
  }

  async orderById(id: string, nested = false): Promise<Order | null> {
    const now = await this.readBarrier();
    const o = this.committed.orders.get(id);
    return o ? this.view(o, now, nested) : null;
  }

  async orders(query: OrderListQuery = {}): Promise<Order[]> {
    const now = await this.readBarrier();
    const b = this.committed;
    const status = query.status ?? 'open';
    const limit = Math.max(1, Math.min(query.limit ?? 50, 500));
    const after = query.after ? Date.parse(query.after) : -Infinity;
    const until = query.until ? Date.parse(query.until) : Infinity;
    const symbols = query.symbols?.length ? new Set(query.symbols) : null;
    // Orders are kept in submission order (submitted_at never decreases: the clock only moves forward).
    const source: readonly Order[] = status === 'open' ? b.openSequence() : b.sequence;
    const asc = query.direction === 'asc';
    // The query's filters (the time window apart: the loop stops at its end).
    const matches = (o: Order): boolean => (status === 'all' || b.isOpen(o.id) === (status === 'open')) && (!symbols || symbols.has(o.symbol)) && (!query.side || o.side === query.side);
    const windowed = after !== -Infinity || until !== Infinity;
    const inWindow = (o: Order): boolean => {
      if (!windowed) return true;
      const t = Date.parse(o.submitted_at);
      return t > after && t < until;
    };
    const out: Order[] = [];
    for (let k = 0; k < source.length && out.length < limit; k++) {
      const o = source[asc ? k : source.length - 1 - k] as Order;
      if (!matches(o)) continue;
      if (!inWindow(o)) {
        // Submission order: past the window's far end, nothing further can be in it.
        const t = Date.parse(o.submitted_at);
        if (asc ? t >= until : t <= after) break;
        continue;
      }
      if (query.nested && o.parent_id) {
        // A leg rolls up under its parent only if this query lists the parent: once a bracket's parent
        // has filled, `status=open` drops it, and its live legs must then be listed on their own.
        const parent = b.orders.get(o.parent_id);
        if (parent && matches(parent) && inWindow(parent)) continue;
      }
      out.push(this.view(o, now, query.nested));
    }
    return out;
  }

  // ---- mutations

  submitOrder(req: OrderRequest): Promise<Order> {
    return this.mutate(async (now) => {
      const { order, legs } = this.prepare(req, now);
      await this.record({ type: 'submitted', at: order.submitted_at, order, ...(legs.length ? { legs } : {}) });
      return this.view(this.committed.orders.get(order.id) as Order, this.nowMs(), true);
    });
  }

  /** Runs a mutation: settle first, check and record synchronously, acknowledge when durable. */
  private async mutate<T>(fn: (now: number) => Promise<T>): Promise<T> {
    this.check();
    const now = this.nowMs();
    this.settle(now);
    return fn(now);
  }

  /** Checks a request against the account (synchronously, so concurrent requests see each other) and builds its order(s). */
  private prepare(req: OrderRequest, now: number): { order: Order; legs: Order[] } {
    const b = this.book;
    if (b.config.suspend_trade) throw new BrokerError('forbidden', 'trading is suspended for this account (account configurations)');
    checkOrderRequest(req, { fractionalTrading: b.config.fractional_trading });
    if (b.byClientId.has(req.client_order_id)) throw new BrokerError('duplicate_client_order_id', 'client_order_id must be unique', { client_order_id: req.client_order_id });
    if (!this.opts.prices.knows(req.symbol)) throw new BrokerError('validation', `asset "${req.symbol}" not found`);
    const mark = this.markPrice(req.symbol, now);
    const t = isoNy(now);
    const inSession = now >= sessionAtOrAfterMs(now).openMs;
    const cls = req.order_class ?? 'simple';
    // Orders are built as whole literals: an object spread followed by more fields takes V8's slow path (~80 µs).
    const make = (id: string, coid: string, o: { side: Order['side']; type: Order['type']; qty: number; status: Order['status']; notional: number | null; limit_price: number | null; stop_price: number | null; trail_price: number | null; trail_percent: number | null; parent_id: string | null; leg_role: Order['leg_role'] }): Order => ({
      id,
      client_order_id: coid,
      symbol: req.symbol,
      side: o.side,
      type: o.type,
      time_in_force: req.time_in_force,
      qty: o.qty,
      filled_qty: 0,
      filled_avg_price: null,
      status: o.status,
      created_at: t,
      submitted_at: t,
      updated_at: t,
      filled_at: null,
      expired_at: null,
      canceled_at: null,
      commission: 0,
      notional: o.notional,
      limit_price: o.limit_price,
      stop_price: o.stop_price,
      trail_price: o.trail_price,
      trail_percent: o.trail_percent,
      order_class: cls,
      extended_hours: false,
      parent_id: o.parent_id,
      leg_role: o.leg_role,
    });
    const order = make(orderIdFor(this.opts.accountId, req.client_order_id), req.client_order_id, {
      side: req.side,
      type: req.type,
      qty: req.qty ?? 0,
      status: inSession ? 'new' : 'accepted',
      notional: req.notional ?? null,
      limit_price: cls === 'oco' ? (req.take_profit?.limit_price ?? null) : (req.limit_price ?? null),
      stop_price: req.stop_price ?? null,
      trail_price: req.trail_price ?? null,
      trail_percent: req.trail_percent ?? null,
      parent_id: null,
      leg_role: null,
    });
    const legs: Order[] = [];
    if (cls !== 'simple') {
      const legStatus = cls === 'oco' ? order.status : 'held';
      const leg = (role: 'take_profit' | 'stop_loss', type: Order['type'], prices: { limit_price: number | null; stop_price: number | null }): Order => {
        const coid = `${req.client_order_id}:${role}`;
        if (b.byClientId.has(coid)) throw new BrokerError('duplicate_client_order_id', 'client_order_id must be unique', { client_order_id: coid });
        return make(orderIdFor(this.opts.accountId, coid), coid, { side: 'sell', type, qty: order.qty, status: legStatus, notional: null, ...prices, trail_price: null, trail_percent: null, parent_id: order.id, leg_role: role });
      };
      if (req.take_profit && cls !== 'oco') legs.push(leg('take_profit', 'limit', { limit_price: req.take_profit.limit_price, stop_price: null }));
      if (req.stop_loss) legs.push(leg('stop_loss', req.stop_loss.limit_price !== undefined ? 'stop_limit' : 'stop', { stop_price: req.stop_loss.stop_price, limit_price: req.stop_loss.limit_price ?? null }));
      order.leg_ids = legs.map((l) => l.id);
    }
    if (req.side === 'sell') {
      const available = this.sellable(req.symbol, now);
      if (req.notional !== undefined) {
        if (mark === null || req.notional > available * mark + 1e-6) throw this.insufficientQty(req.symbol, mark ? floor9(req.notional / mark) : req.notional, now);
      } else if ((req.qty as number) > available + 1e-9) throw this.insufficientQty(req.symbol, req.qty as number, now);
    } else {
      this.checkBuyingPower(order, now);
    }
    return { order, legs };
  }

  /** Refuses a buy whose estimated cost exceeds the buying power at its first auction (plus `released`: what the order it replaces held). */
  private checkBuyingPower(order: Order, now: number, released = 0): void {
    const mark = this.markPrice(order.symbol, now);
    if (mark === null) throw new BrokerError('validation', `no price for ${order.symbol} yet`);
    const c = buyClaim(order, this.terms);
    const cost = c.units * mark + c.fixed;
    const bp = this.buyingPower(now, this.firstAuctionMs(order.time_in_force, now)) + released;
    if (cost > bp + 1e-6) throw new BrokerError('insufficient_buying_power', 'insufficient buying power', { buying_power: String(round(bp, 2)), cost_basis: String(round(cost, 2)) });
  }

  cancelOrder(orderId: string): Promise<void> {
    return this.mutate(async (now) => {
      const o = this.book.orders.get(orderId);
      if (!o) throw new BrokerError('order_not_found', 'order not found', { id: orderId });
      if (!this.book.isOpen(orderId)) throw new BrokerError('not_cancelable', `order is not cancelable (status ${o.status})`, { id: orderId });
      await this.record({ type: 'canceled', at: isoNy(now), orderId });
    });
  }

  cancelAllOrders(): Promise<{ id: string; status: number }[]> {
    return this.mutate(async (now) => {
      const out: { id: string; status: number }[] = [];
      let last: Promise<void> = Promise.resolve();
      for (const o of this.book.openOrders()) {
        if (!this.book.isOpen(o.id)) continue; // canceled with its parent or OCO partner just now
        last = this.record({ type: 'canceled', at: isoNy(now), orderId: o.id });
        out.push({ id: o.id, status: 200 });
      }
      await last;
      return out;
    });
  }

  /** PATCH /v2/orders/{id}: a new order (new id, `replaces` = the old one) takes the old one's place. */
  replaceOrder(orderId: string, patch: ReplaceRequest): Promise<Order> {
    return this.mutate(async (now) => {
      const b = this.book;
      const old = b.orders.get(orderId);
      if (!old) throw new BrokerError('order_not_found', 'order not found', { id: orderId });
      if (!b.isOpen(orderId)) throw new BrokerError('not_replaceable', `order is not replaceable (status ${old.status})`, { id: orderId });
      const status = this.view(old, now).status;
      if (['accepted', 'pending_new', 'pending_cancel', 'pending_replace', 'held'].includes(status)) throw new BrokerError('not_replaceable', `order is not replaceable in status ${status}`, { id: orderId });
      if (old.notional) throw new BrokerError('not_replaceable', 'notional orders cannot be replaced', { id: orderId });
      if (b.byClientId.has(patch.client_order_id)) throw new BrokerError('duplicate_client_order_id', 'client_order_id must be unique', { client_order_id: patch.client_order_id });
      // What only a replacement restricts; everything else is POST's rules, run on the merged order below.
      if (patch.qty !== undefined) {
        if (!(patch.qty > 0) || !Number.isInteger(patch.qty)) throw new BrokerError('validation', 'qty must be a whole number > 0');
        if (!Number.isInteger(old.qty)) throw new BrokerError('validation', 'You can only patch full shares');
      }
      if (old.parent_id && (patch.qty !== undefined || patch.time_in_force !== undefined || patch.trail !== undefined)) throw new BrokerError('validation', 'legs of an order can only change limit_price and stop_price');
      // `trail` is the one field without a place of its own: it is the trail_price or trail_percent the order has.
      if (patch.trail !== undefined && old.type !== 'trailing_stop') throw new BrokerError('validation', 'only trailing_stop orders have a trail');
      const t = isoNy(now);
      const next: Order = {
        ...old,
        id: orderIdFor(this.opts.accountId, patch.client_order_id),
        client_order_id: patch.client_order_id,
        qty: patch.qty ?? old.qty,
        time_in_force: patch.time_in_force ?? old.time_in_force,
        limit_price: patch.limit_price ?? old.limit_price ?? null,
        stop_price: patch.stop_price ?? old.stop_price ?? null,
        trail_price: old.trail_price != null && patch.trail !== undefined ? patch.trail : (old.trail_price ?? null),
        trail_percent: old.trail_percent != null && patch.trail !== undefined ? patch.trail : (old.trail_percent ?? null),
        status: now >= sessionAtOrAfterMs(now).openMs ? 'new' : 'accepted',
        created_at: t,
        submitted_at: t,
        updated_at: t,
        replaces: old.id,
        replaced_by: null,
        replaced_at: null,
        triggered_at: null,
        hwm: null,
      };
      checkOrderRequest(requestOf(next, (old.leg_ids ?? []).map((id) => b.orders.get(id) as Order)), { fractionalTrading: b.config.fractional_trading });
      if (next.side === 'buy') {
        // The old order's claim is released by the replacement, so it counts as buying power here.
        const was = this.claims.get(old.id);
        this.checkBuyingPower(next, now, was ? was.units * (this.markPrice(next.symbol, now) ?? 0) + was.fixed : 0);
      } else if (!old.parent_id || old.leg_role !== 'stop_loss') {
        const available = this.sellable(next.symbol, now) + old.qty;
        if (next.qty > available + 1e-9) throw this.insufficientQty(next.symbol, next.qty, now);
      }
      await this.record({ type: 'replaced', at: t, orderId: old.id, order: next });
      return this.view(this.committed.orders.get(next.id) as Order, this.nowMs(), true);
    });
  }

  /**
   * Sells a position, all of it or `qty` shares or `percentage` percent (whole shares unless the
   * position is fractional). Shares promised to open sell orders are not available.
   */
  closePosition(symbol: string, clientOrderId?: string, amount: ClosePositionAmount = {}): Promise<Order> {
    return this.mutate(async (now) => {
      const held = this.book.holdings.get(symbol)?.qty ?? 0;
      if (!(held > 0)) throw new BrokerError('position_not_found', 'position does not exist', { symbol });
      if (amount.qty !== undefined && amount.percentage !== undefined) throw new BrokerError('validation', 'qty and percentage cannot be given together');
      let qty = held;
      if (amount.qty !== undefined) {
        if (!(amount.qty > 0)) throw new BrokerError('validation', 'qty must be > 0');
        qty = amount.qty;
      } else if (amount.percentage !== undefined) {
        if (!(amount.percentage > 0 && amount.percentage <= 100)) throw new BrokerError('validation', 'percentage must be between 0 and 100');
        const raw = (held * amount.percentage) / 100;
        qty = Number.isInteger(held) ? Math.floor(raw + 1e-9) : floor9(raw);
        if (!(qty > 0)) throw new BrokerError('validation', `percentage ${amount.percentage} of ${held} shares is less than one share`);
      }
      if (qty > held + 1e-9 || qty > this.sellable(symbol, now) + 1e-9) throw this.insufficientQty(symbol, qty, now);
      const coid = clientOrderId ?? `close-${symbol}-${isoNy(now)}-${this.book.sequence.length}`;
      const { order } = this.prepare({ symbol, qty, side: 'sell', type: 'market', time_in_force: 'day', client_order_id: coid }, now);
      await this.record({ type: 'submitted', at: order.submitted_at, order });
      return this.view(this.committed.orders.get(order.id) as Order, this.nowMs());
    });
  }

  /** DELETE /v2/positions: every position sold (open orders canceled first when asked). */
  async closeAllPositions(cancelOrders: boolean, clientOrderIds: () => string): Promise<{ symbol: string; status: number; body: Order | Record<string, unknown> }[]> {
    if (cancelOrders) await this.cancelAllOrders();
    const out: { symbol: string; status: number; body: Order | Record<string, unknown> }[] = [];
    for (const symbol of [...this.book.holdings.keys()].sort()) {
      try {
        out.push({ symbol, status: 200, body: await this.closePosition(symbol, clientOrderIds()) });
      } catch (err) {
        if (!(err instanceof BrokerError)) throw err;
        out.push({ symbol, status: err.kind === 'insufficient_qty' ? 403 : 422, body: { code: err.kind === 'insufficient_qty' ? 40310000 : 42210000, message: err.message, symbol, ...err.details } });
      }
    }
    return out;
  }

  async configuration(): Promise<AccountConfig> {
    await this.readBarrier();
    return { ...this.committed.config };
  }

  configure(patch: Partial<AccountConfig>): Promise<AccountConfig> {
    return this.mutate(async (now) => {
      const config = { ...this.book.config, ...patch };
      await this.record({ type: 'configured', at: isoNy(now), config });
      return { ...this.committed.config };
    });
  }

  // ---- history

  /** The account's equity at each session close up to now (computed once per close, from durable events). */
  async equityAtCloses(): Promise<{ closes: readonly EquityAtClose[]; startingCash: number; now: number; equityNow: number }> {
    const now = await this.readBarrier();
    this.extendHistory(now);
    return { closes: this.closes, startingCash: this.committed.startingCash, now, equityNow: this.equityOf(this.committed, now) };
  }

  private extendHistory(now: number): void {
    if (!this.historyNext) {
      const created = this.eventMs[0];
      if (created === undefined) return;
      this.historyNext = sessionAtOrAfterMs(created);
    }
    while (this.historyNext && this.historyNext.closeMs <= now) {
      const s = this.historyNext;
      while (this.historyCursor < this.events.length && (this.eventMs[this.historyCursor] as number) <= s.closeMs) this.history.apply(this.events[this.historyCursor++] as LedgerEvent);
      let equity = this.history.cash;
      for (const [symbol, h] of this.history.holdings) equity += h.qty * (this.opts.prices.lastBarOnOrBefore(symbol, s.date)?.close ?? h.cost / h.qty);
      this.closes.push({ date: s.date, closeMs: s.closeMs, equity: round(equity, 6) });
      this.historyNext = nextSession(s);
    }
  }

  /** Equity at the close of the last session before today's New York date (the starting cash if the account is younger). */
  private lastEquity(now: number): number {
    this.extendHistory(now);
    const { s, inSession } = this.phase(now);
    let ref = previousSession(s);
    if (!inSession && ref && now < nyMidnight(nextDate(ref.date)).ms) ref = previousSession(ref);
    if (!ref) return this.committed.startingCash;
    for (let i = this.closes.length - 1; i >= 0; i--) {
      const c = this.closes[i] as EquityAtClose;
      if (c.closeMs <= ref.closeMs) return c.date === ref.date ? c.equity : this.committed.startingCash;
    }
    return this.committed.startingCash;
  }
}

/** The calendar date after a YYYY-MM-DD date. */
function nextDate(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

