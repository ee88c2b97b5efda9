import { describe, expect, it } from 'vitest';
import { stepTestContext } from '../../testing/team-context.ts';
import { featuresStep } from './features.ts';
import { fetchStep } from './fetch.ts';

describe('features step', () => {
  it('builds each symbol\'s rows up to the cycle date, one more row a day, and keeps the matrix', async () => {
    const { ctx, snapshots, at } = await stepTestContext();
    at('2017-11-08');
    const fetch = (await fetchStep.run(ctx, '2017-11-08', {}, {})).output;
    const { output, record } = await featuresStep.run(ctx, '2017-11-08', { fetch }, {});
    expect(record.columns).toBe(output.plan.columns.length);
    expect(output.plan.columns.slice(0, 3)).toEqual(['rsi_14', 'ema_12_gap', 'ema_26_gap']);
    for (const rows of output.rows.values()) expect(rows.at(-1)?.date).toBe('2017-11-08');
    expect(record.rows.MSFT).toBe(output.rows.get('MSFT')?.length);
    expect(snapshots.features.get('MSFT')?.columns).toEqual(output.plan.columns);
    at('2017-11-09');
    const next = await featuresStep.run(ctx, '2017-11-09', { fetch: (await fetchStep.run(ctx, '2017-11-09', {}, {})).output }, {});
    expect(next.record.rows.MSFT).toBe((record.rows.MSFT as number) + 1);
    // The streaming builders append: the older rows keep their very values (yesterday's target is now known).
    expect(next.output.rows.get('MSFT')?.slice(0, -1).map((r) => r.features)).toEqual(output.rows.get('MSFT')?.map((r) => r.features));
    expect(output.rows.get('MSFT')?.at(-1)?.targets).toBeNull();
    expect(next.output.rows.get('MSFT')?.at(-2)?.targets?.return).toBeCloseTo(((next.output.rows.get('MSFT')?.at(-1)?.close as number) / (output.rows.get('MSFT')?.at(-1)?.close as number)) - 1, 12);
  });

  it('restores by recomputing from the restored bars (the same rows)', async () => {
    const { ctx, at } = await stepTestContext();
    at('2017-11-08');
    const fetch = (await fetchStep.run(ctx, '2017-11-08', {}, {})).output;
    const ran = await featuresStep.run(ctx, '2017-11-08', { fetch }, {});
    const { ctx: fresh } = await stepTestContext();
    const restored = await featuresStep.restore(fresh, '2017-11-08', { fetch }, ran.record);
    expect(restored.plan).toEqual(ran.output.plan);
    expect(restored.rows).toEqual(ran.output.rows);
  });
});
