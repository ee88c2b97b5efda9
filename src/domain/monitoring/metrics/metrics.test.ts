import { describe, expect, it } from 'vitest';
import {
  byGroup,
  classificationMetrics,
  directionalAccuracy,
  errorQuantiles,
  logLoss,
  macroAverage,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanError,
  r2Score,
  regressionMetrics,
  rocAuc,
  rolling,
  rootMeanSquaredError,
} from './index.ts';

describe('regression metrics', () => {
  const t = [1, 2, 3, 4];
  const p = [2, 2, 2, 2]; // errors 1, 0, −1, −2

  it('ME, MAE, RMSE, R², MAPE on a hand-checked case', () => {
    expect(meanError(t, p)).toBe(-0.5);
    expect(meanAbsoluteError(t, p)).toBe(1);
    expect(rootMeanSquaredError(t, p)).toBeCloseTo(Math.sqrt(1.5), 15);
    expect(r2Score(t, p)).toBeCloseTo(1 - 6 / 5, 15);
    expect(meanAbsolutePercentageError(t, p)).toBeCloseTo((100 * (1 + 0 + 1 / 3 + 2 / 4)) / 4, 12);
    const all = regressionMetrics(t, p);
    expect(all).toMatchObject({ n: 4, me: -0.5, mae: 1 });
    expect(all.rmse).toBeCloseTo(Math.sqrt(1.5), 15);
    expect(all.r2).toBeCloseTo(-0.2, 15);
    expect(all.mape).toBeCloseTo(45.833333333333336, 12);
  });

  it("MAPE near-zero targets: Evidently's replace (default), drop, none", () => {
    expect(meanAbsolutePercentageError([0, 2], [1, 3])).toBe(75); // zero row counts as 100 %
    expect(meanAbsolutePercentageError([0, 2], [1, 3], { zeroHandling: 'drop' })).toBe(50);
    expect(meanAbsolutePercentageError([0, 2], [1, 3], { zeroHandling: 'none' })).toBeGreaterThan(1e17);
  });

  it("MAPE divides by max(target, eps) like Evidently, or by |target| on request", () => {
    expect(meanAbsolutePercentageError([-2], [-1])).toBeCloseTo(100 / 2.220446049250313e-16, 0);
    expect(meanAbsolutePercentageError([-2], [-1], { denominator: 'abs' })).toBe(50);
  });

  it('R² of a constant target follows sklearn (1 if perfect, else 0); one row gives NaN', () => {
    expect(r2Score([1, 1], [1, 1])).toBe(1);
    expect(r2Score([1, 1], [1, 2])).toBe(0);
    expect(r2Score([1], [1])).toBeNaN();
  });

  it('directional accuracy: zero is its own sign', () => {
    expect(directionalAccuracy([1, -1, 0, 2], [0.5, -2, 0, -1])).toBe(0.75);
    expect(directionalAccuracy([0.01, 0], [0, 0.1])).toBe(0);
  });

  it('error quantiles interpolate linearly (numpy default)', () => {
    expect(errorQuantiles(t, p, [0, 0.5, 1])).toEqual([
      { q: 0, value: -2 },
      { q: 0.5, value: -0.5 },
      { q: 1, value: 1 },
    ]);
  });

  it('drops rows with a missing, NaN or infinite target or prediction', () => {
    const m = regressionMetrics([1, null, 2, 3, NaN, 4], [2, 5, 2, 2, 1, 2]);
    expect(m.n).toBe(4);
    expect(m.me).toBe(-0.5);
    expect(meanError([1, 2], [Infinity, 3])).toBe(1);
    expect(regressionMetrics([], []).mae).toBeNaN();
    expect(() => meanError([1], [1, 2])).toThrow(/differ in length/);
  });
});

describe('classification metrics', () => {
  it('sklearn docs ROC AUC example and ties at half credit', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
    expect(rocAuc([0, 1], [0.5, 0.5])).toBe(0.5);
    expect(rocAuc([0, 0, 1, 1], [0.2, 0.6, 0.6, 0.9])).toBe(0.875);
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
  });

  it('labels at probability >= 0.5, pos_label 1', () => {
    const m = classificationMetrics([0, 0, 1, 1], [0.1, 0.5, 0.35, 0.8]);
    expect(m).toMatchObject({ tp: 1, fp: 1, tn: 1, fn: 1, accuracy: 0.5, precision: 0.5, recall: 0.5, f1: 0.5 });
    const n = classificationMetrics([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
    expect(n).toMatchObject({ tp: 1, fp: 0, tn: 2, fn: 1, accuracy: 0.75, precision: 1, recall: 0.5 });
    expect(n.f1).toBeCloseTo(2 / 3, 15);
    expect(n.log_loss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.6) + Math.log(0.35) + Math.log(0.8)) / 4, 15);
  });

  it('precision/recall/F1 are 0 when undefined; custom positive label and threshold', () => {
    const m = classificationMetrics([1, 0], [0.1, 0.2]);
    expect(m).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    const s = classificationMetrics(['up', 'down', 'up'], [0.7, 0.6, 0.65], { posLabel: 'up', threshold: 0.65 });
    expect(s).toMatchObject({ tp: 2, fp: 0, tn: 1, fn: 0 });
  });

  it('log loss clips probabilities to [eps, 1 − eps] like sklearn', () => {
    expect(logLoss([1], [0])).toBeCloseTo(-Math.log(2.220446049250313e-16), 12);
    expect(logLoss([0], [0])).toBeCloseTo(-Math.log(1 - 2.220446049250313e-16), 20);
  });
});

describe('rolling and per-group helpers', () => {
  it('rolling applies the metric over trailing windows', () => {
    expect(rolling(meanError, 2)([1, 2, 3], [1, 3, 5])).toEqual([null, 0.5, 1.5]);
    expect(rolling(meanError, 2, { minPeriods: 1 })([1, 2, 3], [1, 3, 5])).toEqual([0, 0.5, 1.5]);
    expect(() => rolling(meanError, 0)).toThrow(/window/);
  });

  it('byGroup gives per-group and pooled values; macroAverage skips NaN', () => {
    const r = byGroup(meanAbsoluteError, ['A', 'B', 'A'], [1, 2, 3], [2, 2, 5]);
    expect(r).toEqual({ groups: { A: 1.5, B: 0 }, pooled: 1 });
    expect(macroAverage({ A: 1.5, B: 0, C: NaN })).toBe(0.75);
  });
});
