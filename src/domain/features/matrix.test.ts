import YAML from 'yaml';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { realBars } from '../../testing/indicator-reference.ts';
import { REPO_ROOT } from '../../testing/services.ts';
import type { Bar } from '../market/types.ts';
import { seededRandom } from '../models/rng.ts';
import { availableFields, buildFeatureMatrix, FeatureMatrixBuilder, featureMatrixCsv, planFeatures } from './matrix.ts';
import { featureSpecSchema } from './spec.ts';

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

describe('feature matrix', () => {
  const base = buildFeatureMatrix('AAPL', bars, spec, plan);

  it('no look-ahead: perturbing every bar after day t leaves every row ≤ t bit-identical', () => {
    const rand = seededRandom(7);
    for (let trial = 0; trial < 30; trial++) {
      const t = 100 + Math.floor(rand() * (bars.length - 102));
      const tDate = (bars[t] as Bar).date;
      const changed = buildFeatureMatrix('AAPL', perturbAfter(bars, t, rand), spec, plan);
      const before = base.filter((r) => r.date <= tDate);
      const after = changed.filter((r) => r.date <= tDate);
      expect(after.map((r) => r.date)).toEqual(before.map((r) => r.date));
      after.forEach((r, i) => {
        const b = before[i];
        expect(Object.is(r.close, b?.close)).toBe(true);
        r.features.forEach((v, j) => expect(Object.is(v, b?.features[j]), `${r.date} ${plan.columns[j]}`).toBe(true));
        // Labels of t come from t+1 only: they may change for row t, never before it.
        if (r.date < tDate) expect(r.targets).toEqual(b?.targets);
      });
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

  it('streaming day by day equals the batch build (what a daily cycle sees is what training saw)', () => {
    const b = new FeatureMatrixBuilder('AAPL', spec, plan);
    let rows = b.extend(bars.slice(0, 300));
    for (let n = 301; n <= bars.length; n += 17) rows = b.extend(bars.slice(0, n));
    rows = b.extend(bars);
    expect(rows).toEqual(base);
  });

  it('the CSV is date, the features, then the target_* labels (empty on the last row)', () => {
    const csv = featureMatrixCsv(base, plan.columns).trim().split('\n');
    expect(csv[0]).toBe(['date', ...plan.columns, 'target_return', 'target_close', 'target_direction'].join(','));
    expect(csv).toHaveLength(base.length + 1);
    expect(csv[csv.length - 1]?.endsWith(',,,')).toBe(true);
  });
});
