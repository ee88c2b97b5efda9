import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compareSeries, realBars } from '../../testing/indicator-reference.ts';
import type { Bar } from '../market/types.ts';
import { defineFeature } from './factory.ts';
import { BUILT_IN_FEATURES } from './indicators/index.ts';
import { field, type StreamingIndicator } from './indicators/types.ts';
import { availableFields, buildFeatureColumns, buildFeatureMatrix, FeatureMatrixBuilder, planFeatures } from './matrix.ts';
import { builtInFeatures, FeatureRegistry, FeatureRegistryError, featureRegistry, registerFeature } from './registry.ts';
import { featureSpecSchema, featureSpecSchemaFor, type FeatureSpec } from './spec.ts';

/** What a team's plug-in module exports: the day's range as a fraction of the close, streaming only (key, schema, make: the minimum). */
class RangePct implements StreamingIndicator {
  readonly columns: readonly string[];
  readonly requires = ['high', 'low'] as const;
  constructor(readonly smooth: number) {
    this.columns = [`range_pct_${smooth}`];
  }
  private readonly recent: number[] = [];
  update(bar: Bar): readonly (number | null)[] {
    this.recent.push((field(bar, 'high') - field(bar, 'low')) / bar.close);
    if (this.recent.length > this.smooth) this.recent.shift();
    return [this.recent.length < this.smooth ? null : this.recent.reduce((a, b) => a + b, 0) / this.smooth];
  }
}
const rangeFeature = defineFeature({
  key: 'range_pct',
  schema: z.strictObject({ smooth: z.number().int().min(1).max(50) }),
  make: ({ smooth }) => [new RangePct(smooth)],
});

const bars = realBars('AAPL', 300);
const withPlugin = () => {
  const r = new FeatureRegistry(BUILT_IN_FEATURES);
  registerFeature(rangeFeature, r);
  return r;
};
const spec = { rsi: [14], returns: [1], lags: { columns: ['ret_1', 'range_pct_5'], count: 2 }, range_pct: { smooth: 5 } } as FeatureSpec;

describe('feature registry', () => {
  it('holds the built-in families in column order', () => {
    expect(builtInFeatures.list().map((f) => f.key)).toEqual(['rsi', 'ema', 'sma', 'macd', 'bollinger', 'atr', 'stochastic', 'obv', 'returns', 'volatility', 'volume_z', 'calendar', 'lags']);
    expect(featureRegistry.list().map((f) => f.key)).toEqual(builtInFeatures.list().map((f) => f.key));
  });

  it('a plug-in family plans after the built-in bar families and before the derived ones, and lags can read it', () => {
    const registry = withPlugin();
    const plan = planFeatures(spec, availableFields([{ bars }]), [], { registry });
    expect(plan.columns).toEqual(['rsi_14', 'ret_1', 'range_pct_5', 'ret_1_lag_1', 'ret_1_lag_2', 'range_pct_5_lag_1', 'range_pct_5_lag_2']);
    // Without the plug-in its key means nothing and its column is unknown.
    expect(() => planFeatures(spec, availableFields([{ bars }]))).toThrow('features.lags.columns: "range_pct_5" is not a feature column');
  });

  it('a plug-in without a batch form is streamed in the batch path: both paths give the same rows', () => {
    const registry = withPlugin();
    const plan = planFeatures(spec, availableFields([{ bars }]), [], { registry });
    const batch = buildFeatureMatrix('AAPL', bars, spec, plan, undefined, registry);
    const streamed = new FeatureMatrixBuilder('AAPL', spec, plan, registry).extend(bars);
    expect(batch.map((r) => r.date)).toEqual(streamed.map((r) => r.date));
    plan.columns.forEach((c, j) => {
      const r = compareSeries(batch.map((x) => x.features[j] ?? null), streamed.map((x) => x.features[j] ?? null), 1e-3);
      expect(r.warmupDiffers, c).toEqual([]);
      expect(r.maxRel, c).toBeLessThan(1e-9);
    });
    const range = plan.columns.indexOf('range_pct_5');
    const i = bars.length - 1;
    const want = bars.slice(i - 4).reduce((a, b) => a + ((b.high as number) - (b.low as number)) / b.close, 0) / 5;
    expect(batch[batch.length - 1]?.features[range]).toBeCloseTo(want, 12);
  });

  it('a plug-in needing fields close-only series lack is dropped with the reason, and its lags with it', () => {
    const registry = withPlugin();
    const closeOnly = bars.map((b) => ({ ...b, open: null, high: null, low: null, volume: null }));
    const plan = planFeatures(spec, availableFields([{ bars: closeOnly }]), ['KO'], { registry });
    expect(plan.columns).toEqual(['rsi_14', 'ret_1', 'ret_1_lag_1', 'ret_1_lag_2']);
    expect(plan.dropped).toEqual([
      { feature: 'range_pct', columns: ['range_pct_5'], reason: 'needs high, low, which KO does not provide (close-only series)' },
      { feature: 'lags of range_pct_5', columns: ['range_pct_5_lag_1', 'range_pct_5_lag_2'], reason: 'range_pct_5 was dropped' },
    ]);
    expect(buildFeatureMatrix('KO', closeOnly, spec, plan, undefined, registry).length).toBeGreaterThan(200);
  });

  it('a batch form giving the wrong number of columns is an error naming the family', () => {
    const registry = new FeatureRegistry(BUILT_IN_FEATURES);
    registry.register({ ...rangeFeature, batch: () => [] });
    const plan = planFeatures(spec, availableFields([{ bars }]), [], { registry });
    expect(() => buildFeatureColumns('AAPL', bars, spec, plan, undefined, registry)).toThrow('feature range_pct: batch gave 0 columns; expected 1 of 300 rows');
  });

  it('keys are checked: taken, reserved, malformed, or the fixed built-in registry', () => {
    const registry = withPlugin();
    expect(() => registry.register({ ...rangeFeature })).toThrow(new FeatureRegistryError('feature key "range_pct" is already registered'));
    registry.register(rangeFeature); // the same factory again: a no-op
    expect(() => registry.register({ ...rangeFeature, key: 'alphavantage' })).toThrow('feature key "alphavantage" is reserved');
    expect(() => registry.register({ ...rangeFeature, key: 'Range-Pct' })).toThrow('expected lower-case letters, digits and _');
    expect(() => registerFeature(rangeFeature, builtInFeatures)).toThrow('this registry is fixed');
  });

  it('the spec schema over a registry takes the plug-in key, checks its params with its schema, and still refuses unknown keys', () => {
    const schema = featureSpecSchemaFor(withPlugin());
    expect(schema.parse({ range_pct: { smooth: 5 } })).toEqual({ range_pct: { smooth: 5 } });
    const bad = schema.safeParse({ range_pct: { smooth: 0 } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['range_pct', 'smooth']);
    expect(schema.safeParse({ rangepct: { smooth: 5 } }).error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['rangepct'] });
    // The built-in schema does not know it.
    expect(featureSpecSchema.safeParse({ range_pct: { smooth: 5 } }).success).toBe(false);
  });
});
