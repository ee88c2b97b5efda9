import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nyDateTime, ReplayClock } from '../../src/adapters/clock.ts';
import { startAlpacaExchange } from '../../src/sim/alpaca/server.ts';
import { sampleMarketData } from '../../src/adapters/market/csv.ts';
import { InMemoryMarketData } from '../../src/adapters/market/memory.ts';
import type { Bar } from '../../src/domain/market/types.ts';
import { AlpacaBroker } from '../../src/adapters/broker/alpaca.ts';
import { PaperAccount } from '../../src/adapters/broker/paper-account.ts';
import { brokerContract } from './broker-contract.ts';

async function market(): Promise<InMemoryMarketData> {
  const src = sampleMarketData();
  const series = new Map<string, Bar[]>();
  for (const s of ['AAPL', 'MSFT', 'GOOGL', 'SPX']) series.set(s, (await src.daily({ symbol: s, asOf: '2017-12-31' })).bars);
  return new InMemoryMarketData('sample', series);
}
const start = () => new ReplayClock({ start: nyDateTime('2017-11-08', '16:30') });
const tmp = () => mkdtempSync(path.join(tmpdir(), 'arena-contract-'));

brokerContract('local', async () => {
  const clock = start();
  const m = await market();
  const broker = await PaperAccount.open({ ledgerFile: path.join(tmp(), 'ledger.jsonl'), accountId: 'contract', clock, prices: m, startingCash: 100_000, slippageBps: 5, commissionPerShare: 0, commissionMin: 0, multiplier: 1 });
  return { broker, clock, market: m, close: async () => undefined };
});

let keyN = 0;
brokerContract('alpaca (official SDK) → arena exchange over HTTP', async () => {
  const clock = start();
  const m = await market();
  const ex = await startAlpacaExchange({ market: m, clock, stateDir: tmp(), terms: { slippageBps: 5 } });
  keyN++;
  const broker = new AlpacaBroker({ keyId: `PKTEST${keyN}`, secretKey: `secret-${keyN}-abcdef`, tradingUrl: ex.url, dataUrl: ex.url, retry: false });
  return { broker, clock, market: m, close: () => ex.close() };
});

describe('arena exchange speaks Alpaca', () => {
  it("answers with Alpaca's bodies: 422 duplicate, 403 buying power, 404 position, 401 bad keys", async () => {
    const ex = await startAlpacaExchange({ market: await market(), clock: start(), stateDir: tmp() });
    const h = { 'APCA-API-KEY-ID': 'PKX', 'APCA-API-SECRET-KEY': 'sx-123456', 'content-type': 'application/json' };
    const post = (body: unknown) => fetch(`${ex.url}/v2/orders`, { method: 'POST', headers: h, body: JSON.stringify(body) });
    const first = await post({ symbol: 'MSFT', qty: '2', side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'dup-1' });
    expect(first.status).toBe(200);
    const o = (await first.json()) as Record<string, unknown>;
    expect(o).toMatchObject({ symbol: 'MSFT', qty: '2', filled_qty: '0', side: 'buy', status: 'accepted', asset_class: 'us_equity', order_class: 'simple', client_order_id: 'dup-1' });
    const dup = await post({ symbol: 'MSFT', qty: '1', side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'dup-1' });
    expect(dup.status).toBe(422);
    expect(await dup.json()).toEqual({ code: 40010001, message: 'client_order_id must be unique' });
    const poor = await post({ symbol: 'GOOGL', qty: '500', side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'big' });
    expect(poor.status).toBe(403);
    expect(await poor.json()).toMatchObject({ code: 40310000, message: 'insufficient buying power' });
    const pos = await fetch(`${ex.url}/v2/positions/AAPL`, { headers: h });
    expect(pos.status).toBe(404);
    expect(await pos.json()).toEqual({ code: 40410000, message: 'position does not exist' });
    const acct = (await (await fetch(`${ex.url}/v2/account`, { headers: h })).json()) as Record<string, unknown>;
    expect(typeof acct.cash).toBe('string');
    expect(acct).toMatchObject({ status: 'ACTIVE', currency: 'USD', equity: '100000' });
    const noKey = await fetch(`${ex.url}/v2/account`);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual({ message: 'unauthorized' });
    const bars = (await (await fetch(`${ex.url}/v2/stocks/bars?symbols=MSFT,AAPL&timeframe=1Day&start=2017-11-01&end=2017-11-30&feed=iex`, { headers: h })).json()) as { bars: Record<string, { t: string; c: number }[]> };
    expect(bars.bars.MSFT?.at(-1)).toMatchObject({ t: '2017-11-08T05:00:00Z' });
    expect(typeof bars.bars.AAPL?.[0]?.c).toBe('number');
    await ex.close();
  });

  it('the SDK sees the typed errors, mapped to broker kinds', async () => {
    const ex = await startAlpacaExchange({ market: await market(), clock: start(), stateDir: tmp() });
    const b = new AlpacaBroker({ keyId: 'PKSDK', secretKey: 'sdk-secret-99', tradingUrl: ex.url, retry: false });
    const err = await b.closePosition('MSFT').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'position_not_found', details: { status: 404, code: 40410000 } });
    expect(() => new AlpacaBroker({ keyId: 'k', secretKey: 's-long-enough', live: true })).toThrow(/live trading refused/);
    await ex.close();
  });
});
