/**
 * What an order request may ask for (Alpaca's rules, as far as daily bars can honour them) and
 * what it costs the account while it is open. Pure: the engine supplies prices and terms.
 *
 * Buying power (README "Buying power"): a cash account that counts the proceeds of sells queued
 * for the same auction. An open buy reserves its estimated cost (market: the last known price
 * plus slippage; limit and stop-limit: the limit; stop: the stop plus slippage; plus the
 * commission); an open market sell credits its estimated proceeds (last known price minus
 * slippage, minus the commission) to every buy that executes at the same auction or later, and
 * the engine fills sells before buys at every auction. With a margin multiplier m > 1, (m − 1) ×
 * equity is added, as before.
 */
import { BrokerError } from './errors.ts';
import type { Order, OrderRequest } from './types.ts';

export interface Terms {
  /** Slippage as a fraction (5 bps = 0.0005). */
  slippage: number;
  commissionPerShare: number;
  commissionMin: number;
}

/** The commission on a fill of `qty` shares: per share with a minimum, or none. */
export function commissionFor(qty: number, t: Terms): number {
  const c = qty * t.commissionPerShare;
  return c > 0 ? Math.round(Math.max(t.commissionMin, c) * 1e4) / 1e4 : 0;
}

/**
 * An open buy's claim on buying power: `units × price(symbol) + fixed`, where the price is the
 * last one known. Kept in this form so the engine sums claims per symbol, not per order.
 */
export interface Claim {
  symbol: string;
  units: number;
  fixed: number;
}

export function buyClaim(o: Order, t: Terms): Claim {
  const up = 1 + t.slippage;
  const qty = o.qty;
  const c = commissionFor(qty, t);
  if (o.notional) return { symbol: o.symbol, units: 0, fixed: o.notional + (t.commissionPerShare > 0 ? t.commissionMin : 0) };
  switch (o.type) {
    case 'market':
      return { symbol: o.symbol, units: qty * up, fixed: c };
    case 'limit':
    case 'stop_limit':
      return { symbol: o.symbol, units: 0, fixed: qty * (o.limit_price as number) + c };
    case 'stop':
      return { symbol: o.symbol, units: 0, fixed: qty * (o.stop_price as number) * up + c };
    case 'trailing_stop':
      return o.trail_price != null
        ? { symbol: o.symbol, units: qty * up, fixed: qty * o.trail_price * up + c }
        : { symbol: o.symbol, units: qty * up * (1 + (o.trail_percent ?? 0) / 100), fixed: c };
  }
}

/** An open market sell's estimated proceeds (only market sells are sure to execute at their auction). */
export function sellCredit(o: Order, t: Terms): Claim | null {
  if (o.type !== 'market' || o.side !== 'sell') return null;
  if (o.notional) return { symbol: o.symbol, units: 0, fixed: o.notional * (1 - t.slippage) - (t.commissionPerShare > 0 ? t.commissionMin : 0) };
  return { symbol: o.symbol, units: o.qty * (1 - t.slippage), fixed: -commissionFor(o.qty, t) };
}

const decimals = (x: number): number => {
  if (Number.isInteger(x)) return 0;
  const s = String(x);
  const e = /e-(\d+)$/.exec(s);
  if (e) return Number(e[1]) + (s.split('e')[0]?.split('.')[1]?.length ?? 0);
  return s.split('.')[1]?.length ?? 0;
};

/** Alpaca's price increments: pennies at $1 and above, 1/100 of a cent below. */
export function checkPriceIncrement(name: string, p: number): void {
  if (!(p > 0) || !Number.isFinite(p)) throw new BrokerError('validation', `${name} must be > 0`);
  const allowed = p >= 1 ? 2 : 4;
  if (decimals(p) > allowed) throw new BrokerError('unprocessable', `invalid ${name} ${p}. sub-penny increment does not fulfill minimum pricing criteria`);
}

const isWhole = (q: number) => Math.abs(q - Math.round(q)) < 1e-9;

