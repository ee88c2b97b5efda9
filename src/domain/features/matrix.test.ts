import YAML from 'yaml';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareSeries, realBars, sampleSeries } from '../../testing/indicator-reference.ts';
import { REPO_ROOT } from '../../testing/services.ts';
import type { Bar } from '../market/types.ts';
import { seededRandom } from '../models/rng.ts';
import { availableFields, buildFeatureColumns, buildFeatureMatrix, FeatureMatrixBuilder, featureMatrixCsv, planFeatures, type FeatureRow } from './matrix.ts';
import { DEFAULT_FEATURES, featureSpecSchema, type FeatureSpec } from './spec.ts';

// The red team's full feature set: every indicator family, calendar features and 5 lags.
const spec = featureSpecSchema.parse((YAML.parse(readFileSync(path.join(REPO_ROOT, 'teams', 'red.yml'), 'utf8')) as { features: unknown }).features);
const bars = realBars('AAPL', 500);
const plan = planFeatures(spec, availableFields([{ bars }]));

function perturbAfter(src: readonly Bar[], t: number, rand: () => number): Bar[] {
  return src.map((b, i) => {
    if (i <= t) return b;
    const m = 0.5 + rand();
    return { ...b, open: (b.open as number) * m, high: (b.high as number) * m * 1.01, low: (b.low as number) * m * 0.99, close: b.close * m, volume: Math.round((b.volume as number) * (0.2 + 2 * rand())) };
  });
}

/** The streaming path over the whole series at once. */
const streamed = (symbol: string, b: readonly Bar[], s: FeatureSpec, p = planFeatures(s, availableFields([{ bars: b }]))): FeatureRow[] => new FeatureMatrixBuilder(symbol, s, p).extend(b);

/** The same rows (dates, closes, labels), and every feature within 1e-9 (relative; absolute 1e-12 below 1e-3). */
function expectSameRows(actual: readonly FeatureRow[], expected: readonly FeatureRow[], columns: readonly string[]): void {
  expect(actual.map((r) => [r.date, r.close, r.targets])).toEqual(expected.map((r) => [r.date, r.close, r.targets]));
  columns.forEach((column, j) => {
    const r = compareSeries(actual.map((x) => x.features[j] ?? null), expected.map((x) => x.features[j] ?? null), 1e-3);
    expect(r.warmupDiffers, column).toEqual([]);
    expect(r.maxRel, column).toBeLessThan(1e-9);
  });
}

