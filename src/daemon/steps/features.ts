/**
 * features: the feature matrix per symbol, built by streaming builders kept across cycles
 * (each day appends one row). Features the data cannot feed (close-only series) are dropped
 * with the reason.
 */
import path from 'node:path';
import { writeFileAtomic } from '../../core/fsx.ts';
import { availableFields, FeatureMatrixBuilder, featureMatrixCsv, planFeatures, type FeaturePlan, type FeatureRow } from '../../features/matrix.ts';
import { need, type StepDef } from '../cycle.ts';
import type { TeamRuntime } from '../runtime.ts';
import type { DailySeries } from '../../market/types.ts';

export interface FeaturesOutput {
  plan: FeaturePlan;
  rows: Map<string, FeatureRow[]>;
}

export function computeFeatures(rt: TeamRuntime, series: Map<string, DailySeries>): FeaturesOutput {
  const closeOnly = [...series.values()].filter((s) => !availableFields([s]).has('open')).map((s) => s.symbol);
  const plan = planFeatures(rt.team.features, availableFields([...series.values()]), closeOnly);
  const key = plan.columns.join(',');
  if (rt.features.planKey !== key) {
    rt.features.plan = plan;
    rt.features.planKey = key;
    rt.features.builders.clear();
  }
  const rows = new Map<string, FeatureRow[]>();
  for (const [symbol, s] of series) {
    let b = rt.features.builders.get(symbol);
    if (!b) {
      b = new FeatureMatrixBuilder(symbol, rt.team.features, plan);
      rt.features.builders.set(symbol, b);
    }
    rows.set(symbol, b.extend(s.bars));
  }
  return { plan, rows };
}

export const featuresStep: StepDef<'features'> = {
  name: 'features',
  async run(rt, _date, state) {
    const out = computeFeatures(rt, need(state, 'fetch').series);
    if (rt.writeSnapshots)
      for (const [symbol, rows] of out.rows) await writeFileAtomic(path.join(rt.dirs.features, `${symbol}.csv`), featureMatrixCsv(rows, out.plan.columns));
    const record = {
      columns: out.plan.columns.length,
      dropped: out.plan.dropped,
      rows: Object.fromEntries([...out.rows].map(([k, r]) => [k, r.length])),
    };
    return { output: out, record };
  },
  async restore(rt, _date, state) {
    return computeFeatures(rt, need(state, 'fetch').series);
  },
};
