/**
 * Fairness: nothing dated after the clock is ever visible. The day under test (2017-11-09) has a
 * bar whose high, low, close and volume are sentinel numbers; the replay clock walks across it
 * (before the open, at the open, late in the session, after the close) and every endpoint that
 * carries a price is read as text: no sentinel may appear before the close, and the prices shown
 * are exactly the last close before the open, the open during the session, the close after it.
 * Orders placed before the open fill at the open; nothing fills on the day's high/low before the close.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nyDateTime, ReplayClock } from '../../adapters/clock.ts';
import { InMemoryMarketData } from '../../adapters/market/memory.ts';
import type { Bar } from '../../domain/market/types.ts';
import { startAlpacaExchange, type AlpacaExchange } from './server.ts';

const PREV: Bar = { date: '2017-11-08', open: 90, high: 96, low: 89, close: 95, volume: 1000 };
// The day's bar: only its open (100) may be known before the close.
const DAY: Bar & { open: number } = { date: '2017-11-09', open: 100, high: 177.1717, low: 33.3133, close: 133.1331, volume: 4242424 };
const SENTINELS = ['177.1717', '33.3133', '133.1331', '4242424'];
/** A close-only series: nothing of its day is known before the close. */
const CLOSE_ONLY: Bar = { date: '2017-11-09', open: null, high: null, low: null, close: 61.6161, volume: null };

const series = new Map<string, Bar[]>([
  [
    'TEST',
    [
      { date: '2017-11-06', open: 80, high: 82, low: 79, close: 81, volume: 1000 },
      { date: '2017-11-07', open: 85, high: 86, low: 84, close: 85.5, volume: 1000 },
      PREV,
      DAY,
      { date: '2017-11-10', open: 140, high: 141, low: 139, close: 140.5, volume: 1000 },
    ],
  ],
  [
    'CLOSEONLY',
    [
      { date: '2017-11-06', open: null, high: null, low: null, close: 49, volume: null },
      { date: '2017-11-07', open: null, high: null, low: null, close: 50, volume: null },
      { date: '2017-11-08', open: null, high: null, low: null, close: 52, volume: null },
      CLOSE_ONLY,
    ],
  ],
]);

