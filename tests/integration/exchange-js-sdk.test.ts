/**
 * Conformance of `arena exchange` with the official JS SDK v4 (@alpacahq/alpaca-trade-api): the
 * SDK's typed methods (its models, its typed errors, its pagination helpers) against the exchange
 * over HTTP, on a replay clock walked through a few sessions of the bundled data.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Alpaca, AuthError, NotFoundError, PermissionError, TimeFrame, ValidationError } from '@alpacahq/alpaca-trade-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nyDateTime, ReplayClock } from '../../src/adapters/clock.ts';
import { sampleMarketData } from '../../src/adapters/market/csv.ts';
import { InMemoryMarketData } from '../../src/adapters/market/memory.ts';
import type { Bar } from '../../src/domain/market/types.ts';
import { startAlpacaExchange, type AlpacaExchange } from '../../src/sim/alpaca/server.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The SDK has no base-URL option: a fetch that sends Alpaca's hosts to the exchange (as src/adapters/broker/alpaca.ts does). */
function sdk(url: string, keyId: string, secret: string): Alpaca {
  const fetchApi: typeof fetch = (input, init) => {
    const u = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    return fetch(u.replace('https://paper-api.alpaca.markets', url).replace('https://data.alpaca.markets', url), init);
  };
  return new Alpaca({ keyId, secret, paper: true, retry: false, rateLimit: false, fetchApi });
}

async function errorOf(p: Promise<unknown>): Promise<{ status: number; code: number | undefined; message: string; err: unknown }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!err) throw new Error('expected the call to fail');
  const e = err as { status: number; code?: number; message: string };
  return { status: e.status, code: e.code, message: e.message, err };
}

