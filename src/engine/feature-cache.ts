/**
 * The feature matrix per symbol, built by streaming builders kept across cycles: each day appends
 * one row instead of recomputing the history. A change of the feature plan (a symbol turning
 * close-only, indicators appearing) starts the builders afresh. Owned by a team's services.
 */
import type { ExternalValues } from '../domain/features/alphavantage.ts';
import { availableFields, FeatureMatrixBuilder, planFeatures, type FeaturePlan, type FeatureRow } from '../domain/features/matrix.ts';
import type { FeatureRegistry } from '../domain/features/registry.ts';
import type { FeatureSpec } from '../domain/features/spec.ts';
import type { DailySeries } from '../domain/market/types.ts';

export class FeatureCache {
  private planKey = '';
  private readonly builders = new Map<string, FeatureMatrixBuilder>();

  constructor(
    private readonly spec: FeatureSpec,
    /** The families the spec may name (the built-ins and the team's own). */
    private readonly registry: FeatureRegistry,
  ) {}

  compute(series: ReadonlyMap<string, DailySeries>, external?: ReadonlyMap<string, ExternalValues>): { plan: FeaturePlan; rows: Map<string, FeatureRow[]> } {
    const closeOnly = [...series.values()].filter((s) => !availableFields([s]).has('open')).map((s) => s.symbol);
    const plan = planFeatures(this.spec, availableFields([...series.values()]), closeOnly, { external: external !== undefined, registry: this.registry });
    const key = plan.columns.join(',');
    if (this.planKey !== key) {
      this.planKey = key;
      this.builders.clear();
    }
    const rows = new Map<string, FeatureRow[]>();
    for (const [symbol, s] of series) {
      let b = this.builders.get(symbol);
      if (!b) {
        b = new FeatureMatrixBuilder(symbol, this.spec, plan, this.registry);
        this.builders.set(symbol, b);
      }
      // A symbol without values (nothing fetched, nothing cached) gets an empty map: its av_* cells are missing, so no rows.
      rows.set(symbol, b.extend(s.bars, external ? (external.get(symbol) ?? new Map()) : undefined));
    }
    return { plan, rows };
  }
}
