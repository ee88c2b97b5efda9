import { describe, expect, it } from 'vitest';
import { sampleMarketData } from '../../adapters/market/csv.ts';
import { InMemoryMarketData } from '../../adapters/market/memory.ts';
import { usableBars } from '../../domain/market/quality.ts';
import type { TeamContext } from '../context.ts';
import type { Bar } from '../../domain/market/types.ts';
import { stepTestContext } from '../../testing/team-context.ts';
import { fetchStep } from './fetch.ts';

describe('fetch step', () => {
  it('reads every symbol and the benchmark up to the cycle date only, hashes what it saw and keeps a snapshot', async () => {
    const { ctx, snapshots, at } = await stepTestContext();
    at('2017-11-08');
    const { output, record } = await fetchStep.run(ctx, '2017-11-08', {}, {});
    expect([...output.series.keys()]).toEqual(['AAPL', 'MSFT']);
    for (const s of output.series.values()) expect(s.bars.at(-1)?.date).toBe('2017-11-08');
    expect(output.benchmark?.bars.at(-1)?.date).toBe('2017-11-08');
    expect(output.blocked).toEqual({});
    expect(record.dataVersion).toMatch(/^[0-9a-f]{16}$/);
    expect(record.symbols.MSFT?.last).toBe('2017-11-08');
    expect(snapshots.bars.get('AAPL')?.at(-1)?.date).toBe('2017-11-08');
    // Another day's data is another version; the same day's is the same.
    expect((await fetchStep.run(ctx, '2017-11-07', {}, {})).record.dataVersion).not.toBe(record.dataVersion);
    expect((await fetchStep.run(ctx, '2017-11-08', {}, {})).record.dataVersion).toBe(record.dataVersion);
  });

  it('blocks a symbol whose data stops before the cycle date, and says why', async () => {
    const { ctx, at } = await stepTestContext();
    const market = ctx.services.market as InMemoryMarketData;
    const cut = async (s: string) => (await market.daily({ symbol: s, asOf: '9999-12-31' })).bars;
    const series = new Map<string, Bar[]>([
      ['AAPL', (await cut('AAPL')).filter((b) => b.date <= '2017-11-01')],
      ['MSFT', await cut('MSFT')],
      ['SPX', await cut('SPX')],
    ]);
    ctx.services.market = new InMemoryMarketData('sample', series);
    at('2017-11-08');
    const { output } = await fetchStep.run(ctx, '2017-11-08', {}, {});
    expect(output.blocked.AAPL).toMatch(/^data quality: .*stale/);
    expect(output.blocked.MSFT).toBeUndefined();
    expect(output.findings.some((f) => f.symbol === 'AAPL' && f.code === 'stale' && f.severity === 'error')).toBe(true);
  });

  it('restores from the snapshot without asking the source again, or re-reads a deterministic source', async () => {
    const { ctx, at } = await stepTestContext();
    at('2017-11-08');
    const first = await fetchStep.run(ctx, '2017-11-08', {}, {});
    const fromSnapshot = await fetchStep.restore(ctx, '2017-11-08', {}, first.record);
    expect(fromSnapshot.dataVersion).toBe(first.record.dataVersion);
    expect(fromSnapshot.series.get('MSFT')?.source).toBe('snapshot');
    expect(fromSnapshot.series.get('MSFT')?.bars).toEqual(first.output.series.get('MSFT')?.bars);
    const { ctx: replay } = await stepTestContext();
    const reread = await fetchStep.restore(replay, '2017-11-08', {}, first.record);
    expect(reread.series.get('MSFT')?.source).toBe('sample');
    expect(reread.series.get('MSFT')?.bars).toEqual(first.output.series.get('MSFT')?.bars);
  });
});

const DATES = ['2017-10-30', '2017-10-31', '2017-11-01', '2017-11-02', '2017-11-03', '2017-11-06'];

/** A fresh team context (empty journal and snapshots) reading `market`. */
async function contextOn(market: InMemoryMarketData): Promise<TeamContext> {
  const { ctx } = await stepTestContext();
  ctx.services.market = market;
  return ctx;
}

async function sample(): Promise<Map<string, Bar[]>> {
  const s = sampleMarketData();
  const out = new Map<string, Bar[]>();
  for (const sym of ['AAPL', 'MSFT', 'SPX']) out.set(sym, (await s.daily({ symbol: sym, asOf: '2017-11-10' })).bars);
  return out;
}

describe('fetch: per-symbol hashes and clean bars carried from day to day', () => {
  it('give each day the same data version and bars as a first cycle on that day would', async () => {
    const market = new InMemoryMarketData('sample', await sample());
    const carried = await contextOn(market);
    const versions: string[] = [];
    for (const date of DATES) {
      const day = await fetchStep.run(carried, date, {}, {});
      const fresh = await fetchStep.run(await contextOn(market), date, {}, {});
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
    const ctx = await contextOn(market);
    const before = (await fetchStep.run(ctx, '2017-11-03', {}, {})).output.dataVersion;
    const aapl = (series.get('AAPL') as Bar[]).map((b) => ({ ...b }));
    const i = aapl.findIndex((b) => b.date === '2017-06-01');
    const b = aapl[i] as Bar;
    const up = (x: number | null) => (x === null ? null : x * 1.01);
    aapl[i] = { ...b, open: up(b.open), high: up(b.high), low: up(b.low), close: b.close * 1.01 };
    const revised = new InMemoryMarketData('sample', new Map([...series, ['AAPL', aapl]]));
    ctx.services.market = revised;
    const after = await fetchStep.run(ctx, '2017-11-03', {}, {});
    expect(after.output.dataVersion).not.toBe(before);
    expect(after.output.dataVersion).toBe((await fetchStep.run(await contextOn(revised), '2017-11-03', {}, {})).output.dataVersion);
    expect(after.output.series.get('AAPL')?.bars.find((b) => b.date === '2017-06-01')?.close).toBe(aapl[i]?.close);
  });
});