describe('arena exchange with the JS SDK v4', () => {
  let ex: AlpacaExchange;
  let market: InMemoryMarketData;
  let a: Alpaca;
  const clock = new ReplayClock({ start: nyDateTime('2017-11-08', '16:30') });
  const bar = (s: string, d: string) => market.bar(s, d) as Bar;

  beforeAll(async () => {
    const src = sampleMarketData();
    const series = new Map<string, Bar[]>();
    for (const s of ['AAPL', 'GOOGL', 'MSFT', 'SPX']) series.set(s, (await src.daily({ symbol: s, asOf: '2017-12-31' })).bars);
    market = new InMemoryMarketData('sample', series);
    ex = await startAlpacaExchange({ market, clock, stateDir: mkdtempSync(path.join(tmpdir(), 'arena-js-')), terms: { slippageBps: 0 } });
    a = sdk(ex.url, 'PKJSSDK01', 'js-sdk-secret-0123');
  });
  afterAll(async () => {
    await ex?.close();
  });

  it('account, configurations, clock, calendar and assets', async () => {
    const acct = await a.trading.account.getAccount();
    expect(acct.id).toMatch(UUID);
    expect(acct).toMatchObject({ status: 'ACTIVE', cash: '100000', equity: '100000', lastEquity: '100000', buyingPower: '100000' });
    const cfg = await a.trading.accountConfigurations.getAccountConfig();
    expect(cfg).toMatchObject({ fractionalTrading: true, noShorting: true, tradeConfirmEmail: 'all' });
    expect(await a.trading.accountConfigurations.patchAccountConfig({ accountConfigurations: { tradeConfirmEmail: 'none' } })).toMatchObject({ tradeConfirmEmail: 'none', fractionalTrading: true });
    const c = await a.trading.clock.legacyClock();
    expect(c.isOpen).toBe(false);
    expect(new Date(c.nextOpen).getTime()).toBe(nyDateTime('2017-11-09', '09:30').toMillis());
    // The JS SDK sends start/end as full ISO timestamps.
    const week = await a.trading.calendar.legacyCalendar({ start: new Date('2017-11-20T00:00:00Z'), end: new Date('2017-11-24T00:00:00Z') });
    expect(week.map((d) => [new Date(d.date).toISOString().slice(0, 10), d.open, d.close])).toEqual([
      ['2017-11-20', '09:30', '16:00'],
      ['2017-11-21', '09:30', '16:00'],
      ['2017-11-22', '09:30', '16:00'],
      ['2017-11-24', '09:30', '13:00'],
    ]);
    const assets = await a.trading.assets.getV2Assets({ status: 'active' });
    expect(assets.map((x) => x.symbol)).toEqual(['AAPL', 'GOOGL', 'MSFT', 'SPX']);
    const aapl = await a.trading.assets.getV2AssetsSymbolOrAssetId({ symbolOrAssetId: 'AAPL' });
    expect(aapl.id).toMatch(UUID);
    expect((await errorOf(a.trading.assets.getV2AssetsSymbolOrAssetId({ symbolOrAssetId: 'NOPE' }))).err).toBeInstanceOf(NotFoundError);
  });

  it('a burst of 40 concurrent orders without client_order_id: all accepted, all ids distinct', async () => {
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => a.trading.orders.market({ symbol: 'MSFT', qty: 1, side: 'buy' })));
    const ok = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(ok.length).toBe(40);
    expect(new Set(ok.map((o) => o.clientOrderId)).size).toBe(40);
    expect(new Set(ok.map((o) => o.id)).size).toBe(40);
    expect(ok.every((o) => o.status === 'accepted' && UUID.test(o.clientOrderId as string))).toBe(true);
  });

  it('order types, typed errors, replace, cancel, filters, closes, history, activities', { timeout: 60_000 }, async () => {
    const t = a.trading.orders;
    const notional = await t.market({ symbol: 'GOOGL', notional: '500.25', side: 'buy', clientOrderId: 'js-notional' });
    expect(notional).toMatchObject({ notional: '500.25', status: 'accepted', type: 'market' });
    expect(notional.qty ?? null).toBeNull();
    const limit = await t.limit({ symbol: 'AAPL', qty: 4, side: 'buy', limitPrice: '174', timeInForce: 'gtc', clientOrderId: 'js-limit' });
    expect(limit).toMatchObject({ type: 'limit', limitPrice: '174', qty: '4' });
    await t.stop({ symbol: 'AAPL', qty: 1, side: 'buy', stopPrice: '176', clientOrderId: 'js-stop' });
    await t.stopLimit({ symbol: 'AAPL', qty: 1, side: 'buy', stopPrice: '176', limitPrice: '176.5', timeInForce: 'gtc', clientOrderId: 'js-stoplimit' });
    const bracket = await t.bracket({ symbol: 'AAPL', qty: 2, side: 'buy', timeInForce: 'gtc', takeProfit: { limitPrice: '185' }, stopLoss: { stopPrice: '165', limitPrice: '164.5' }, clientOrderId: 'js-bracket' });
    expect(bracket.orderClass).toBe('bracket');
    expect(bracket.legs?.map((l) => [l.type, l.status])).toEqual([
      ['limit', 'held'],
      ['stop_limit', 'held'],
    ]);
    const oto = await t.oto({ symbol: 'AAPL', qty: 1, side: 'buy', timeInForce: 'day', stopLoss: { stopPrice: '160' }, clientOrderId: 'js-oto' });
    expect(oto.legs?.length).toBe(1);

    const frac = await errorOf(t.market({ symbol: 'AAPL', qty: '0.5', side: 'buy', timeInForce: 'gtc' }));
    expect(frac.err).toBeInstanceOf(ValidationError);
    expect(frac).toMatchObject({ status: 422, code: 40010001 });
    const poor = await errorOf(t.market({ symbol: 'GOOGL', qty: 1000, side: 'buy' }));
    expect(poor.err).toBeInstanceOf(PermissionError);
    expect(poor).toMatchObject({ status: 403, code: 40310000 });
    expect((await errorOf(t.getOrderByOrderID({ orderId: '00000000-0000-4000-8000-000000000000' }))).err).toBeInstanceOf(NotFoundError);
    const short = await errorOf(t.oco({ symbol: 'AAPL', qty: 1, side: 'sell', takeProfit: { limitPrice: '190' }, stopLoss: { stopPrice: '160' } }));
    expect(short).toMatchObject({ status: 403, code: 40310000 });

    // ---- 11-09 10:00: the bracket's entry filled at the open; its legs are live.
    clock.advanceTo(nyDateTime('2017-11-09', '10:00'));
    const open9 = bar('AAPL', '2017-11-09').open as number;
    const parent = await t.getOrderByOrderID({ orderId: bracket.id as string, nested: true });
    expect(parent).toMatchObject({ status: 'filled', filledAvgPrice: String(open9) });
    expect(parent.legs?.map((l) => l.status)).toEqual(['new', 'new']);
    // OCO on shares already held: a take-profit limit with a stop-loss leg.
    const oco = await t.oco({ symbol: 'MSFT', qty: 10, side: 'sell', timeInForce: 'gtc', takeProfit: { limitPrice: '90' }, stopLoss: { stopPrice: '80' }, clientOrderId: 'js-oco' });
    expect(oco).toMatchObject({ orderClass: 'oco', type: 'limit', limitPrice: '90' });
    expect(oco.legs?.map((l) => [l.type, l.stopPrice])).toEqual([['stop', '80']]);

    const replaced = await t.patchOrderByOrderId({ orderId: limit.id as string, patchOrderRequest: { qty: '3', limitPrice: '174.25', clientOrderId: 'js-limit-2' } });
    expect(replaced).toMatchObject({ replaces: limit.id, qty: '3', limitPrice: '174.25', clientOrderId: 'js-limit-2' });
    expect(await t.getOrderByClientOrderId({ clientOrderId: 'js-limit' })).toMatchObject({ status: 'replaced', replacedBy: replaced.id });

    await t.deleteOrderByOrderID({ orderId: (await t.getOrderByClientOrderId({ clientOrderId: 'js-stop' })).id as string });
    const again = await errorOf(t.deleteOrderByOrderID({ orderId: (await t.getOrderByClientOrderId({ clientOrderId: 'js-stop' })).id as string }));
    expect(again).toMatchObject({ status: 422 });

    // Filters: the JS SDK sends after/until verbatim and nested=true in lower case.
    const since = await t.getAllOrders({ status: 'all', after: '2017-11-09T14:00:00Z', limit: 500 });
    expect(since.map((o) => o.clientOrderId).sort()).toEqual(['js-limit-2', 'js-oco', 'js-oco:stop_loss']);
    // nested=true rolls a leg up only under a parent the same query lists: the buy brackets' sell legs are listed themselves, the OCO's leg under it.
    const sells = await t.getAllOrders({ status: 'all', side: 'sell', nested: true, limit: 500 });
    expect(sells.map((o) => o.clientOrderId).sort()).toEqual(['js-bracket:stop_loss', 'js-bracket:take_profit', 'js-oco', 'js-oto:stop_loss']);
    expect(sells.find((o) => o.clientOrderId === 'js-oco')?.legs?.map((l) => l.clientOrderId)).toEqual(['js-oco:stop_loss']);
    const msft = await t.getAllOrders({ status: 'all', symbols: 'MSFT', limit: 500, direction: 'asc' });
    expect(msft.length).toBe(42); // the burst, the OCO and its leg
    expect(msft.every((o) => o.symbol === 'MSFT')).toBe(true);

    const p = a.trading.positions;
    const positions = await p.getAllOpenPositions();
    expect(positions.map((x) => x.symbol)).toEqual(['AAPL', 'GOOGL', 'MSFT']);
    expect(positions.find((x) => x.symbol === 'AAPL')).toMatchObject({ qty: '3', currentPrice: String(open9), side: 'long', exchange: 'NASDAQ', assetClass: 'us_equity' });
    const half = await p.deleteOpenPosition({ symbolOrAssetId: 'MSFT', percentage: 50 });
    expect(half).toMatchObject({ side: 'sell', qty: '20' }); // 50% of the 40 shares (30 are free: 10 are promised to the OCO)
    const two = await p.deleteOpenPosition({ symbolOrAssetId: 'MSFT', qty: 2 });
    expect(two.qty).toBe('2');

    // ---- 11-10 16:30: the closes filled at the open.
    clock.advanceTo(nyDateTime('2017-11-10', '16:30'));
    expect((await p.getOpenPosition({ symbolOrAssetId: 'MSFT' })).qty).toBe('18');
    const history = await a.trading.portfolioHistory.getAccountPortfolioHistory({ period: '1W', timeframe: '1D' });
    expect(history.timeframe).toBe('1D');
    expect(history.timestamp?.length).toBe(2);
    expect(history.equity?.length).toBe(2);
    const fills = await a.trading.collectActivities({ activityTypes: ['FILL'], pageSize: 2 });
    const wantFills = (await t.getAllOrders({ status: 'closed', limit: 500 })).filter((o) => o.status === 'filled').length;
    expect(fills.length).toBe(wantFills);
    expect(new Set(fills.map((f) => f.id)).size).toBe(fills.length);

    const open = await t.getAllOrders({ status: 'open', limit: 500 });
    const clientId = new Map(open.map((o) => [o.id, o.clientOrderId]));
    const canceled = await t.deleteAllOrders();
    // One cancel per open order or OCO group (canceling a take-profit leg cancels its stop-loss sibling).
    expect(canceled.map((x) => clientId.get(x.id as string)).sort()).toEqual(['js-bracket:take_profit', 'js-limit-2', 'js-oco']);
    expect(await t.getAllOrders({ status: 'open', limit: 500 })).toEqual([]);
    expect(canceled.every((x) => UUID.test(x.id as string) && x.status === 200)).toBe(true);
    const closed = await p.deleteAllOpenPositions({ cancelOrders: true });
    expect(closed.map((x) => [x.symbol, x.status])).toEqual([
      ['AAPL', 200],
      ['GOOGL', 200],
      ['MSFT', 200],
    ]);
  });

  it('market data: bars across pages (collect helper), latest bars and trades, never past the clock', async () => {
    clock.advanceTo(nyDateTime('2017-11-13', '10:00'));
    const symbols = ['AAPL', 'GOOGL', 'MSFT', 'SPX'];
    const bars = await a.marketData.collectStockBarsBySymbol({ symbols, timeframe: TimeFrame.Day, start: new Date('2000-01-01T00:00:00Z'), limit: 10_000 });
    const want = symbols.map((s) => market.bars(s).filter((b) => b.date >= '2000-01-01' && b.date <= '2017-11-10').length);
    expect(symbols.map((s) => bars[s]?.length)).toEqual(want);
    expect(String(bars.AAPL?.at(-1)?.t)).toBe('2017-11-10T05:00:00Z');
    const latest = await a.marketData.stocks.stockLatestBars({ symbols: 'AAPL,GOOGL' });
    expect(Object.keys(latest.bars ?? {}).sort()).toEqual(['AAPL', 'GOOGL']);
    expect(latest.bars?.AAPL?.c).toBe(bar('AAPL', '2017-11-10').close);
    const trades = await a.marketData.stocks.stockLatestTrades({ symbols: 'AAPL' });
    expect(trades.trades?.AAPL?.p).toBe(bar('AAPL', '2017-11-13').open);
  });

  it('bad keys: the trading API answers 401 (AuthError), the data API 403 (PermissionError), as Alpaca does', async () => {
    const guarded = await startAlpacaExchange({ market, clock, stateDir: mkdtempSync(path.join(tmpdir(), 'arena-js-keys-')), accounts: [{ key_id: 'PKJSKEYS', secret_key: 'the-right-secret' }] });
    try {
      const wrong = sdk(guarded.url, 'PKJSKEYS', 'not-the-secret');
      const trading = await errorOf(wrong.trading.account.getAccount());
      expect(trading.err).toBeInstanceOf(AuthError);
      expect(trading.status).toBe(401);
      const data = await errorOf(wrong.marketData.stocks.stockLatestTrades({ symbols: 'AAPL' }));
      expect(data.err).toBeInstanceOf(PermissionError);
      expect(data.status).toBe(403);
      expect((await sdk(guarded.url, 'PKJSKEYS', 'the-right-secret').trading.account.getAccount()).status).toBe('ACTIVE');
    } finally {
      await guarded.close();
    }
  });
});
