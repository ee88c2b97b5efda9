/**
 * A team on `broker.kind: alpaca`: the real CLI's cycle trades through the official SDK against a
 * local `arena exchange`; a cycle killed after submitting but before recording its trade step, run
 * again, finds its orders by client_order_id and places none twice.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nyDateTime, ReplayClock } from '../../src/adapters/clock.ts';
import { startAlpacaExchange, type AlpacaExchange } from '../../src/sim/alpaca/server.ts';
import { sampleMarketData } from '../../src/adapters/market/csv.ts';
import { InMemoryMarketData } from '../../src/adapters/market/memory.ts';
import type { Bar } from '../../src/domain/market/types.ts';
import { runArena } from '../../src/testing/processes.ts';
import { REPO_ROOT } from '../../src/testing/services.ts';

const KEY = { id: 'PKREDTEAM01', secret: 'red-secret-key-0123456789' };

describe('a cycle on Alpaca (arena exchange)', () => {
  let ex: AlpacaExchange;
  beforeAll(async () => {
    const src = sampleMarketData();
    const series = new Map<string, Bar[]>();
    for (const s of ['AAPL', 'MSFT', 'GOOGL', 'SPX']) series.set(s, (await src.daily({ symbol: s, asOf: '2017-12-31' })).bars);
    ex = await startAlpacaExchange({ market: new InMemoryMarketData('sample', series), clock: new ReplayClock({ start: nyDateTime('2017-11-09', '16:30') }), stateDir: mkdtempSync(path.join(tmpdir(), 'arena-ex-')) });
  });
  afterAll(async () => {
    await ex.close();
  });

  const cycle = (cwd: string) =>
    runArena(cwd, ['cycle', '--team', 'teams/red.yml', '--date', '2017-11-09'], { env: { ...process.env, ALPACA_TRADING_URL: ex.url, ALPACA_DATA_URL: ex.url, ALPACA_KEY_ID_RED: KEY.id, ALPACA_SECRET_KEY_RED: KEY.secret } });

  it('places the strategy orders on the exchange, and a re-run after a kill places none twice', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-alpaca-'));
    cpSync(path.join(REPO_ROOT, 'teams'), path.join(dir, 'teams'), { recursive: true });
    cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
    const red = path.join(dir, 'teams', 'red.yml');
    writeFileSync(red, readFileSync(red, 'utf8').replace('kind: local', 'kind: alpaca'));

    const first = await cycle(dir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).not.toContain(KEY.secret);
    const h = { 'APCA-API-KEY-ID': KEY.id, 'APCA-API-SECRET-KEY': KEY.secret };
    const orders = (await (await fetch(`${ex.url}/v2/orders?status=all`, { headers: h })).json()) as { id: string; client_order_id: string; status: string; symbol: string; side: string; qty: string; type: string; time_in_force: string }[];
    // Red's seeded MLP (the dense JS engine) predicts next-day returns AAPL +0.40 %, MSFT +0.16 %, GOOGL +0.20 %
    // on this date. best-gain-worst-loss buys only the best gain above the 0.1 % threshold (AAPL), with at most
    // 60 % of the $100,000 equity in one symbol at the 175.88 close: floor(60,000 / 175.88) = 341 whole shares.
    // Nothing is held, so nothing is sold.
    expect(orders.map((o) => ({ symbol: o.symbol, side: o.side, qty: o.qty, type: o.type, time_in_force: o.time_in_force }))).toEqual([
      { symbol: 'AAPL', side: 'buy', qty: '341', type: 'market', time_in_force: 'day' },
    ]);
    expect(orders[0]?.client_order_id).toMatch(/^arena-red-2017-11-09-AAPL-buy-buy_best-[0-9a-f]{10}$/);

    // Simulate a kill after the orders went out but before the trade step was recorded.
    const journal = path.join(dir, 'workspaces', 'red', 'state', 'journal.jsonl');
    const kept = readFileSync(journal, 'utf8').trim().split('\n').filter((l) => !['trade', 'version'].includes((JSON.parse(l) as { step: string }).step));
    writeFileSync(journal, kept.join('\n') + '\n');
    const again = await cycle(dir);
    expect(again.code, again.stderr).toBe(0);
    const after = (await (await fetch(`${ex.url}/v2/orders?status=all`, { headers: h })).json()) as { client_order_id: string }[];
    expect(after.map((o) => o.client_order_id).sort()).toEqual(orders.map((o) => o.client_order_id).sort());
    const trade = readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: string; record: { orders?: { order_id: string | null }[] } }).find((e) => e.step === 'trade');
    // The re-run found the order already placed and recorded the exchange's id for it.
    expect(trade?.record.orders?.map((o) => o.order_id)).toEqual([orders[0]?.id]);
  });
});