/** Shape rules of a request (no account state): types, prices, fractional and notional, order classes. */
export function checkOrderRequest(req: OrderRequest, opts: { fractionalTrading: boolean }): void {
  if (req.client_order_id.length > 128) throw new BrokerError('validation', 'client_order_id must be no more than 128 characters');
  if (req.qty !== undefined && req.notional !== undefined) throw new BrokerError('bad_request', 'qty and notional cannot be given together');
  if (req.qty === undefined && req.notional === undefined) throw new BrokerError('validation', 'qty is required');
  if (req.qty !== undefined) {
    if (!(req.qty > 0) || !Number.isFinite(req.qty)) throw new BrokerError('validation', 'qty must be > 0');
    if (decimals(req.qty) > 9) throw new BrokerError('validation', 'qty must have at most 9 decimal places');
  }
  if (req.notional !== undefined) {
    if (!(req.notional > 0) || !Number.isFinite(req.notional)) throw new BrokerError('validation', 'notional must be > 0');
    if (req.notional < 1) throw new BrokerError('forbidden', 'cost basis must be >= minimal amount of order 1');
    if (decimals(req.notional) > 2) throw new BrokerError('validation', 'notional must have at most 2 decimal places');
  }
  if (!['day', 'gtc', 'opg', 'cls'].includes(req.time_in_force)) throw new BrokerError('validation', `invalid time_in_force ${req.time_in_force}: this exchange (daily bars) takes day, gtc, opg and cls`);
  if (req.extended_hours) {
    if (req.type !== 'limit' || req.time_in_force !== 'day') throw new BrokerError('validation', 'only type="limit" is allowed for extended hours orders');
    throw new BrokerError('unprocessable', 'extended hours orders are not supported: this exchange trades the regular session of daily bars');
  }
  const fractional = req.notional !== undefined || (req.qty !== undefined && !isWhole(req.qty));
  if (fractional) {
    const what = req.notional !== undefined ? 'notional' : 'fractional';
    if (!opts.fractionalTrading) throw new BrokerError('forbidden', 'fractional trading is disabled for this account (account configurations)');
    if (req.type !== 'market') throw new BrokerError('validation', `${what} orders must be market orders`);
    if (req.time_in_force !== 'day') throw new BrokerError('validation', `${what} orders must be DAY orders`);
  }
  const has = (k: 'limit_price' | 'stop_price' | 'trail_price' | 'trail_percent') => req[k] !== undefined;
  switch (req.type) {
    case 'market':
      if (has('limit_price') || has('stop_price') || has('trail_price') || has('trail_percent')) throw new BrokerError('validation', 'market orders require no stop or limit price');
      break;
    case 'limit':
      if (!has('limit_price') && req.order_class !== 'oco') throw new BrokerError('validation', 'limit_price is required');
      if (has('stop_price') || has('trail_price') || has('trail_percent')) throw new BrokerError('validation', 'limit orders require no stop price');
      break;
    case 'stop':
      if (!has('stop_price')) throw new BrokerError('validation', 'stop_price is required');
      if (has('limit_price') || has('trail_price') || has('trail_percent')) throw new BrokerError('validation', 'stop orders require no limit price');
      break;
    case 'stop_limit':
      if (!has('stop_price') || !has('limit_price')) throw new BrokerError('validation', 'stop_limit orders require stop_price and limit_price');
      if (has('trail_price') || has('trail_percent')) throw new BrokerError('validation', 'stop_limit orders take no trail');
      break;
    case 'trailing_stop':
      if (has('trail_price') === has('trail_percent')) throw new BrokerError('validation', 'trailing_stop orders require exactly one of trail_price and trail_percent');
      if (has('limit_price') || has('stop_price')) throw new BrokerError('validation', 'trailing_stop orders take no limit or stop price');
      if (req.time_in_force !== 'day' && req.time_in_force !== 'gtc') throw new BrokerError('validation', 'trailing_stop orders must be day or gtc');
      if (req.trail_percent !== undefined && !(req.trail_percent > 0 && req.trail_percent < 100)) throw new BrokerError('validation', 'trail_percent must be between 0 and 100');
      if (req.trail_price !== undefined && !(req.trail_price > 0)) throw new BrokerError('validation', 'trail_price must be > 0');
      break;
    default:
      throw new BrokerError('validation', `invalid order type ${String(req.type)}`);
  }
  if ((req.time_in_force === 'opg' || req.time_in_force === 'cls') && req.type !== 'market' && req.type !== 'limit') throw new BrokerError('validation', `time_in_force ${req.time_in_force} is for market and limit orders only`);
  if (req.limit_price !== undefined) checkPriceIncrement('limit_price', req.limit_price);
  if (req.stop_price !== undefined) checkPriceIncrement('stop_price', req.stop_price);
  if (req.trail_price !== undefined) checkPriceIncrement('trail_price', req.trail_price);

  const cls = req.order_class ?? 'simple';
  if (cls === 'simple') {
    if (req.take_profit || req.stop_loss) throw new BrokerError('validation', 'take_profit and stop_loss need order_class bracket, oco or oto');
    return;
  }
  if (fractional) throw new BrokerError('validation', `${cls} orders need a whole-share qty`);
  if (req.time_in_force !== 'day' && req.time_in_force !== 'gtc') throw new BrokerError('validation', `${cls} orders must be day or gtc`);
  if (req.take_profit) checkPriceIncrement('take_profit.limit_price', req.take_profit.limit_price);
  if (req.stop_loss) {
    checkPriceIncrement('stop_loss.stop_price', req.stop_loss.stop_price);
    if (req.stop_loss.limit_price !== undefined) checkPriceIncrement('stop_loss.limit_price', req.stop_loss.limit_price);
  }
  if (cls === 'bracket') {
    if (req.type !== 'market' && req.type !== 'limit') throw new BrokerError('validation', 'bracket orders must be market or limit orders');
    if (!req.take_profit || !req.stop_loss) throw new BrokerError('validation', 'bracket orders require take_profit and stop_loss');
    if (req.side !== 'buy') throw new BrokerError('forbidden', 'account is not allowed to short');
    if (!(req.take_profit.limit_price > req.stop_loss.stop_price)) throw new BrokerError('unprocessable', 'take_profit.limit_price must be > stop_loss.stop_price');
    if (req.limit_price !== undefined && !(req.take_profit.limit_price > req.limit_price && req.limit_price > req.stop_loss.stop_price)) throw new BrokerError('unprocessable', 'limit_price must be between stop_loss.stop_price and take_profit.limit_price');
  } else if (cls === 'oco') {
    if (req.type !== 'limit') throw new BrokerError('validation', 'oco orders must be limit orders');
    if (!req.take_profit || !req.stop_loss) throw new BrokerError('validation', 'oco orders require take_profit and stop_loss');
    if (req.side !== 'sell') throw new BrokerError('forbidden', 'account is not allowed to short');
    if (req.limit_price !== undefined && req.limit_price !== req.take_profit.limit_price) throw new BrokerError('validation', 'oco limit_price must equal take_profit.limit_price');
    if (!(req.take_profit.limit_price > req.stop_loss.stop_price)) throw new BrokerError('unprocessable', 'take_profit.limit_price must be > stop_loss.stop_price');
  } else {
    if (!req.take_profit === !req.stop_loss) throw new BrokerError('validation', 'oto orders require exactly one of take_profit and stop_loss');
    if (req.side !== 'buy') throw new BrokerError('forbidden', 'account is not allowed to short');
  }
}

