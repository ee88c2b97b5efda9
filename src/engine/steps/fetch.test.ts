import { describe, expect, it } from 'vitest';
import { InMemoryMarketData } from '../../adapters/market/memory.ts';
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
