/** The `alpaca` provider through the official SDK against `arena exchange` over HTTP. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nyDateTime, ReplayClock } from '../../src/adapters/clock.ts';
import { startAlpacaExchange, type AlpacaExchange } from '../../src/sim/alpaca/server.ts';
import { AlpacaMarketData } from '../../src/adapters/market/alpaca.ts';
import { sampleMarketData } from '../../src/adapters/market/csv.ts';
import { InMemoryMarketData } from '../../src/adapters/market/memory.ts';
import type { Bar } from '../../src/domain/market/types.ts';
import { FsArtifactStore } from '../../src/adapters/storage/index.ts';

describe('AlpacaMarketData (SDK v4 → arena exchange)', () => {
  let ex: AlpacaExchange;
  let want: Bar[];
  beforeAll(async () => {
    const src = sampleMarketData();
    want = (await src.daily({ symbol: 'MSFT', asOf: '2017-11-10' })).bars;
    ex = await startAlpacaExchange({ market: new InMemoryMarketData('sample', new Map([['MSFT', want]])), clock: new ReplayClock({ start: nyDateTime('2017-11-10', '18:00') }), stateDir: mkdtempSync(path.join(tmpdir(), 'arena-md-')) });
  });
  afterAll(async () => {
    await ex.close();
  });

  it('follows every page and maps t (midnight New York in UTC) to trading dates', async () => {
    const p = new AlpacaMarketData({ keyId: 'PKDATA', secretKey: 'data-secret-123', dataUrl: ex.url, since: '2016-01-01', pageLimit: 100, retry: false });
    const s = await p.daily({ symbol: 'MSFT', asOf: '2017-11-10' });
    const expected = want.filter((b) => b.date >= '2016-01-01');
    expect(s.bars.length).toBe(expected.length);
    expect(s.bars.length).toBeGreaterThan(400); // several pages of 100
    expect(s.bars.map((b) => [b.date, b.close])).toEqual(expected.map((b) => [b.date, b.close]));
    expect(s.stale).toBe(false);
    // Never beyond asOf, even when the exchange has later bars.
    expect((await p.daily({ symbol: 'MSFT', asOf: '2017-11-08' })).bars.at(-1)?.date).toBe('2017-11-08');
  });

  it('a failed refresh serves the cache marked stale; without a cache the error is typed', async () => {
    const store = new FsArtifactStore(mkdtempSync(path.join(tmpdir(), 'arena-md-cache-')));
    const good = new AlpacaMarketData({ keyId: 'PKDATA', secretKey: 'data-secret-123', dataUrl: ex.url, store, retry: false });
    await good.daily({ symbol: 'MSFT', asOf: '2017-11-10' });
    const dead = new AlpacaMarketData({ keyId: 'PKDATA', secretKey: 'data-secret-123', dataUrl: 'http://127.0.0.1:9', store, retry: false });
    const s = await dead.daily({ symbol: 'MSFT', asOf: '2017-11-10' });
    expect(s.stale).toBe(true);
    expect(s.staleReason).toMatch(/serving the cache/);
    expect(s.bars.at(-1)?.date).toBe('2017-11-10');
    const nocache = new AlpacaMarketData({ keyId: 'PKDATA', secretKey: 'data-secret-123', dataUrl: 'http://127.0.0.1:9', retry: false });
    await expect(nocache.daily({ symbol: 'MSFT', asOf: '2017-11-10' })).rejects.toThrow(/alpaca bars for MSFT/);
  });
});
