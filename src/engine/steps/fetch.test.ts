import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTeams } from '../../config/load.ts';
import { silentLogger } from '../../core/log.ts';
import { usableBars } from '../../domain/market/quality.ts';
import type { Bar } from '../../domain/market/types.ts';
import { InMemoryMarketData } from '../../adapters/market/memory.ts';
import { sampleMarketData } from '../../adapters/market/csv.ts';
import type { TeamContext } from '../context.ts';
import { Journal } from '../journal.ts';
import { noSnapshots } from '../snapshots.ts';
import { fetchStep } from './fetch.ts';

const DATES = ['2017-10-30', '2017-10-31', '2017-11-01', '2017-11-02', '2017-11-03', '2017-11-06'];

async function context(market: InMemoryMarketData): Promise<TeamContext> {
  const [red] = await loadTeams([path.join(import.meta.dirname, '..', '..', '..', 'teams', 'red.yml')]);
  const journal = await new Journal(path.join(mkdtempSync(path.join(tmpdir(), 'arena-fetch-')), 'journal.jsonl')).load();
  // Only what the fetch step reads: the team, the market, the journal, the logger, the snapshots.
  return { team: red, services: { market, journal, logger: silentLogger(), snapshots: noSnapshots } } as unknown as TeamContext;
}

async function sample(): Promise<Map<string, Bar[]>> {
  const s = sampleMarketData();
  const out = new Map<string, Bar[]>();
  for (const sym of ['AAPL', 'MSFT', 'GOOGL', 'SPX']) out.set(sym, (await s.daily({ symbol: sym, asOf: '2017-11-10' })).bars);
  return out;
}

describe('fetch: per-symbol hashes and clean bars carried from day to day', () => {
  it('give each day the same data version and bars as a first cycle on that day would', async () => {
    const market = new InMemoryMarketData('sample', await sample());
    const carried = await context(market);
    const versions: string[] = [];
    for (const date of DATES) {
      const day = await fetchStep.run(carried, date, {}, {});
      const fresh = await fetchStep.run(await context(market), date, {}, {});
      expect(day.output.dataVersion).toBe(fresh.output.dataVersion);
      for (const [sym, s] of fresh.output.series) {
        expect(day.output.series.get(sym)?.bars).toEqual(s.bars);
        expect(s.bars).toEqual(usableBars((await market.daily({ symbol: sym, asOf: date })).bars));
      }
      versions.push(day.output.dataVersion);
      await carried.services.journal.record(date, 'fetch', day.record);
    }
    // A new day is new data.
    expect(new Set(versions).size).toBe(DATES.length);
  });

  it('a revised bar in the history (a provider re-adjusting its closes) is seen: the version changes', async () => {
    const series = await sample();
    const market = new InMemoryMarketData('sample', series);
    const ctx = await context(market);
    const before = (await fetchStep.run(ctx, '2017-11-03', {}, {})).output.dataVersion;
    const aapl = (series.get('AAPL') as Bar[]).map((b) => ({ ...b }));
    const i = aapl.findIndex((b) => b.date === '2017-06-01');
    const b = aapl[i] as Bar;
    const up = (x: number | null) => (x === null ? null : x * 1.01);
    aapl[i] = { ...b, open: up(b.open), high: up(b.high), low: up(b.low), close: b.close * 1.01 };
    const revised = new InMemoryMarketData('sample', new Map([...series, ['AAPL', aapl]]));
    (ctx.services as unknown as { market: InMemoryMarketData }).market = revised;
    const after = await fetchStep.run(ctx, '2017-11-03', {}, {});
    expect(after.output.dataVersion).not.toBe(before);
    expect(after.output.dataVersion).toBe((await fetchStep.run(await context(revised), '2017-11-03', {}, {})).output.dataVersion);
    expect(after.output.series.get('AAPL')?.bars.find((b) => b.date === '2017-06-01')?.close).toBe(aapl[i]?.close);
  });
});
