/**
 * features: the feature matrix per symbol, built by streaming builders kept across cycles
 * (each day appends one row). Features the data cannot feed (close-only series, or Alpha Vantage
 * indicators from a source that has none) are dropped with the reason; `av_*` values fetched by
 * the fetch step are joined by date.
 */
import path from 'node:path';
import { writeFileAtomic } from '../../core/fsx.ts';
import { availableFields, buildFeatureMatrix, FeatureMatrixBuilder, featureMatrixCsv, planFeatures, type FeaturePlan, type FeatureRow } from '../../domain/features/matrix.ts';
import { need, type StepDef } from '../cycle.ts';
import type { TeamRuntime } from '../runtime.ts';
import type { DailySeries } from '../../domain/market/types.ts';
import { joinAvValues, type AvAnswer, type ExternalValues } from '../../domain/features/alphavantage.ts';
import { isIndicatorSource } from '../../adapters/market/alphavantage/index.ts';
import type { TeamConfig } from '../../config/load.ts';
import { providerSpec } from './fetch.ts';
import type { MarketData } from '../../ports.ts';

export interface FeaturesOutput {
  plan: FeaturePlan;
  rows: Map<string, FeatureRow[]>;
}

export function computeFeatures(rt: TeamRuntime, series: Map<string, DailySeries>, external?: ReadonlyMap<string, ExternalValues>): FeaturesOutput {
  const closeOnly = [...series.values()].filter((s) => !availableFields([s]).has('open')).map((s) => s.symbol);
  const plan = planFeatures(rt.team.features, availableFields([...series.values()]), closeOnly, { external: external !== undefined });
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
    // A symbol without values (nothing fetched, nothing cached) gets an empty map: its av_* cells are missing, so no rows.
    rows.set(symbol, b.extend(s.bars, external ? (external.get(symbol) ?? new Map()) : undefined));
  }
  return { plan, rows };
}

export const featuresStep: StepDef<'features'> = {
  name: 'features',
  async run(rt, _date, state) {
    const fetched = need(state, 'fetch');
    const out = computeFeatures(rt, fetched.series, fetched.external);
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
    const fetched = need(state, 'fetch');
    return computeFeatures(rt, fetched.series, fetched.external);
  },
};

/**
 * One symbol's matrix as a cycle on `asOf` builds it, for `arena features`: the bars from `market` and, when
 * the team lists `features.alphavantage` and `market` serves them (the team's alphavantage provider), those
 * values joined by date. Through the provider, so the budget, the cache and stale serving apply; a stale
 * indicator is still written (the file says what the model would see), a missing one drops its rows.
 */
export async function teamFeatureMatrix(team: TeamConfig, symbol: string, market: MarketData, asOf: string): Promise<{ plan: FeaturePlan; rows: FeatureRow[]; stale: string[] }> {
  const { bars } = await market.daily({ symbol, asOf });
  let external: ExternalValues | undefined;
  const stale: string[] = [];
  const wanted = team.features.alphavantage ?? [];
  if (wanted.length > 0 && isIndicatorSource(market)) {
    const answers: AvAnswer[] = [];
    for (const indicator of wanted) {
      const s = await market.indicator(symbol, providerSpec(indicator), { asOf });
      if (s.stale) stale.push(`${s.key}: ${s.staleReason ?? 'refresh failed'}`);
      answers.push({ indicator, values: s.values });
    }
    external = joinAvValues(answers);
  }
  const plan = planFeatures(team.features, availableFields([{ bars }]), [], { external: external !== undefined });
  return { plan, rows: buildFeatureMatrix(symbol, bars, team.features, plan, external), stale };
}