describe('feature matrix', () => {
  const base = buildFeatureMatrix('AAPL', bars, spec, plan);

  it('the default columns, in order: the journal and the model cards name features by these', () => {
    const p = planFeatures(DEFAULT_FEATURES, availableFields([{ bars }]));
    expect(p.columns).toEqual([
      'rsi_14', 'ema_12_gap', 'ema_26_gap', 'sma_10_gap', 'sma_50_gap',
      'macd_12_26_9', 'macd_signal_12_26_9', 'macd_hist_12_26_9', 'bb_pctb_20', 'bb_width_20',
      'atr_14_pct', 'stoch_k_14', 'stoch_d_14_3', 'obv_z_20', 'ret_1', 'ret_5', 'ret_20', 'vol_20', 'volume_z_20',
      'dow_mon', 'dow_tue', 'dow_wed', 'dow_thu', 'dow_fri', 'month',
      'ret_1_lag_1', 'ret_1_lag_2', 'ret_1_lag_3', 'ret_1_lag_4', 'ret_1_lag_5',
    ]);
    expect(p.dropped).toEqual([]);
    // On close-only series the families needing high/low/volume go, each with its reason, in the same order.
    const closeOnly = bars.map((b) => ({ ...b, open: null, high: null, low: null, volume: null }));
    const q = planFeatures(DEFAULT_FEATURES, availableFields([{ bars: closeOnly }]), ['JPM']);
    expect(q.dropped).toEqual([
      { feature: 'atr 14', columns: ['atr_14_pct'], reason: 'needs high, low, which JPM does not provide (close-only series)' },
      { feature: 'stochastic', columns: ['stoch_k_14', 'stoch_d_14_3'], reason: 'needs high, low, which JPM does not provide (close-only series)' },
      { feature: 'obv 20', columns: ['obv_z_20'], reason: 'needs volume, which JPM does not provide (close-only series)' },
      { feature: 'volume_z 20', columns: ['volume_z_20'], reason: 'needs volume, which JPM does not provide (close-only series)' },
    ]);
    expect(q.columns).toEqual(p.columns.filter((c) => !q.dropped.some((d) => d.columns.includes(c))));
  });

  it('a lag of a column that is not a feature is a spec error naming the columns there are', () => {
    expect(() => planFeatures({ rsi: [14], lags: { columns: ['ret_1'], count: 2 } }, availableFields([{ bars }]))).toThrow(
      'features.lags.columns: "ret_1" is not a feature column; expected one of rsi_14',
    );
    // A lag of a dropped column is dropped with it.
    const closeOnly = bars.map((b) => ({ ...b, open: null, high: null, low: null, volume: null }));
    expect(planFeatures({ atr: [14], lags: { columns: ['atr_14_pct'], count: 2 } }, availableFields([{ bars: closeOnly }])).dropped[1]).toEqual({
      feature: 'lags of atr_14_pct',
      columns: ['atr_14_pct_lag_1', 'atr_14_pct_lag_2'],
      reason: 'atr_14_pct was dropped',
    });
  });

  it.each([
    ['batch', (b: readonly Bar[]) => buildFeatureMatrix('AAPL', b, spec, plan)],
    ['streaming', (b: readonly Bar[]) => streamed('AAPL', b, spec, plan)],
  ] as const)('no look-ahead (%s): perturbing every bar after day t leaves every row ≤ t bit-identical', (_path, build) => {
    const rand = seededRandom(7);
    const base = build(bars);
    for (let trial = 0; trial < 30; trial++) {
      const t = 100 + Math.floor(rand() * (bars.length - 102));
      const tDate = (bars[t] as Bar).date;
      const changed = build(perturbAfter(bars, t, rand));
      const before = base.filter((r) => r.date <= tDate);
      const after = changed.filter((r) => r.date <= tDate);
      expect(after.map((r) => r.date)).toEqual(before.map((r) => r.date));
      // Every cell that is not bit-identical (one assertion per trial, so a failure lists them all).
      const differ: string[] = [];
      after.forEach((r, i) => {
        const b = before[i];
        if (!Object.is(r.close, b?.close)) differ.push(`${r.date} close`);
        r.features.forEach((v, j) => Object.is(v, b?.features[j]) || differ.push(`${r.date} ${plan.columns[j]}`));
      });
      expect(differ).toEqual([]);
      // Labels of t come from t+1 only: they may change for row t, never before it.
      expect(after.filter((r) => r.date < tDate).map((r) => r.targets)).toEqual(before.filter((r) => r.date < tDate).map((r) => r.targets));
      const rowT = after.find((r) => r.date === tDate);
      expect(rowT?.targets?.close).toBe(changed.find((r) => r.date === (bars[t + 1] as Bar).date)?.close);
    }
  });

  it('labels: next-day return, close and direction from t+1; the last row has none and is the one predicted', () => {
    for (let i = 0; i < base.length - 1; i++) {
      const r = base[i];
      const next = base[i + 1];
      expect(r?.targets).toEqual({ return: (next?.close as number) / (r?.close as number) - 1, close: next?.close, direction: (next?.close as number) > (r?.close as number) ? 1 : 0 });
    }
    expect(base[base.length - 1]?.targets).toBeNull();
    expect(base[base.length - 1]?.date).toBe(bars[bars.length - 1]?.date);
  });

  it('warm-up rows are dropped, never zero-filled: every kept value is finite', () => {
    expect(base.every((r) => r.features.length === plan.columns.length && r.features.every(Number.isFinite))).toBe(true);
    // SMA 50 needs 50 bars and the 5 lags of ret_1 five more days: the first row comes no earlier.
    const first = bars.findIndex((b) => b.date === base[0]?.date);
    expect(first).toBeGreaterThanOrEqual(49);
    expect(base.length).toBe(bars.length - first);
  });

  it('lags are the column shifted by n rows', () => {
    const c = plan.columns.indexOf('ret_1');
    for (let n = 1; n <= 5; n++) {
      const l = plan.columns.indexOf(`ret_1_lag_${n}`);
      for (let i = 10; i < base.length; i++) expect(base[i]?.features[l]).toBe(base[i - n]?.features[c]);
    }
  });

  it('streaming day by day equals streaming the whole series, exactly', () => {
    const b = new FeatureMatrixBuilder('AAPL', spec, plan);
    let rows = b.extend(bars.slice(0, 300));
    for (let n = 301; n <= bars.length; n += 17) rows = b.extend(bars.slice(0, n));
    rows = b.extend(bars);
    expect(rows).toEqual(streamed('AAPL', bars, spec, plan));
  });

  it('streaming equals the batch build to 1e-9, same rows and labels (what a daily cycle sees is what training saw)', () => {
    expectSameRows(streamed('AAPL', bars, spec, plan), base, plan.columns);
  });

  it.each(sampleSeries().map((s) => [s.symbol, s.bars] as const))('streaming equals batch on every bundled series, whole: %s', (symbol, b) => {
    const p = planFeatures(spec, availableFields([{ bars: b }]));
    expectSameRows(streamed(symbol, b, spec, p), buildFeatureMatrix(symbol, b, spec, p), p.columns);
  });

  it('the columns form keeps NaN where the rows form has no row, and the same values where it has', () => {
    const fc = buildFeatureColumns('AAPL', bars, spec, plan);
    expect(fc.columns).toEqual(plan.columns);
    const kept = fc.dates.filter((_, i) => fc.complete[i] === 1);
    expect(kept).toEqual(base.map((r) => r.date));
    base.forEach((r) => {
      const i = fc.dates.indexOf(r.date);
      expect(fc.values.map((c) => c[i])).toEqual(r.features);
    });
    expect(fc.values.every((c) => c.every((v, i) => fc.complete[i] === 0 || Number.isFinite(v)))).toBe(true);
  });

  it('bars out of order or duplicated are an error in both paths', () => {
    const dup = [...bars.slice(0, 60), bars[59] as Bar];
    expect(() => buildFeatureMatrix('AAPL', dup, spec, plan)).toThrow(`AAPL: bars out of order or duplicated at ${bars[59]?.date}`);
    expect(() => streamed('AAPL', dup, spec, plan)).toThrow(`AAPL: bars out of order or duplicated at ${bars[59]?.date}`);
  });

  it('the CSV is date, the features, then the target_* labels (empty on the last row)', () => {
    const csv = featureMatrixCsv(base, plan.columns).trim().split('\n');
    expect(csv[0]).toBe(['date', ...plan.columns, 'target_return', 'target_close', 'target_direction'].join(','));
    expect(csv).toHaveLength(base.length + 1);
    expect(csv[csv.length - 1]?.endsWith(',,,')).toBe(true);
  });
});
