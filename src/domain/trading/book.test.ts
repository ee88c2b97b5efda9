import { describe, expect, it } from 'vitest';
import { Book } from './book.ts';
import type { LedgerEvent } from './ledger-events.ts';
import type { Order } from './types.ts';

const T = '2017-11-08T17:00:00.000-05:00';
const order = (o: Partial<Order> & { id: string }): Order => ({
  client_order_id: o.id,
  symbol: 'X',
  side: 'buy',
  type: 'market',
  time_in_force: 'gtc',
  qty: 10,
  filled_qty: 0,
  filled_avg_price: null,
  status: 'accepted',
  created_at: T,
  submitted_at: T,
  updated_at: T,
  filled_at: null,
  expired_at: null,
  canceled_at: null,
  commission: 0,
  ...o,
});
const fold = (events: LedgerEvent[]) => {
  const b = new Book();
  b.apply({ type: 'opened', at: T, accountId: 'a', cash: 10_000, multiplier: 1 });
  for (const e of events) b.apply(e);
  return b;
};

describe('Book', () => {
  it('a bracket: legs held until the entry fills, then live; one leg filling cancels the other; shares promised once', () => {
    const parent = order({ id: 'p', order_class: 'bracket', leg_ids: ['tp', 'sl'] });
    const tp = order({ id: 'tp', side: 'sell', type: 'limit', limit_price: 120, status: 'held', parent_id: 'p', leg_role: 'take_profit', order_class: 'bracket' });
    const sl = order({ id: 'sl', side: 'sell', type: 'stop', stop_price: 90, status: 'held', parent_id: 'p', leg_role: 'stop_loss', order_class: 'bracket' });
    const b = fold([{ type: 'submitted', at: T, order: parent, legs: [tp, sl] }]);
    expect(b.promisedShares('X')).toBe(0);
    b.apply({ type: 'filled', at: T, orderId: 'p', qty: 10, price: 100, commission: 0 });
    expect([b.orders.get('tp')?.status, b.orders.get('sl')?.status]).toEqual(['new', 'new']);
    expect(b.promisedShares('X')).toBe(10); // the pair promises the 10 shares once
    expect(b.availableQty('X')).toBe(0);
    b.apply({ type: 'filled', at: T, orderId: 'sl', qty: 10, price: 90, commission: 0 });
    expect(b.orders.get('tp')?.status).toBe('canceled');
    expect(b.open.size).toBe(0);
    expect(b.holdings.has('X')).toBe(false);
    expect(b.promisedShares('X')).toBe(0);
  });

  it('canceling a bracket entry cancels its held legs', () => {
    const b = fold([{ type: 'submitted', at: T, order: order({ id: 'p', order_class: 'bracket', leg_ids: ['tp'] }), legs: [order({ id: 'tp', side: 'sell', status: 'held', parent_id: 'p', leg_role: 'take_profit' })] }]);
    b.apply({ type: 'canceled', at: T, orderId: 'p' });
    expect(b.orders.get('tp')?.status).toBe('canceled');
    expect(b.open.size).toBe(0);
  });

  it('replace: the old order is replaced, the new one takes its place (and its promise of shares)', () => {
    const b = fold([
      { type: 'submitted', at: T, order: order({ id: 'buy' }) },
      { type: 'filled', at: T, orderId: 'buy', qty: 10, price: 100, commission: 0 },
      { type: 'submitted', at: T, order: order({ id: 's1', side: 'sell', type: 'limit', limit_price: 110, qty: 4 }) },
    ]);
    expect(b.availableQty('X')).toBe(6);
    b.apply({ type: 'replaced', at: T, orderId: 's1', order: order({ id: 's2', side: 'sell', type: 'limit', limit_price: 111, qty: 7, replaces: 's1' }) });
    expect(b.orders.get('s1')).toMatchObject({ status: 'replaced', replaced_by: 's2' });
    expect(b.availableQty('X')).toBe(3);
    expect([...b.open]).toEqual(['s2']);
  });

  it('a notional buy records the shares it got', () => {
    const b = fold([{ type: 'submitted', at: T, order: order({ id: 'n', qty: 0, notional: 1000 }) }]);
    b.apply({ type: 'filled', at: T, orderId: 'n', qty: 9.900990099, price: 101, commission: 0 });
    expect(b.orders.get('n')).toMatchObject({ qty: 9.900990099, filled_qty: 9.900990099, status: 'filled' });
    expect(b.fillLog).toHaveLength(1);
  });
});
