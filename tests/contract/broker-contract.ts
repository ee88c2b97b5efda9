/**
 * One contract for every Broker adapter: the local paper engine in-process, and the Alpaca adapter
 * (official SDK) against `arena exchange` over real HTTP. Both run on a replay clock over the
 * bundled data, so fills and prices are known.
 */
import { describe, expect, it } from 'vitest';
import { nyDateTime, type ReplayClock } from '../../src/adapters/clock.ts';
import { BrokerError } from '../../src/domain/trading/errors.ts';

import type { InMemoryMarketData } from '../../src/adapters/market/memory.ts';
import type { Broker } from '../../src/ports.ts';

export interface ContractHarness {
  broker: Broker;
  clock: ReplayClock;
  market: InMemoryMarketData;
  close(): Promise<void>;
}

const kindOf = async (p: Promise<unknown>): Promise<string> => {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(BrokerError);
  return (err as BrokerError).kind;
};

/** `make` opens a fresh account at 2017-11-08 16:30 New York (after the close) with $100,000. */
export function brokerContract(name: string, make: () => Promise<ContractHarness>): void {
  describe(`Broker contract: ${name}`, () => {
    it('a fresh account: cash, equity and buying power of the starting cash; clock closed after hours', async () => {
      const h = await make();
      const a = await h.broker.account();
      expect(a.cash).toBe(100_000);
      expect(a.equity).toBe(100_000);
      expect(a.buying_power).toBe(100_000);
      const c = await h.broker.clock();
      expect(c.is_open).toBe(false);
      expect(c.next_open.startsWith('2017-11-09T09:30:00')).toBe(true);
      await h.close();
    });

    it('a market order after the close is accepted, found by client_order_id, fills at the next open with slippage', { timeout: 30_000 }, async () => {
      const h = await make();
      const o = await h.broker.submitOrder({ symbol: 'MSFT', qty: 10, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: `${name}-buy-1` });
      expect(o.status).toBe('accepted');
      expect(o.qty).toBe(10);
      expect((await h.broker.orderByClientOrderId(`${name}-buy-1`))?.id).toBe(o.id);
      expect(await h.broker.orderByClientOrderId('never-sent')).toBeNull();
      expect(await kindOf(h.broker.submitOrder({ symbol: 'MSFT', qty: 1, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: `${name}-buy-1` }))).toBe('duplicate_client_order_id');

      h.clock.advanceTo(nyDateTime('2017-11-09', '10:00'));
      const filled = await h.broker.orderByClientOrderId(`${name}-buy-1`);
      const open = h.market.bar('MSFT', '2017-11-09')?.open as number;
      expect(filled?.status).toBe('filled');
      expect(filled?.filled_qty).toBe(10);
      expect(filled?.filled_avg_price).toBeCloseTo(open * 1.0005, 4);
      const pos = await h.broker.position('MSFT');
      expect(pos?.qty).toBe(10);
      expect(pos?.avg_entry_price).toBeCloseTo(open * 1.0005, 4);
      const a = await h.broker.account();
      expect(a.cash).toBeCloseTo(100_000 - 10 * open * 1.0005, 1);
      expect((await h.broker.positions()).map((p) => p.symbol)).toEqual(['MSFT']);
      await h.close();
    });

    it('refuses what the account cannot do: buying power, quantity, missing positions', async () => {
      const h = await make();
      expect(await kindOf(h.broker.submitOrder({ symbol: 'GOOGL', qty: 1000, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: `${name}-big` }))).toBe('insufficient_buying_power');
      expect(await kindOf(h.broker.submitOrder({ symbol: 'AAPL', qty: 5, side: 'sell', type: 'market', time_in_force: 'day', client_order_id: `${name}-short` }))).toBe('insufficient_qty');
      expect(await h.broker.position('AAPL')).toBeNull();
      expect(await kindOf(h.broker.closePosition('AAPL'))).toBe('position_not_found');
      // Nothing refused was recorded.
      expect(await h.broker.orders({ status: 'all' })).toEqual([]);
      await h.close();
    });

    it('lists and cancels open orders; a filled or canceled order cannot be canceled again', async () => {
      const h = await make();
      const a = await h.broker.submitOrder({ symbol: 'AAPL', qty: 3, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: `${name}-a` });
      const b = await h.broker.submitOrder({ symbol: 'GOOGL', qty: 1, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: `${name}-b` });
      expect((await h.broker.orders({ status: 'open', direction: 'asc' })).map((o) => o.client_order_id)).toEqual([`${name}-a`, `${name}-b`]);
      await h.broker.cancelOrder(a.id);
      expect((await h.broker.orderByClientOrderId(`${name}-a`))?.status).toBe('canceled');
      expect(await kindOf(h.broker.cancelOrder(a.id))).toBe('not_cancelable');
      const all = await h.broker.cancelAllOrders();
      expect(all.map((x) => x.id)).toEqual([b.id]);
      expect(await h.broker.orders({ status: 'open' })).toEqual([]);
      expect((await h.broker.orders({ status: 'closed' })).length).toBe(2);
      await h.close();
    });

    it('closing a position sells all of it at the next open', { timeout: 30_000 }, async () => {
      const h = await make();
      await h.broker.submitOrder({ symbol: 'AAPL', qty: 4, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: `${name}-c1` });
      h.clock.advanceTo(nyDateTime('2017-11-09', '16:30'));
      const close = await h.broker.closePosition('AAPL');
      expect(close.side).toBe('sell');
      expect(close.qty).toBe(4);
      h.clock.advanceTo(nyDateTime('2017-11-10', '10:00'));
      expect(await h.broker.position('AAPL')).toBeNull();
      const acct = await h.broker.account();
      expect(acct.long_market_value).toBe(0);
      await h.close();
    });

    it('limit and notional orders, a sale funding a buy at the same open, a partial close', { timeout: 30_000 }, async () => {
      const h = await make();
      // A limit buy under the next open, reached by the day's low: filled at the limit, known at the close.
      const day = h.market.bar('AAPL', '2017-11-09') as { open: number; low: number };
      const limit = Math.round((day.low + 0.01) * 100) / 100;
      expect(limit).toBeLessThan(day.open);
      await h.broker.submitOrder({ symbol: 'AAPL', qty: 500, side: 'buy', type: 'limit', limit_price: limit, time_in_force: 'day', client_order_id: `${name}-lim` });
      const notional = await h.broker.submitOrder({ symbol: 'GOOGL', notional: 5000, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: `${name}-usd` });
      expect(notional.qty).toBe(0);
      h.clock.advanceTo(nyDateTime('2017-11-09', '12:00'));
      expect((await h.broker.orderByClientOrderId(`${name}-lim`))?.status).toBe('new');
      expect((await h.broker.orderByClientOrderId(`${name}-usd`))?.filled_qty).toBeCloseTo(5000 / (((h.market.bar('GOOGL', '2017-11-09') as { open: number }).open) * 1.0005), 6);
      h.clock.advanceTo(nyDateTime('2017-11-09', '16:30'));
      const lim = await h.broker.orderByClientOrderId(`${name}-lim`);
      expect(lim).toMatchObject({ status: 'filled', filled_avg_price: limit, filled_qty: 500 });
      // Almost all cash is in AAPL now: selling it funds buying MSFT at the same open.
      const cash = (await h.broker.account()).cash;
      const msft = (h.market.bar('MSFT', '2017-11-09') as { close: number }).close;
      const qty = Math.floor((cash + 450 * day.low) / msft / 1.01);
      expect(qty * msft).toBeGreaterThan(cash * 2);
      await h.broker.submitOrder({ symbol: 'AAPL', qty: 450, side: 'sell', type: 'market', time_in_force: 'day', client_order_id: `${name}-fund` });
      await h.broker.submitOrder({ symbol: 'MSFT', qty, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: `${name}-buy` });
      h.clock.advanceTo(nyDateTime('2017-11-10', '10:00'));
      expect((await h.broker.orderByClientOrderId(`${name}-fund`))?.status).toBe('filled');
      expect((await h.broker.orderByClientOrderId(`${name}-buy`))?.status).toBe('filled');
      expect((await h.broker.account()).cash).toBeGreaterThan(0);
      const part = await h.broker.closePosition('AAPL', `${name}-part`, { qty: 4 });
      expect(part).toMatchObject({ side: 'sell', qty: 4 });
      await h.close();
    });
  });
}
