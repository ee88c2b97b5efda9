import { describe, expect, it } from 'vitest';
import type { Bar } from '../market/types.ts';
import { atAuction, hwmAfter, trailingStopPrice } from './fill-model.ts';
import type { Order } from './types.ts';

const bar: Bar = { date: '2017-11-09', open: 100, high: 110, low: 90, close: 105, volume: 1000 };
const order = (o: Partial<Order>): Order => ({
  id: 'o',
  client_order_id: 'c',
  symbol: 'X',
  side: 'buy',
  type: 'market',
  time_in_force: 'day',
  qty: 1,
  filled_qty: 0,
  filled_avg_price: null,
  status: 'new',
  created_at: '',
  submitted_at: '',
  updated_at: '',
  filled_at: null,
  expired_at: null,
  canceled_at: null,
  commission: 0,
  ...o,
});
const open = { auction: 'open' as const, bar, liveSinceOpen: false, slippage: 0.001 };
const closeAllDay = { auction: 'close' as const, bar, liveSinceOpen: true, slippage: 0.001 };
const closeOnly = { auction: 'close' as const, bar, liveSinceOpen: false, slippage: 0.001 };

describe('fill model on daily bars', () => {
  it('market: the open (placed before it) or the close, with slippage against the trader', () => {
    expect(atAuction(order({}), open)).toEqual({ kind: 'fill', price: 100 * 1.001 });
    expect(atAuction(order({ side: 'sell' }), closeOnly)).toEqual({ kind: 'fill', price: 105 * 0.999 });
  });

  it('limit buy: at the open when the open is at or under the limit (never above it); on the day low at the limit; placed in session only the close counts', () => {
    expect(atAuction(order({ type: 'limit', limit_price: 100.05 }), open)).toEqual({ kind: 'fill', price: 100.05 }); // open + slippage capped at the limit
    expect(atAuction(order({ type: 'limit', limit_price: 101 }), open)).toEqual({ kind: 'fill', price: 100 * 1.001 });
    expect(atAuction(order({ type: 'limit', limit_price: 95 }), open)).toEqual({ kind: 'none' });
    expect(atAuction(order({ type: 'limit', limit_price: 95 }), closeAllDay)).toEqual({ kind: 'fill', price: 95 });
    expect(atAuction(order({ type: 'limit', limit_price: 89 }), closeAllDay)).toEqual({ kind: 'none' });
    // Placed during the session: the low may have come before it; only the close is known to be after.
    expect(atAuction(order({ type: 'limit', limit_price: 95 }), closeOnly)).toEqual({ kind: 'none' });
    expect(atAuction(order({ type: 'limit', limit_price: 106 }), closeOnly)).toEqual({ kind: 'fill', price: 105 * 1.001 });
  });

  it('limit sell mirrors it with the high', () => {
    expect(atAuction(order({ side: 'sell', type: 'limit', limit_price: 99 }), open)).toEqual({ kind: 'fill', price: 100 * 0.999 });
    expect(atAuction(order({ side: 'sell', type: 'limit', limit_price: 108 }), open)).toEqual({ kind: 'none' });
    expect(atAuction(order({ side: 'sell', type: 'limit', limit_price: 108 }), closeAllDay)).toEqual({ kind: 'fill', price: 108 });
  });

  it('stops: gapped through at the open fill at the open; reached during the day fill at the stop; with slippage', () => {
    expect(atAuction(order({ type: 'stop', stop_price: 98 }), open)).toEqual({ kind: 'fill', price: 100 * 1.001 });
    expect(atAuction(order({ type: 'stop', stop_price: 108 }), open)).toEqual({ kind: 'none' });
    expect(atAuction(order({ type: 'stop', stop_price: 108 }), closeAllDay)).toEqual({ kind: 'fill', price: 108 * 1.001 });
    expect(atAuction(order({ side: 'sell', type: 'stop', stop_price: 92 }), closeAllDay)).toEqual({ kind: 'fill', price: 92 * 0.999 });
    expect(atAuction(order({ side: 'sell', type: 'stop', stop_price: 89 }), closeAllDay)).toEqual({ kind: 'none' });
  });

  it('stop-limit: triggers like a stop, fills only within the limit, else rests as a limit order', () => {
    expect(atAuction(order({ type: 'stop_limit', stop_price: 98, limit_price: 99 }), open)).toEqual({ kind: 'trigger' }); // open 100 > limit 99
    expect(atAuction(order({ type: 'stop_limit', stop_price: 108, limit_price: 109 }), closeAllDay)).toEqual({ kind: 'fill', price: 108 * 1.001 });
    expect(atAuction(order({ type: 'stop_limit', stop_price: 108, limit_price: 107 }), closeAllDay)).toEqual({ kind: 'trigger' });
    expect(atAuction(order({ type: 'stop_limit', stop_price: 98, limit_price: 99, triggered_at: 'x' }), closeAllDay)).toEqual({ kind: 'fill', price: 99 });
  });

  it('trailing stop: the stop follows the mark; the mark moves with the open and the day extreme', () => {
    const o = order({ side: 'sell', type: 'trailing_stop', trail_percent: 5 });
    expect(trailingStopPrice(o, 100)).toBeCloseTo(95, 10);
    expect(atAuction(o, open, 104)).toEqual({ kind: 'none' }); // stop 98.8 < open 100
    expect(atAuction(o, open, 106)).toEqual({ kind: 'fill', price: 100 * 0.999 }); // stop 100.7 >= open
    expect(hwmAfter(o, open, 99)).toBe(100);
    expect(hwmAfter(o, closeAllDay, 100)).toBe(110);
    expect(atAuction(o, closeAllDay, 100)).toEqual({ kind: 'fill', price: 95 * 0.999 }); // low 90 <= 95
    const byPrice = order({ side: 'buy', type: 'trailing_stop', trail_price: 3 });
    expect(trailingStopPrice(byPrice, 95)).toBe(98);
    expect(atAuction(byPrice, open, 95)).toEqual({ kind: 'fill', price: 100 * 1.001 });
  });

  it('an order live since the open sees the open first: a gap through its price fills at the open, not at a price the day never traded', () => {
    // A bracket whose entry filled at this open: its legs were live from the open, evaluated at the close.
    const gapDown = { ...closeAllDay, bar: { date: '2017-11-09', open: 90, high: 92, low: 88, close: 91, volume: 1000 } };
    expect(atAuction(order({ side: 'sell', type: 'stop', stop_price: 95 }), gapDown)).toEqual({ kind: 'fill', price: 90 * 0.999 });
    expect(atAuction(order({ type: 'limit', limit_price: 95 }), gapDown)).toEqual({ kind: 'fill', price: 90 * 1.001 });
    expect(atAuction(order({ side: 'sell', type: 'stop_limit', stop_price: 95, limit_price: 89 }), gapDown)).toEqual({ kind: 'fill', price: 90 * 0.999 });
    expect(atAuction(order({ side: 'sell', type: 'stop_limit', stop_price: 95, limit_price: 93 }), gapDown)).toEqual({ kind: 'trigger' }); // high 92 never reaches 93
    expect(atAuction(order({ side: 'sell', type: 'stop_limit', stop_price: 95, limit_price: 91.5 }), gapDown)).toEqual({ kind: 'fill', price: 91.5 });
    expect(atAuction(order({ side: 'sell', type: 'trailing_stop', trail_percent: 5 }), gapDown, 100)).toEqual({ kind: 'fill', price: 90 * 0.999 });
    // Without a gap the day's range decides, as before.
    expect(atAuction(order({ side: 'sell', type: 'stop', stop_price: 89 }), gapDown)).toEqual({ kind: 'fill', price: 89 * 0.999 });
  });

  it('a close-only series executes nothing at the open (its close is not known yet)', () => {
    const closeOnlyBar: Bar = { date: '2017-11-09', open: null, high: null, low: null, close: 50, volume: null };
    expect(atAuction(order({}), { ...open, bar: closeOnlyBar })).toEqual({ kind: 'none' });
    expect(atAuction(order({}), { ...closeAllDay, bar: closeOnlyBar })).toEqual({ kind: 'fill', price: 50 * 1.001 });
    expect(hwmAfter(order({ side: 'sell', type: 'trailing_stop', trail_percent: 1 }), { ...open, bar: closeOnlyBar }, 48)).toBe(48);
  });
});