/**
 * The request an open order stands for: what POST would have been sent to create it as it now is
 * (its legs' current prices as take_profit/stop_loss). A replacement (PATCH) is checked by merging
 * the patch into the order and running this through checkOrderRequest, so PATCH refuses what POST
 * refuses. A leg is checked as the plain order it is (its bracket's rules bound the entry only).
 */
export function requestOf(o: Order, legs: readonly Order[] = []): OrderRequest {
  const req: OrderRequest = { symbol: o.symbol, side: o.side, type: o.type, time_in_force: o.time_in_force, client_order_id: o.client_order_id };
  if (o.notional) req.notional = o.notional;
  else req.qty = o.qty;
  if (o.limit_price != null) req.limit_price = o.limit_price;
  if (o.stop_price != null) req.stop_price = o.stop_price;
  if (o.trail_price != null) req.trail_price = o.trail_price;
  if (o.trail_percent != null) req.trail_percent = o.trail_percent;
  if (o.extended_hours) req.extended_hours = true;
  const cls = o.order_class ?? 'simple';
  if (o.parent_id || cls === 'simple') return req;
  req.order_class = cls;
  const tp = cls === 'oco' ? o : legs.find((l) => l.leg_role === 'take_profit');
  const sl = legs.find((l) => l.leg_role === 'stop_loss');
  if (tp?.limit_price != null) req.take_profit = { limit_price: tp.limit_price };
  if (sl?.stop_price != null) req.stop_loss = { stop_price: sl.stop_price, ...(sl.limit_price != null ? { limit_price: sl.limit_price } : {}) };
  return req;
}
