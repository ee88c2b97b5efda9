/**
 * Conformance of `arena exchange` with the official Python SDK, alpaca-py 0.44, run from the
 * project's venv: every call below goes through alpaca-py's own clients and pydantic models (so an
 * `ok` answer already has Alpaca's documented shape), and the test asserts values and codes on top.
 * The replay clock is moved between calls to walk through a few sessions of the bundled data.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nyDateTime, ReplayClock } from '../../src/adapters/clock.ts';
import { sampleMarketData } from '../../src/adapters/market/csv.ts';
import { InMemoryMarketData } from '../../src/adapters/market/memory.ts';
import type { Bar } from '../../src/domain/market/types.ts';
import { startAlpacaExchange, type AlpacaExchange } from '../../src/sim/alpaca/server.ts';
import { ALPACA_PY_HINT, AlpacaPy, PYTHON, alpacaPyVersion } from '../../src/testing/alpaca-py.ts';

const version = alpacaPyVersion();
if (!version?.startsWith('0.44.') && process.env.ARENA_SERVICES === 'required') throw new Error(`alpaca-py 0.44 not found in ${PYTHON} (found ${version ?? 'none'}): ${ALPACA_PY_HINT}`);
if (!version?.startsWith('0.44.')) console.warn(`SKIPPED exchange conformance with alpaca-py: not installed in ${PYTHON}; ${ALPACA_PY_HINT}`);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
type Json = Record<string, unknown>;

describe.skipIf(!version?.startsWith('0.44.'))('arena exchange with alpaca-py 0.44', () => {
  let ex: AlpacaExchange;
  let py: AlpacaPy;
  let market: InMemoryMarketData;
  const clock = new ReplayClock({ start: nyDateTime('2017-11-08', '16:30') });
  const bar = (s: string, d: string) => market.bar(s, d) as Bar;

  beforeAll(async () => {
    const src = sampleMarketData();
    const series = new Map<string, Bar[]>();
    for (const s of ['AAPL', 'GOOGL', 'MSFT', 'SPX', 'JPM']) series.set(s, (await src.daily({ symbol: s, asOf: '2017-12-31' })).bars);
    market = new InMemoryMarketData('sample', series);
    ex = await startAlpacaExchange({ market, clock, stateDir: mkdtempSync(path.join(tmpdir(), 'arena-py-')), terms: { slippageBps: 0 } });
    py = new AlpacaPy(ex.url, 'PKPYTHON01', 'python-secret-0123');
  });
  afterAll(async () => {
    py?.close();
    await ex?.close();
  });

  it('account, configurations, clock, calendar and assets parse into alpaca-py models', async () => {
    const acct = await py.ok('get_account');
    expect(acct.id).toMatch(UUID);
    expect(acct).toMatchObject({ status: 'ACTIVE', currency: 'USD', cash: '100000', equity: '100000', last_equity: '100000', buying_power: '100000', multiplier: '1' });

    expect(await py.ok('get_account_configurations')).toMatchObject({ fractional_trading: true, no_shorting: true, suspend_trade: false, trade_confirm_email: 'all', max_margin_multiplier: '1' });
    expect(await py.ok('set_account_configurations', { trade_confirm_email: 'none' })).toMatchObject({ trade_confirm_email: 'none' });
    expect(await py.ok('get_account_configurations')).toMatchObject({ trade_confirm_email: 'none' });

    const c = await py.ok('get_clock');
    expect(c.is_open).toBe(false);
    expect(Date.parse(c.next_open as string)).toBe(nyDateTime('2017-11-09', '09:30').toMillis());
    expect(Date.parse(c.next_close as string)).toBe(nyDateTime('2017-11-09', '16:00').toMillis());

    // Thanksgiving week: no session on the 23rd, an early close on the 24th (alpaca-py builds naive datetimes from "HH:MM").
    const week = await py.ok<Json[]>('get_calendar', { start: '2017-11-20', end: '2017-11-24' });
    expect(week.map((d) => d.date)).toEqual(['2017-11-20', '2017-11-21', '2017-11-22', '2017-11-24']);
    expect(week.at(-1)).toMatchObject({ open: '2017-11-24T09:30:00', close: '2017-11-24T13:00:00' });
    const all = await py.ok<Json[]>('get_calendar');
    expect(all[0]?.date).toBe('1990-01-02');
    expect(all.length).toBeGreaterThan(11_000);
    const garbage = await py.fails('raw_get', { path: '/calendar', params: { start: 'garbage' } });
    expect(garbage).toMatchObject({ status: 400, code: 40010001 });
    expect((await py.fails('raw_get', { path: '/calendar', params: { start: '1900-01-01', end: '2100-01-01' } })).status).toBe(422);

    const assets = await py.ok<Json[]>('get_all_assets');
    expect(assets.map((a) => a.symbol)).toEqual(['AAPL', 'GOOGL', 'JPM', 'MSFT', 'SPX']);
    const aapl = await py.ok('get_asset', { id: 'AAPL' });
    expect(aapl).toMatchObject({ symbol: 'AAPL', asset_class: 'us_equity', status: 'active', tradable: true, fractionable: true });
    expect(await py.ok('get_asset', { id: aapl.id })).toMatchObject({ symbol: 'AAPL' });
    expect(await py.fails('get_asset', { id: 'NOPE' })).toMatchObject({ status: 404, code: 40410000 });
    expect(await py.ok<Json[]>('get_all_assets', { status: 'inactive' })).toEqual([]);
  });

  it('every order type, replace, cancel, filters, partial and full closes, history and activities', { timeout: 120_000 }, async () => {
    // ---- 2017-11-08 16:30, after the close: everything queues for the 11-09 open.
    const market1 = await py.ok('submit_order', { kind: 'market', symbol: 'AAPL', qty: 10, side: 'buy', time_in_force: 'day' });
    expect(market1).toMatchObject({ symbol: 'AAPL', qty: '10', filled_qty: '0', status: 'accepted', order_class: 'simple', type: 'market', side: 'buy', time_in_force: 'day', extended_hours: false });
    expect(market1.id).toMatch(UUID);
    expect(market1.client_order_id).toMatch(UUID); // generated: none was sent
    expect(market1.asset_id).toMatch(UUID);
    const notional = await py.ok('submit_order', { kind: 'market', symbol: 'GOOGL', notional: 1000.5, side: 'buy', time_in_force: 'day' });
    expect(notional).toMatchObject({ notional: '1000.5', qty: null });
    await py.ok('submit_order', { kind: 'market', symbol: 'AAPL', qty: 0.5, side: 'buy', time_in_force: 'day', client_order_id: 'frac-1' });
    expect(await py.fails('submit_order', { kind: 'market', symbol: 'AAPL', qty: 0.5, side: 'buy', time_in_force: 'gtc' })).toMatchObject({ status: 422, code: 40010001, message: 'fractional orders must be DAY orders' });
    expect(await py.fails('submit_order', { kind: 'market', symbol: 'AAPL', notional: 50, side: 'buy', time_in_force: 'gtc' })).toMatchObject({ status: 422, message: 'notional orders must be DAY orders' });
    const limit = await py.ok('submit_order', { kind: 'limit', symbol: 'AAPL', qty: 5, side: 'buy', time_in_force: 'gtc', limit_price: 174, client_order_id: 'lim-1' });
    expect(limit).toMatchObject({ type: 'limit', limit_price: '174', time_in_force: 'gtc' });
    const stop = await py.ok('submit_order', { kind: 'stop', symbol: 'AAPL', qty: 2, side: 'buy', time_in_force: 'day', stop_price: 176, client_order_id: 'stop-1' });
    expect(stop).toMatchObject({ type: 'stop', stop_price: '176' });
    const bracket = await py.ok('submit_order', { kind: 'market', symbol: 'AAPL', qty: 3, side: 'buy', time_in_force: 'gtc', order_class: 'bracket', take_profit: { limit_price: 180 }, stop_loss: { stop_price: 170 }, client_order_id: 'br-1' });
    expect(bracket.order_class).toBe('bracket');
    const legs = bracket.legs as Json[];
    expect(legs.map((l) => [l.type, l.side, l.status, l.limit_price ?? l.stop_price])).toEqual([
      ['limit', 'sell', 'held', '180'],
      ['stop', 'sell', 'held', '170'],
    ]);
    await py.ok('submit_order', { kind: 'market', symbol: 'AAPL', qty: 1, side: 'buy', time_in_force: 'opg', client_order_id: 'opg-1' });
    await py.ok('submit_order', { kind: 'limit', symbol: 'AAPL', qty: 1, side: 'buy', time_in_force: 'cls', limit_price: 170, client_order_id: 'cls-1' });
    expect(await py.fails('submit_order', { kind: 'limit', symbol: 'AAPL', qty: 1, side: 'sell', time_in_force: 'day', limit_price: 200 })).toMatchObject({ status: 403, code: 40310000, message: 'insufficient qty available for order (requested: 1, available: 0)' });
    expect(await py.fails('submit_order', { kind: 'limit', symbol: 'AAPL', qty: 1, side: 'buy', time_in_force: 'day', limit_price: 174.005 })).toMatchObject({ status: 422, code: 42210000 });
    expect(await py.fails('submit_order', { kind: 'market', symbol: 'AAPL', qty: 100_000, side: 'buy', time_in_force: 'day' })).toMatchObject({ status: 403, code: 40310000, message: 'insufficient buying power' });
    // What alpaca-py refuses client-side, sent raw: the server must refuse it too.
    expect(await py.fails('raw_post', { path: '/orders', body: { symbol: 'AAPL', qty: '0x10', side: 'buy', type: 'market', time_in_force: 'day' } })).toMatchObject({ status: 422, code: 40010001 });
    expect(await py.fails('raw_post', { path: '/orders', body: { symbol: 'AAPL', qty: '1', notional: '10', side: 'buy', type: 'market', time_in_force: 'day' } })).toMatchObject({ status: 400 });
    expect(await py.fails('raw_post', { path: '/orders', body: { symbol: 'AAPL', qty: '1', side: 'buy', type: 'market', time_in_force: 'day', limit_price: '170' } })).toMatchObject({ status: 422, message: 'market orders require no stop or limit price' });
    expect(await py.fails('raw_post', { path: '/orders', body: { symbol: 'AAPL', qty: '1', side: 'buy', type: 'limit', time_in_force: 'day' } })).toMatchObject({ status: 422, message: 'limit_price is required' });
    // An order queued before the open cannot be replaced yet (Alpaca: not in status accepted).
    expect(await py.fails('replace_order_by_id', { id: limit.id, qty: 6 })).toMatchObject({ status: 422, code: 42210000 });

    // ---- 11-09 10:00, in session: the open has happened (market orders filled at it), nothing else of the day is known.
    clock.advanceTo(nyDateTime('2017-11-09', '10:00'));
    const open9 = bar('AAPL', '2017-11-09').open as number;
    expect(await py.ok('get_order_by_id', { id: market1.id })).toMatchObject({ status: 'filled', filled_qty: '10', filled_avg_price: String(open9) });
    const g = await py.ok('get_order_by_id', { id: notional.id });
    expect(Number(g.filled_qty)).toBeCloseTo(1000.5 / (bar('GOOGL', '2017-11-09').open as number), 8);
    expect(g).toMatchObject({ status: 'filled', notional: '1000.5', qty: null });
    expect(await py.ok('get_order_by_client_id', { client_order_id: 'opg-1' })).toMatchObject({ status: 'filled' });
    expect(await py.ok('get_order_by_client_id', { client_order_id: 'lim-1' })).toMatchObject({ status: 'new' });
    const nested = await py.ok('get_order_by_id', { id: bracket.id, nested: true });
    expect((nested.legs as Json[]).map((l) => l.status)).toEqual(['new', 'new']);
    const aapl = await py.ok('get_open_position', { symbol: 'AAPL' });
    expect(aapl).toMatchObject({ symbol: 'AAPL', qty: '14.5', side: 'long', current_price: String(open9), exchange: 'NASDAQ' });
    expect(aapl.qty_available).toBe('11.5'); // 3 shares promised to the bracket's take-profit leg

    const replaced = await py.ok('replace_order_by_id', { id: limit.id, qty: 6, limit_price: 174.5, client_order_id: 'lim-2' });
    expect(replaced).toMatchObject({ replaces: limit.id, qty: '6', limit_price: '174.5', status: 'new', client_order_id: 'lim-2' });
    expect(replaced.id).not.toBe(limit.id);
    expect(await py.ok('get_order_by_id', { id: limit.id })).toMatchObject({ status: 'replaced', replaced_by: replaced.id });
    expect(await py.fails('replace_order_by_id', { id: limit.id, qty: 7 })).toMatchObject({ status: 422 });

    expect(await py.ok('cancel_order_by_id', { id: stop.id })).toBeNull();
    expect(await py.fails('cancel_order_by_id', { id: stop.id })).toMatchObject({ status: 422, code: 42210000 });
    expect(await py.fails('cancel_order_by_id', { id: '00000000-0000-4000-8000-000000000000' })).toMatchObject({ status: 404, code: 40410000, message: 'order not found' });

    const ids = (list: Json[]) => list.map((o) => o.client_order_id);
    expect(ids(await py.ok<Json[]>('get_orders', { status: 'all', side: 'sell', limit: 500 }))).toEqual(['br-1:stop_loss', 'br-1:take_profit']);
    const top = await py.ok<Json[]>('get_orders', { status: 'all', nested: true, limit: 500 });
    expect(top.some((o) => String(o.client_order_id).startsWith('br-1:'))).toBe(false);
    expect((top.find((o) => o.client_order_id === 'br-1')?.legs as Json[]).length).toBe(2);
    expect((await py.ok<Json[]>('get_orders', { status: 'all', symbols: ['GOOGL'] })).map((o) => o.id)).toEqual([notional.id]);
    // after/until are instants (alpaca-py sends UTC, "+00:00"), compared as times, not strings.
    expect(ids(await py.ok<Json[]>('get_orders', { status: 'all', after: '2017-11-09T14:00:00+00:00' }))).toEqual(['lim-2']);
    expect((await py.ok<Json[]>('get_orders', { status: 'all', until: '2017-11-08T21:31:00+00:00', limit: 500 })).length).toBe(10);
    expect(ids(await py.ok<Json[]>('get_orders', { status: 'open', direction: 'asc' }))).toEqual(['br-1:take_profit', 'br-1:stop_loss', 'cls-1', 'lim-2']);

    // ---- 11-09 16:30: the day's bar is known. The cls limit (170) did not fill at the close and expired.
    clock.advanceTo(nyDateTime('2017-11-09', '16:30'));
    expect(await py.ok('get_order_by_client_id', { client_order_id: 'cls-1' })).toMatchObject({ status: 'expired' });
    expect(await py.ok('get_order_by_client_id', { client_order_id: 'lim-2' })).toMatchObject({ status: 'new', filled_qty: '0' });
    // Partial closes: a percentage of a fractional position, then 1 share twice at the same instant.
    const half = await py.ok('close_position', { symbol: 'AAPL', percentage: '50' });
    expect(half).toMatchObject({ side: 'sell', qty: '7.25', type: 'market', status: 'accepted' });
    const one = await py.ok('close_position', { symbol: 'AAPL', qty: '1' });
    const again = await py.ok('close_position', { symbol: 'AAPL', qty: '1' });
    expect(one.id).not.toBe(again.id);
    expect(await py.fails('close_position', { symbol: 'AAPL', qty: '3' })).toMatchObject({ status: 403, code: 40310000 });
    expect(await py.fails('close_position', { symbol: 'MSFT' })).toMatchObject({ status: 404, code: 40410000 });
    const trail = await py.ok('submit_order', { kind: 'trailing_stop', symbol: 'AAPL', qty: 1, side: 'sell', time_in_force: 'gtc', trail_percent: 1, client_order_id: 'trail-1' });
    const close9 = bar('AAPL', '2017-11-09').close;
    expect(trail).toMatchObject({ trail_percent: '1', hwm: String(close9) });
    expect(Number(trail.stop_price)).toBeCloseTo(close9 * 0.99, 6);

    // ---- 11-10 16:30: the closes filled at the open; lim-2 (live all day) filled at its limit when the low reached it.
    clock.advanceTo(nyDateTime('2017-11-10', '16:30'));
    expect(await py.ok('get_order_by_id', { id: half.id })).toMatchObject({ status: 'filled', filled_avg_price: String(bar('AAPL', '2017-11-10').open) });
    expect(bar('AAPL', '2017-11-10').low as number).toBeLessThanOrEqual(174.5);
    expect(await py.ok('get_order_by_client_id', { client_order_id: 'lim-2' })).toMatchObject({ status: 'filled', filled_avg_price: '174.5' });
    expect((await py.ok('get_open_position', { symbol: 'AAPL' })).qty).toBe('11.25');
    // The trailing stop survived (the low stayed above the stop); the day's high did not beat the mark.
    expect(bar('AAPL', '2017-11-10').high as number).toBeLessThan(close9);
    expect(await py.ok('get_order_by_client_id', { client_order_id: 'trail-1' })).toMatchObject({ status: 'new', hwm: String(close9) });

    // ---- 11-13 10:00: the trailing stop fell through at the open.
    clock.advanceTo(nyDateTime('2017-11-13', '10:00'));
    expect(await py.ok('get_order_by_client_id', { client_order_id: 'trail-1' })).toMatchObject({ status: 'filled', filled_avg_price: String(bar('AAPL', '2017-11-13').open) });

    const history = await py.ok('get_portfolio_history', { period: '1W', timeframe: '1D' });
    expect(history.timeframe).toBe('1D');
    expect(history.base_value).toBe(100_000);
    const ts = history.timestamp as number[];
    expect(ts.map((t) => new Date(t * 1000).toISOString())).toEqual(['2017-11-09T05:00:00.000Z', '2017-11-10T05:00:00.000Z', '2017-11-13T05:00:00.000Z']);
    expect((history.equity as number[]).length).toBe(3);
    expect((history.profit_loss as number[])[0]).toBeCloseTo((history.equity as number[])[0] as number - 100_000, 2);

    const page1 = await py.ok<Json[]>('raw_get', { path: '/account/activities', params: { activity_types: 'FILL', page_size: 2 } });
    expect(page1.length).toBe(2);
    expect(page1[0]).toMatchObject({ activity_type: 'FILL', type: 'fill', side: 'sell', symbol: 'AAPL', order_status: 'filled' });
    expect(page1[0]?.id).toMatch(/^\d{17}::[0-9a-f-]{36}$/);
    const page2 = await py.ok<Json[]>('raw_get', { path: '/account/activities', params: { activity_types: 'FILL', page_size: 2, page_token: page1[1]?.id } });
    expect(page2[0]?.id).not.toBe(page1[1]?.id);
    const fills = await py.ok<Json[]>('raw_get', { path: '/account/activities/FILL' });
    expect(fills.length).toBe(10); // 10 + GOOGL + 0.5 + bracket 3 + opg 1, the three closes, lim-2 and the trailing stop
    expect(await py.fails('raw_get', { path: '/account/activities', params: { activity_types: 'NOPE' } })).toMatchObject({ status: 422 });

    const closed = await py.ok<Json[]>('close_all_positions', { cancel_orders: true });
    expect(closed.map((c) => [c.symbol, c.status])).toEqual([
      ['AAPL', 200],
      ['GOOGL', 200],
    ]);
    expect((closed[0]?.body as Json).side).toBe('sell');
    const open = await py.ok<Json[]>('get_orders', { status: 'open' });
    expect(open.map((o) => o.symbol).sort()).toEqual(['AAPL', 'GOOGL']);
    expect(await py.ok('get_order_by_client_id', { client_order_id: 'br-1:take_profit' })).toMatchObject({ status: 'canceled' });
    expect(await py.ok('get_order_by_client_id', { client_order_id: 'br-1:stop_loss' })).toMatchObject({ status: 'canceled' });
  });

  it('bars (limit in total, pages followed) and the latest bar and trade, never past the clock', { timeout: 120_000 }, async () => {
    // The clock is 2017-11-13 10:00: the 11-13 session is open, its bar is not known.
    const bars = await py.ok<Record<string, Json[]>>('get_stock_bars', { symbol_or_symbols: ['AAPL', 'GOOGL'], start: '2017-11-01', end: '2017-11-30' });
    expect(bars.AAPL?.at(-1)?.timestamp).toBe('2017-11-10T05:00:00Z');
    expect(bars.GOOGL?.length).toBe(8);
    const three = await py.ok<Record<string, Json[]>>('get_stock_bars', { symbol_or_symbols: ['GOOGL', 'AAPL'], start: '2017-11-01', end: '2017-11-30', limit: 3 });
    expect(Object.values(three).flat().length).toBe(3);
    expect(three.AAPL?.length).toBe(3); // sorted by symbol first
    const symbols = ['AAPL', 'GOOGL', 'MSFT', 'SPX'];
    const long = await py.ok<Record<string, Json[]>>('get_stock_bars', { symbol_or_symbols: symbols, start: '2000-01-01' });
    const want = symbols.map((s) => market.bars(s).filter((b) => b.date >= '2000-01-01' && b.date <= '2017-11-10').length);
    expect(want.reduce((a, b) => a + b, 0)).toBeGreaterThan(10_000); // more than one page of 10,000
    expect(symbols.map((s) => long[s]?.length)).toEqual(want);
    expect(long.MSFT?.[0]).toMatchObject({ symbol: 'MSFT', open: expect.any(Number), trade_count: null, vwap: null });

    const latest = await py.ok<Record<string, Json>>('get_stock_latest_bar', { symbol_or_symbols: ['AAPL', 'JPM'] });
    expect(latest.AAPL).toMatchObject({ timestamp: '2017-11-10T05:00:00Z', close: bar('AAPL', '2017-11-10').close });
    const trade = await py.ok<Record<string, Json>>('get_stock_latest_trade', { symbol_or_symbols: 'AAPL' });
    expect(trade.AAPL).toMatchObject({ price: bar('AAPL', '2017-11-13').open, timestamp: '2017-11-13T14:30:00Z' });
    // JPM has no opening prices (close-only data): during the session its latest trade is the last close.
    const jpm = await py.ok<Record<string, Json>>('get_stock_latest_trade', { symbol_or_symbols: 'JPM' });
    expect(jpm.JPM?.price).toBe(bar('JPM', '2017-11-10').close);

    const repeated = Array.from({ length: 2000 }, () => 'AAPL').join(',');
    // 2,000 copies of one symbol are one symbol; 2,000 distinct symbols are refused at once (at most 500).
    expect(Object.keys((await py.ok<{ bars: Json }>('data_raw_get', { path: '/stocks/bars/latest', params: { symbols: repeated } })).bars)).toEqual(['AAPL']);
    const many = Array.from({ length: 2000 }, (_, i) => `S${i}`).join(',');
    expect(await py.fails('data_raw_get', { path: '/stocks/bars', params: { symbols: many, timeframe: '1Day' } })).toMatchObject({ status: 422, code: 42210000 });
    expect(await py.fails('data_raw_get', { path: '/stocks/bars', params: { symbols: 'AAPL', timeframe: '1Min' } })).toMatchObject({ status: 422, code: 42210000 });
  });
});
