import { describe, expect, it } from 'vitest';
import { stateBefore } from '../../testing/cycle-state.ts';
import { stepTestContext } from '../../testing/team-context.ts';
import { predictStep } from './predict.ts';

describe('predict step', () => {
  it("predicts each symbol's next day from the cycle date's row with the champion, and keeps the predictions", async () => {
    const { ctx, snapshots, at } = await stepTestContext((t) => ({ ...t, lifecycle: { ...t.lifecycle, gate: { approval: 'auto' } } }));
    at('2017-11-08');
    const state = await stateBefore(ctx, '2017-11-08', 'predict');
    const { output, record } = await predictStep.run(ctx, '2017-11-08', state, {});
    expect(output.predictions.map((p) => [p.id, p.model_version])).toEqual([
      ['2017-11-08:AAPL', 'v0001'],
      ['2017-11-08:MSFT', 'v0001'],
    ]);
    const msft = output.predictions[1];
    // The champion's own prediction on that row, unchanged (regression: the value is the expected return).
    const row = state.features?.rows.get('MSFT')?.at(-1);
    expect(msft?.close).toBe(row?.close);
    expect(msft?.value).toBe(msft?.expectedReturn);
    expect(msft?.probabilityUp).toBeNull();
    expect(record).toEqual(output);
    expect(snapshots.predictions.get('2017-11-08')).toEqual(record);
  });

  it('skips a symbol whose rows stop before the cycle date, and everything without a champion', async () => {
    const { ctx, at } = await stepTestContext((t) => ({ ...t, lifecycle: { ...t.lifecycle, gate: { approval: 'auto' } } }));
    at('2017-11-08');
    const state = await stateBefore(ctx, '2017-11-08', 'predict');
    const rows = new Map(state.features?.rows);
    rows.set('AAPL', (rows.get('AAPL') ?? []).filter((r) => r.date <= '2017-11-06'));
    const { output } = await predictStep.run(ctx, '2017-11-08', { ...state, features: { plan: state.features!.plan, rows } }, {});
    expect(output.skipped).toEqual({ AAPL: 'no feature row for 2017-11-08 (last 2017-11-06)' });
    const none = await predictStep.run(ctx, '2017-11-08', { ...state, model: { ...state.model!, version: null, model: null } }, {});
    expect(none.output).toEqual({ predictions: [], skipped: { AAPL: 'no champion model', MSFT: 'no champion model' } });
  });
});
