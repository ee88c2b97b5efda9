/**
 * features: the feature matrix per symbol, built by streaming builders kept across cycles
 * (each day appends one row). Features the data cannot feed (close-only series, or Alpha Vantage
 * indicators from a source that has none) are dropped with the reason; `av_*` values fetched by
 * the fetch step are joined by date.
 */
import { need, type StepDef } from '../cycle-state.ts';
import type { FeaturesRecord } from '../records.ts';

export const featuresStep: StepDef<'features'> = {
  name: 'features',
  async run(ctx, _date, state) {
    const fetched = need(state, 'fetch');
    const out = ctx.services.features.compute(fetched.series, fetched.external);
    for (const [symbol, rows] of out.rows) await ctx.services.snapshots.saveFeatures(symbol, rows, out.plan.columns);
    const record: FeaturesRecord = {
      columns: out.plan.columns.length,
      dropped: out.plan.dropped,
      rows: Object.fromEntries([...out.rows].map(([k, r]) => [k, r.length])),
    };
    return { output: out, record };
  },
  async restore(ctx, _date, state) {
    const fetched = need(state, 'fetch');
    return ctx.services.features.compute(fetched.series, fetched.external);
  },
};