describe('fairness: nothing dated after the clock is visible', () => {
  let ex: AlpacaExchange;
  const clock = new ReplayClock({ start: nyDateTime('2017-11-06', '16:30') });
  const h = { 'APCA-API-KEY-ID': 'PKFAIR', 'APCA-API-SECRET-KEY': 'fair-secret-1', 'content-type': 'application/json' };
  const get = async (p: string) => {
    const res = await fetch(`${ex.url}${p}`, { headers: h });
    expect(res.status, `${p}: ${res.status}`).toBe(200);
    return res.text();
  };
  const json = async <T = Record<string, unknown>>(p: string) => JSON.parse(await get(p)) as T;
  const post = async (body: unknown) => {
    const res = await fetch(`${ex.url}/v2/orders`, { method: 'POST', headers: h, body: JSON.stringify(body) });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as { id: string };
  };
  /** Every endpoint that carries a price or a quantity derived from one. */
  const PRICE_ENDPOINTS = [
    '/v2/stocks/bars?symbols=TEST,CLOSEONLY&timeframe=1Day&start=2017-11-01&end=2017-11-30',
    '/v2/stocks/TEST/bars?timeframe=1Day&start=2017-11-01&end=2017-11-30',
    '/v2/stocks/bars/latest?symbols=TEST,CLOSEONLY',
    '/v2/stocks/TEST/bars/latest',
    '/v2/stocks/trades/latest?symbols=TEST,CLOSEONLY',
    '/v2/stocks/TEST/trades/latest',
    '/v2/positions',
    '/v2/positions/TEST',
    '/v2/account',
    '/v2/account/portfolio/history?period=1W&timeframe=1D',
    '/v2/orders?status=all&limit=500',
    '/v2/account/activities',
  ];

  beforeAll(async () => {
    ex = await startAlpacaExchange({ market: new InMemoryMarketData('test', series), clock, stateDir: mkdtempSync(path.join(tmpdir(), 'arena-fair-')), terms: { slippageBps: 0 } });
    // A position held into the day: 10 TEST bought at the 11-07 open, 5 CLOSEONLY at the 11-07 close.
    await post({ symbol: 'TEST', qty: '10', side: 'buy', type: 'market', time_in_force: 'day' });
    await post({ symbol: 'CLOSEONLY', qty: '5', side: 'buy', type: 'market', time_in_force: 'day' });
    clock.advanceTo(nyDateTime('2017-11-08', '17:00'));
    // Orders for the day, placed the evening before.
    await post({ symbol: 'TEST', qty: '1', side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'mkt' });
    await post({ symbol: 'TEST', qty: '1', side: 'buy', type: 'limit', limit_price: '40', time_in_force: 'gtc', client_order_id: 'lim' });
    await post({ symbol: 'TEST', qty: '1', side: 'sell', type: 'stop', stop_price: '50', time_in_force: 'day', client_order_id: 'stp' });
    await post({ symbol: 'CLOSEONLY', qty: '1', side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'co-mkt' });
  });
  afterAll(async () => {
    await ex?.close();
  });

  const noSentinel = async () => {
    for (const p of PRICE_ENDPOINTS) {
      const text = await get(p);
      for (const s of SENTINELS) expect(text.includes(s), `${p} shows ${s} at ${clock.now().toISO()}: ${text.slice(0, 400)}`).toBe(false);
      expect(text.includes('61.6161'), `${p} shows the close-only close before the close`).toBe(false);
    }
  };
  const orderStatus = async (coid: string) => (await json<{ status: string; filled_avg_price: string | null }>(`/v2/orders:by_client_order_id?client_order_id=${coid}`));
  const markOf = async () => {
    const pos = await json<{ symbol: string; current_price: string; qty: string; market_value: string }[]>('/v2/positions');
    const acct = await json<{ equity: string; cash: string; long_market_value: string }>('/v2/account');
    return { pos: Object.fromEntries(pos.map((p) => [p.symbol, p])), acct };
  };

  it('before the open: no bar of the day; the latest trade is the last close; positions at the last close', async () => {
    clock.advanceTo(nyDateTime('2017-11-09', '08:00'));
    await noSentinel();
    const bars = await json<{ bars: Record<string, { t: string }[]> }>(PRICE_ENDPOINTS[0] as string);
    expect(bars.bars.TEST?.at(-1)?.t).toBe('2017-11-08T05:00:00Z');
    const trade = await json<{ trade: { p: number; t: string } }>('/v2/stocks/TEST/trades/latest');
    expect(trade.trade).toMatchObject({ p: PREV.close, t: '2017-11-08T21:00:00.000Z' });
    const { pos, acct } = await markOf();
    expect(pos.TEST?.current_price).toBe(String(PREV.close));
    expect(Number(acct.equity)).toBeCloseTo(Number(acct.cash) + 10 * PREV.close + 5 * 52, 6);
    expect((await orderStatus('mkt')).status).toBe('accepted');
  });

  it('at the open: the open is known (latest trade, marks, fills of orders placed before it), nothing else of the day', async () => {
    clock.advanceTo(nyDateTime('2017-11-09', '09:30'));
    await noSentinel();
    expect((await json<{ trade: { p: number; t: string } }>('/v2/stocks/TEST/trades/latest')).trade).toMatchObject({ p: DAY.open, t: '2017-11-09T14:30:00.000Z' });
    // The day's bar is not served while the session runs (its high/low/close/volume are not known).
    const latest = await json<{ bar: { t: string } }>('/v2/stocks/TEST/bars/latest');
    expect(latest.bar.t).toBe('2017-11-08T05:00:00Z');
    expect(await orderStatus('mkt')).toMatchObject({ status: 'filled', filled_avg_price: String(DAY.open) });
    const { pos, acct } = await markOf();
    expect(pos.TEST).toMatchObject({ current_price: String(DAY.open), qty: '11' });
    // CLOSEONLY has no open: it stays at the last close, and its market order waits for the close.
    expect(pos.CLOSEONLY?.current_price).toBe('52');
    expect((await orderStatus('co-mkt')).status).toBe('new');
    expect(Number(acct.long_market_value)).toBeCloseTo(11 * DAY.open + 5 * 52, 6);
  });

  it('late in the session: the low reached the limit and the stop, but nothing fills on it before the close', async () => {
    clock.advanceTo(nyDateTime('2017-11-09', '15:59'));
    await noSentinel();
    expect((await orderStatus('lim')).status).toBe('new');
    expect((await orderStatus('stp')).status).toBe('new');
  });

  it('after the close: the full bar, the close as the latest trade and the mark; the day fills', async () => {
    clock.advanceTo(nyDateTime('2017-11-09', '16:00'));
    const bars = await json<{ bars: Record<string, { t: string; h: number; l: number; c: number; v: number }[]> }>(PRICE_ENDPOINTS[0] as string);
    expect(bars.bars.TEST?.at(-1)).toMatchObject({ t: '2017-11-09T05:00:00Z', h: DAY.high, l: DAY.low, c: DAY.close, v: DAY.volume });
    expect(bars.bars.CLOSEONLY?.at(-1)).toMatchObject({ c: CLOSE_ONLY.close });
    expect((await json<{ trade: { p: number; t: string } }>('/v2/stocks/TEST/trades/latest')).trade).toMatchObject({ p: DAY.close, t: '2017-11-09T21:00:00.000Z' });
    expect(await orderStatus('lim')).toMatchObject({ status: 'filled', filled_avg_price: '40' });
    expect(await orderStatus('stp')).toMatchObject({ status: 'filled', filled_avg_price: '50' });
    expect(await orderStatus('co-mkt')).toMatchObject({ status: 'filled', filled_avg_price: String(CLOSE_ONLY.close) });
    const { pos, acct } = await markOf();
    expect(pos.TEST).toMatchObject({ current_price: String(DAY.close), qty: '11' });
    expect(Number(acct.long_market_value)).toBeCloseTo(11 * DAY.close + 6 * CLOSE_ONLY.close, 2); // account money is in cents
    const history = await json<{ timestamp: number[]; equity: number[] }>('/v2/account/portfolio/history?period=1W&timeframe=1D');
    expect(history.timestamp.at(-1)).toBe(Date.parse('2017-11-09T05:00:00Z') / 1000);
    expect(history.equity.at(-1)).toBeCloseTo(Number(acct.equity), 2);
  });
});
