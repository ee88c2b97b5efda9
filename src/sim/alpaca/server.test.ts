/** The exchange's guards: admin token, data-API secrets, body limit, bounded work per request, restarts. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nyDateTime, ReplayClock } from '../../adapters/clock.ts';
import { sampleMarketData } from '../../adapters/market/csv.ts';
import { InMemoryMarketData } from '../../adapters/market/memory.ts';
import type { Bar } from '../../domain/market/types.ts';
import { readAccountsFile, startAlpacaExchange } from './server.ts';

async function market(): Promise<InMemoryMarketData> {
  const src = sampleMarketData();
  const series = new Map<string, Bar[]>();
  for (const s of await src.knownSymbols()) series.set(s, (await src.daily({ symbol: s, asOf: '2017-12-31' })).bars);
  return new InMemoryMarketData('sample', series);
}
const tmp = () => mkdtempSync(path.join(tmpdir(), 'arena-ex-guard-'));
const keys = (k = 'PKA', s = 'secret-a') => ({ 'APCA-API-KEY-ID': k, 'APCA-API-SECRET-KEY': s });

describe('arena exchange guards', () => {
  it('admin endpoints: refused without a configured token, 401 without the right bearer, open with it; /healthz is open', async () => {
    const m = await market();
    const closed = await startAlpacaExchange({ market: m, clock: new ReplayClock({ start: nyDateTime('2017-11-08', '16:30') }), stateDir: tmp() });
    const res = await fetch(`${closed.url}/__admin/clock`, { method: 'POST', body: JSON.stringify({ to: '2017-11-09T10:00:00-05:00' }) });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 40310000, message: expect.stringContaining('ARENA_ADMIN_TOKEN') });
    expect((await fetch(`${closed.url}/__admin/state`, { headers: { authorization: 'Bearer anything' } })).status).toBe(403);
    expect(await (await fetch(`${closed.url}/healthz`)).json()).toEqual({ status: 'ok' });
    await closed.close();

    const clock = new ReplayClock({ start: nyDateTime('2017-11-08', '16:30') });
    const ex = await startAlpacaExchange({ market: m, clock, stateDir: tmp(), adminToken: 'tok-123456' });
    const move = (auth?: string) => fetch(`${ex.url}/__admin/clock`, { method: 'POST', headers: auth ? { authorization: auth } : {}, body: JSON.stringify({ to: '2017-11-09T10:00:00-05:00' }) });
    expect((await move()).status).toBe(401);
    expect((await move('Bearer wrong')).status).toBe(401);
    expect(clock.now().toISO()).toBe('2017-11-08T16:30:00.000-05:00');
    expect((await move('Bearer tok-123456')).status).toBe(200);
    expect(clock.now().toISO()).toBe('2017-11-09T10:00:00.000-05:00');
    expect(await (await fetch(`${ex.url}/__admin/state`, { headers: { authorization: 'Bearer tok-123456' } })).json()).toMatchObject({ clock: 'replay', accounts: 0 });
    await ex.close();
  });

  it('with --accounts the data API checks the secret like the trading API; bad keys: trading 401, market data 403', async () => {
    const ex = await startAlpacaExchange({ market: await market(), clock: new ReplayClock({ start: nyDateTime('2017-11-08', '16:30') }), stateDir: tmp(), accounts: [{ key_id: 'PKA', secret_key: 'secret-a' }] });
    const bars = (h: Record<string, string>) => fetch(`${ex.url}/v2/stocks/bars?symbols=MSFT&timeframe=1Day&start=2017-11-01`, { headers: h });
    expect((await bars(keys())).status).toBe(200);
    const wrong = await bars(keys('PKA', 'not-the-secret'));
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual({ message: 'forbidden' });
    const none = await bars({});
    expect(none.status).toBe(403);
    expect(await none.json()).toEqual({ message: 'forbidden' });
    expect((await fetch(`${ex.url}/v2/stocks/MSFT/trades/latest`, { headers: keys('PKOTHER', 'secret-a') })).status).toBe(403);
    for (const h of [keys('PKA', 'not-the-secret'), keys('PKOTHER', 'secret-a'), {}]) {
      const res = await fetch(`${ex.url}/v2/account`, { headers: h });
      expect(res.status).toBe(401);
      expect(await res.text()).toBe('{"message":"unauthorized"}');
    }
    const unknown = await fetch(`${ex.url}/v2/stocks/MSFT/quotes/latest`, { headers: keys() });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 40410000 });
    await ex.close();
  });

  it('the accounts file names key pairs only: terms are the exchange\'s, one set for all', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'ok.json'), JSON.stringify([{ key_id: 'a', secret_key: 'b', name: 'red' }]));
    writeFileSync(path.join(dir, 'terms.json'), JSON.stringify([{ key_id: 'a', secret_key: 'b', starting_cash: 1e9 }]));
    expect(await readAccountsFile(path.join(dir, 'ok.json'))).toEqual([{ key_id: 'a', secret_key: 'b', name: 'red' }]);
    await expect(readAccountsFile(path.join(dir, 'terms.json'))).rejects.toThrow(/starting_cash/);
  });

  it('bodies: over 64 KB refused with 413, malformed JSON with 400, both in Alpaca\'s shape', async () => {
    const ex = await startAlpacaExchange({ market: await market(), clock: new ReplayClock({ start: nyDateTime('2017-11-08', '16:30') }), stateDir: tmp() });
    const post = (body: string) => fetch(`${ex.url}/v2/orders`, { method: 'POST', headers: { ...keys(), 'content-type': 'application/json' }, body });
    const big = await post(JSON.stringify({ symbol: 'MSFT', qty: '1', side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'x', pad: 'y'.repeat(70_000) }));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 40010000 });
    const bad = await post('{"symbol": "MSFT", ');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ code: 40010000, message: 'request body format is invalid' });
    const nonUuid = await fetch(`${ex.url}/v2/orders/not-a-uuid`, { headers: keys() });
    expect(nonUuid.status).toBe(422);
    expect(await nonUuid.json()).toEqual({ code: 40010001, message: 'order_id is missing' });
    await ex.close();
  });

  it('work per request is bounded: a page holds at most `limit` bars in total, however many symbols and years are asked', async () => {
    const ex = await startAlpacaExchange({ market: await market(), clock: new ReplayClock({ start: nyDateTime('2017-11-08', '16:30') }), stateDir: tmp() });
    const all = 'AAPL,GOOGL,IXIC,JPM,KO,MSFT,SPX,XOM';
    const page = async (q: string) => (await (await fetch(`${ex.url}/v2/stocks/bars?symbols=${all}&timeframe=1Day&start=1990-01-01${q}`, { headers: keys() })).json()) as { bars: Record<string, unknown[]>; next_page_token: string | null };
    const first = await page('');
    expect(Object.values(first.bars).flat().length).toBe(1000); // Alpaca's default limit
    expect(first.next_page_token).not.toBeNull();
    // Following every page of 10,000 yields each bar once.
    let total = 0;
    let token: string | null = null;
    let pages = 0;
    do {
      const p = await page(`&limit=10000${token ? `&page_token=${token}` : ''}`);
      const n = Object.values(p.bars).flat().length;
      expect(n).toBeLessThanOrEqual(10_000);
      total += n;
      token = p.next_page_token;
      pages++;
    } while (token);
    expect(pages).toBeGreaterThan(3);
    const m = await market();
    expect(total).toBe(all.split(',').reduce((a, s) => a + m.bars(s).filter((b) => b.date <= '2017-11-08').length, 0));
    // Meanwhile another account's requests are answered: many big pages in flight and a clock request, all served.
    const clocks = await Promise.all([...Array.from({ length: 10 }, () => page('&limit=10000')), fetch(`${ex.url}/v2/clock`, { headers: keys('PKB', 'secret-b') }).then((r) => r.json())]);
    expect(clocks.at(-1)).toMatchObject({ is_open: false });
    await ex.close();
  });

  it("account configurations show the exchange's margin multiplier, and a PATCH echoing it is accepted", async () => {
    const ex = await startAlpacaExchange({ market: await market(), clock: new ReplayClock({ start: nyDateTime('2017-11-08', '16:30') }), stateDir: tmp(), terms: { marginMultiplier: 2 } });
    const url = `${ex.url}/v2/account/configurations`;
    const shown = (await (await fetch(url, { headers: keys() })).json()) as Record<string, unknown>;
    expect(shown.max_margin_multiplier).toBe('2');
    const echoed = await fetch(url, { method: 'PATCH', headers: { ...keys(), 'content-type': 'application/json' }, body: JSON.stringify(shown) });
    expect(echoed.status).toBe(200);
    expect(await echoed.json()).toEqual(shown);
    const other = await fetch(url, { method: 'PATCH', headers: { ...keys(), 'content-type': 'application/json' }, body: JSON.stringify({ max_margin_multiplier: '4' }) });
    expect(other.status).toBe(422);
    await ex.close();
  });

  it('an order is found by id however many orders the account has', async () => {
    const ex = await startAlpacaExchange({ market: await market(), clock: new ReplayClock({ start: nyDateTime('2017-11-08', '16:30') }), stateDir: tmp(), terms: { startingCash: 1e9 } });
    const acct = await ex.account('PKA', 'secret-a');
    const first = await acct.submitOrder({ symbol: 'MSFT', qty: 1, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'n0' });
    await Promise.all(Array.from({ length: 700 }, (_, i) => acct.submitOrder({ symbol: 'MSFT', qty: 1, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: `n${i + 1}` })));
    const res = await fetch(`${ex.url}/v2/orders/${first.id}`, { headers: keys() });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ client_order_id: 'n0' });
    const page = (await (await fetch(`${ex.url}/v2/orders?limit=500`, { headers: keys() })).json()) as unknown[];
    expect(page.length).toBe(500);
    await ex.close();
  });

  it('after a restart on the same state the replay clock is never behind its last position or the ledgers', async () => {
    const m = await market();
    const state = tmp();
    const clock = new ReplayClock({ start: nyDateTime('2017-11-08', '00:00') });
    const ex = await startAlpacaExchange({ market: m, clock, stateDir: state, adminToken: 't' });
    await (await ex.account('PKA', 'secret-a')).submitOrder({ symbol: 'MSFT', qty: 1, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'a' });
    expect((await fetch(`${ex.url}/__admin/clock`, { method: 'POST', headers: { authorization: 'Bearer t' }, body: JSON.stringify({ to: '2017-11-09T12:00:00-05:00' }) })).status).toBe(200);
    expect((await (await ex.account('PKA', 'secret-a')).orderByClientOrderId('a'))?.status).toBe('filled'); // at the 11-08 open (placed at midnight before it)
    await ex.close();

    // Started again "from the first day": the clock resumes where it was moved to.
    const again = new ReplayClock({ start: nyDateTime('2017-11-08', '00:00') });
    await (await startAlpacaExchange({ market: m, clock: again, stateDir: state })).close();
    expect(again.now().toISO()).toBe('2017-11-09T12:00:00.000-05:00');
    // Without its saved position, never behind the latest ledger event (the fill at the open).
    rmSync(path.join(state, 'clock.json'));
    const third = new ReplayClock({ start: nyDateTime('2017-11-08', '00:00') });
    await (await startAlpacaExchange({ market: m, clock: third, stateDir: state })).close();
    expect(third.now().toISO()).toBe('2017-11-08T09:30:00.000-05:00');
  });
});
