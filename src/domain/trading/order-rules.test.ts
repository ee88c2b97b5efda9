import { describe, expect, it } from 'vitest';
import { BrokerError } from './errors.ts';
import { buyClaim, checkOrderRequest, commissionFor, requestOf, sellCredit } from './order-rules.ts';
import type { Order, OrderRequest } from './types.ts';

const req = (o: Partial<OrderRequest>): OrderRequest => ({ symbol: 'X', side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'c', qty: 1, ...o });
const refusal = (r: OrderRequest, fractionalTrading = true): string => {
  try {
    checkOrderRequest(r, { fractionalTrading });
    return 'ok';
  } catch (err) {
    return err instanceof BrokerError ? `${err.kind}: ${err.message}` : String(err);
  }
};

describe('order rules', () => {
  it('fractional and notional: market DAY orders only, and only when fractional trading is on', () => {
    expect(refusal(req({ qty: 0.5 }))).toBe('ok');
    expect(refusal(req({ qty: 0.5, time_in_force: 'gtc' }))).toBe('validation: fractional orders must be DAY orders');
    expect(refusal(req({ qty: undefined, notional: 100, type: 'limit', limit_price: 10 }))).toBe('validation: notional orders must be market orders');
    expect(refusal(req({ qty: 0.5 }), false)).toMatch(/^forbidden/);
    expect(refusal(req({ qty: 1, notional: 10 }))).toMatch(/^bad_request/);
    expect(refusal(req({ qty: undefined, notional: 0.5 }))).toMatch(/minimal amount of order 1/);
    expect(refusal(req({ qty: 1e-10 }))).toMatch(/9 decimal/);
  });

  it('prices: each type takes its own, in pennies (1/100 cent under $1)', () => {
    expect(refusal(req({ limit_price: 10 }))).toBe('validation: market orders require no stop or limit price');
    expect(refusal(req({ type: 'limit' }))).toBe('validation: limit_price is required');
    expect(refusal(req({ type: 'limit', limit_price: 41.085 }))).toMatch(/^unprocessable: invalid limit_price 41.085. sub-penny/);
    expect(refusal(req({ type: 'limit', limit_price: 0.1234 }))).toBe('ok');
    expect(refusal(req({ type: 'stop_limit', stop_price: 10 }))).toMatch(/require stop_price and limit_price/);
    expect(refusal(req({ type: 'trailing_stop', trail_price: 1, trail_percent: 1 }))).toMatch(/exactly one/);
    expect(refusal(req({ type: 'trailing_stop', trail_percent: 1, time_in_force: 'opg' }))).toMatch(/day or gtc/);
    expect(refusal(req({ time_in_force: 'ioc' }))).toMatch(/invalid time_in_force/);
    expect(refusal(req({ type: 'limit', limit_price: 10, extended_hours: true }))).toMatch(/^unprocessable: extended hours/);
  });

  it('order classes: brackets are buys with take-profit above stop-loss; OCO sells; OTO one leg', () => {
    expect(refusal(req({ order_class: 'bracket', time_in_force: 'gtc', take_profit: { limit_price: 120 }, stop_loss: { stop_price: 90 } }))).toBe('ok');
    expect(refusal(req({ order_class: 'bracket', take_profit: { limit_price: 80 }, stop_loss: { stop_price: 90 } }))).toMatch(/take_profit.limit_price must be > stop_loss/);
    expect(refusal(req({ order_class: 'bracket', side: 'sell', take_profit: { limit_price: 120 }, stop_loss: { stop_price: 90 } }))).toBe('forbidden: account is not allowed to short');
    expect(refusal(req({ order_class: 'bracket', take_profit: { limit_price: 120 } }))).toMatch(/require take_profit and stop_loss/);
    expect(refusal(req({ order_class: 'oco', side: 'sell', type: 'limit', take_profit: { limit_price: 120 }, stop_loss: { stop_price: 90 } }))).toBe('ok');
    expect(refusal(req({ order_class: 'oto', take_profit: { limit_price: 120 }, stop_loss: { stop_price: 90 } }))).toMatch(/exactly one/);
    expect(refusal(req({ order_class: 'bracket', qty: 1.5, take_profit: { limit_price: 120 }, stop_loss: { stop_price: 90 } }))).toMatch(/whole-share/);
    expect(refusal(req({ take_profit: { limit_price: 120 } }))).toMatch(/need order_class/);
  });

  it('requestOf: an order as the request that would create it, so a replacement is checked by the same rules', () => {
    const o = (x: Partial<Order>) => ({ symbol: 'X', side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'c', qty: 2, limit_price: null, stop_price: null, trail_price: null, trail_percent: null, order_class: 'simple', ...x }) as Order;
    expect(requestOf(o({ type: 'stop', stop_price: 10 }))).toEqual({ symbol: 'X', side: 'buy', type: 'stop', time_in_force: 'day', client_order_id: 'c', qty: 2, stop_price: 10 });
    // The two review findings: POST refuses these, so a patched order showing them is refused too.
    expect(refusal(requestOf(o({ type: 'stop', stop_price: 10, time_in_force: 'opg' })))).toBe('validation: time_in_force opg is for market and limit orders only');
    expect(refusal(requestOf(o({ type: 'trailing_stop', trail_percent: 100 })))).toBe('validation: trail_percent must be between 0 and 100');
    expect(requestOf(o({ qty: 0, notional: 50 }))).toMatchObject({ notional: 50 });
    expect(requestOf(o({ qty: 0, notional: 50 }))).not.toHaveProperty('qty');
    // A bracket parent carries its legs' current prices; a leg is a plain order.
    const tp = o({ id: 'tp', side: 'sell', type: 'limit', limit_price: 120, order_class: 'bracket', parent_id: 'p', leg_role: 'take_profit' });
    const sl = o({ id: 'sl', side: 'sell', type: 'stop_limit', stop_price: 90, limit_price: 89, order_class: 'bracket', parent_id: 'p', leg_role: 'stop_loss' });
    const parent = o({ id: 'p', order_class: 'bracket', time_in_force: 'gtc', leg_ids: ['tp', 'sl'] });
    expect(requestOf(parent, [tp, sl])).toMatchObject({ order_class: 'bracket', take_profit: { limit_price: 120 }, stop_loss: { stop_price: 90, limit_price: 89 } });
    expect(refusal(requestOf(parent, [tp, sl]))).toBe('ok');
    expect(refusal(requestOf({ ...parent, time_in_force: 'opg' }, [tp, sl]))).toBe('validation: bracket orders must be day or gtc');
    expect(requestOf(sl)).not.toHaveProperty('order_class');
    expect(refusal(requestOf(sl))).toBe('ok');
    // An OCO parent is its own take-profit.
    const oco = o({ id: 'q', side: 'sell', type: 'limit', limit_price: 120, order_class: 'oco', time_in_force: 'gtc' });
    expect(refusal(requestOf(oco, [{ ...sl, limit_price: null, type: 'stop', order_class: 'oco' }]))).toBe('ok');
  });

  it('claims and credits: what an open order holds of buying power, per share at the last price or fixed', () => {
    const terms = { slippage: 0.001, commissionPerShare: 0.005, commissionMin: 1 };
    const o = (x: Partial<Order>) => ({ symbol: 'X', side: 'buy', type: 'market', qty: 100, ...x }) as Order;
    expect(commissionFor(100, terms)).toBe(1);
    expect(commissionFor(1000, terms)).toBe(5);
    expect(commissionFor(100, { ...terms, commissionPerShare: 0 })).toBe(0);
    expect(buyClaim(o({}), terms)).toEqual({ symbol: 'X', units: 100.1, fixed: 1 });
    expect(buyClaim(o({ type: 'limit', limit_price: 50 }), terms)).toEqual({ symbol: 'X', units: 0, fixed: 5001 });
    expect(buyClaim(o({ qty: 0, notional: 500 }), terms)).toEqual({ symbol: 'X', units: 0, fixed: 501 });
    expect(sellCredit(o({ side: 'sell' }), terms)).toEqual({ symbol: 'X', units: 99.9, fixed: -1 });
    expect(sellCredit(o({ side: 'sell', type: 'limit', limit_price: 50 }), terms)).toBeNull();
  });
});
