import { describe, expect, it } from 'vitest';
import { stateBefore } from '../../testing/cycle-state.ts';
import { stepTestContext } from '../../testing/team-context.ts';
import { monitorStep } from './monitor.ts';
import { predictStep } from './predict.ts';

const auto = { approval: 'auto' as const };

describe('monitor step', () => {
  it('says so on the first cycle; from the second, joins yesterday\'s predictions with today\'s truth', async () => {
    const { ctx, reports, at } = await stepTestContext((t) => ({ ...t, lifecycle: { ...t.lifecycle, gate: auto } }));
    at('2017-11-08');
    const s1 = await stateBefore(ctx, '2017-11-08', 'monitor');
    const first = await monitorStep.run(ctx, '2017-11-08', s1, {});
    expect(first.output.comparisons).toBe(0);
    expect(reports.monitoringPages[0]?.notes).toContain('first cycle: no prediction to compare yet (reports start from the second cycle)');
    await ctx.services.journal.record('2017-11-08', 'monitor', first.record);

    at('2017-11-09');
    const s2 = await stateBefore(ctx, '2017-11-09', 'monitor');
    const second = await monitorStep.run(ctx, '2017-11-09', s2, {});
    expect(second.output.comparisons).toBe(2); // AAPL and MSFT of 2017-11-08 against 2017-11-09
    const page = reports.monitoringPages[1];
    const msft = page?.pairs.find((p) => p.symbol === 'MSFT');
    const yesterday = s1.predict?.predictions.find((p) => p.symbol === 'MSFT');
    const today = s2.fetch?.series.get('MSFT')?.bars.at(-1);
    expect(msft?.predicted).toBe(yesterday?.value);
    expect(msft?.actual).toBeCloseTo((today?.close as number) / (yesterday?.close as number) - 1, 12);
    expect(second.output.pooled.n).toBe(2);
    // Drift runs against the champion's training window (daily here), every feature plus target and prediction.
    const prediction = page?.drift?.columns.prediction;
    // A numerical column: a two-sample KS test, its p-value against 0.05, drifted when below it.
    expect(prediction).toMatchObject({ type: 'num', test: 'ks', threshold: 0.05 });
    expect(prediction?.score).toBeGreaterThanOrEqual(0);
    expect(prediction?.score).toBeLessThanOrEqual(1);
    expect(prediction?.drift).toBe((prediction?.score as number) < 0.05);
    expect(second.output.summary.drift_share).toBe(page?.drift?.drift_share);
  });

  it('between drift days the last verdict stands', async () => {
    const { ctx, at } = await stepTestContext((t) => ({ ...t, lifecycle: { ...t.lifecycle, gate: auto } }));
    ctx.options = { ...ctx.options, driftEveryTradingDays: 5 };
    at('2017-11-08');
    await ctx.services.journal.record('2017-11-07', 'monitor', { summary: { dataset_drift: true, drift_share: 0.9, live_directional_accuracy: null }, comparisons: 0, pooled: { n: 0 } });
    const s = await stateBefore(ctx, '2017-11-08', 'monitor');
    const { output } = await monitorStep.run(ctx, '2017-11-08', s, {});
    expect(output.summary).toEqual({ dataset_drift: true, drift_share: 0.9, live_directional_accuracy: null });
  });

  it('restores its journaled summary as it was', async () => {
    const { ctx } = await stepTestContext();
    const record = { summary: { dataset_drift: false, drift_share: 0.1, live_directional_accuracy: 0.55 }, comparisons: 12, pooled: { n: 12, mae: 0.01 } };
    expect(await monitorStep.restore(ctx, '2017-11-08', {}, record)).toEqual(record);
    expect(predictStep.name).toBe('predict');
  });
});
