import { describe, expect, it } from 'vitest';
import { realBars } from '../../testing/indicator-reference.ts';
import { bbands, macd, rsi } from '../../sim/alphavantage/indicators.ts';
import type { Bar } from '../market/types.ts';
import { seededRandom } from '../models/rng.ts';
import { avColumns, avIndicatorSchema, externalValuesCsv, joinAvValues, parseExternalValuesCsv, type AvIndicator, type ExternalValues } from './alphavantage.ts';
import { availableFields, buildFeatureMatrix, FeatureMatrixBuilder, planFeatures } from './matrix.ts';
import { featureSpecSchema } from './spec.ts';

const parse = (v: unknown): AvIndicator => avIndicatorSchema.parse(v);

describe('features.alphavantage entries', () => {
  it('fill Alpha Vantage defaults (daily, close, MACD 12/26/9, BBANDS 2/2/SMA)', () => {
    expect(parse({ function: 'RSI', time_period: 14 })).toEqual({ function: 'RSI', interval: 'daily', time_period: 14, series_type: 'close' });
    expect(parse({ function: 'MACD' })).toEqual({ function: 'MACD', interval: 'daily', series_type: 'close', fastperiod: 12, slowperiod: 26, signalperiod: 9 });
    expect(parse({ function: 'BBANDS', time_period: 20 })).toMatchObject({ nbdevup: 2, nbdevdn: 2, matype: 0 });
  });

  it('refuse other intervals, unknown keys, missing periods and unknown functions', () => {
    expect(avIndicatorSchema.safeParse({ function: 'RSI', time_period: 14, interval: 'weekly' }).success).toBe(false);
    expect(avIndicatorSchema.safeParse({ function: 'RSI', time_period: 14, period: 3 }).success).toBe(false);
    expect(avIndicatorSchema.safeParse({ function: 'EMA' }).success).toBe(false);
    expect(avIndicatorSchema.safeParse({ function: 'ADX', time_period: 14 }).success).toBe(false);
    expect(avIndicatorSchema.safeParse({ function: 'MACD', time_period: 14 }).success).toBe(false);
  });

  it('name their columns after function and parameters, leaving the defaults out', () => {
    const cols = (v: unknown) => avColumns(parse(v)).map((c) => c.column);
    expect(cols({ function: 'RSI', time_period: 14 })).toEqual(['av_rsi_14']);
    expect(cols({ function: 'EMA', time_period: 20, series_type: 'open' })).toEqual(['av_ema_20_open']);
    expect(cols({ function: 'SMA', time_period: 50 })).toEqual(['av_sma_50']);
    expect(cols({ function: 'MACD' })).toEqual(['av_macd', 'av_macd_signal', 'av_macd_hist']);
    expect(cols({ function: 'MACD', fastperiod: 5, slowperiod: 35, signalperiod: 5 })).toEqual(['av_macd_5_35_5', 'av_macd_signal_5_35_5', 'av_macd_hist_5_35_5']);
    expect(cols({ function: 'BBANDS', time_period: 20 })).toEqual(['av_bbands_upper_20', 'av_bbands_middle_20', 'av_bbands_lower_20']);
    expect(cols({ function: 'BBANDS', time_period: 20, nbdevup: 2.5, nbdevdn: 1, matype: 1 })).toEqual([
      'av_bbands_upper_20_u2p5_d1_ma1',
      'av_bbands_middle_20_u2p5_d1_ma1',
      'av_bbands_lower_20_u2p5_d1_ma1',
    ]);
  });

  it('an indicator listed twice (same columns) is refused, naming the entry', () => {
    const r = featureSpecSchema.safeParse({ alphavantage: [{ function: 'RSI', time_period: 14 }, { function: 'MACD' }, { function: 'RSI', time_period: 14, series_type: 'close' }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['alphavantage', 2]);
    expect(r.error?.issues[0]?.message).toContain('av_rsi_14');
  });
});

describe('joining Alpha Vantage values by date', () => {
  const rsiInd = parse({ function: 'RSI', time_period: 14 });
  const macdInd = parse({ function: 'MACD' });

  it('maps each answer row to its columns, keyed by the date the provider gave it; non-finite values are left out', () => {
    const joined = joinAvValues([
      { indicator: rsiInd, values: new Map([['2024-01-03', { RSI: 55.5 }], ['2024-01-02', { RSI: 50 }]]) },
      {
        indicator: macdInd,
        values: new Map([
          ['2024-01-03', { MACD: 1.5, MACD_Signal: 1.25, MACD_Hist: 0.25 }],
          ['2024-01-04', { MACD: Number.NaN, MACD_Signal: 1, MACD_Hist: 2 }],
        ]),
      },
    ]);
    expect([...joined.keys()]).toEqual(['2024-01-02', '2024-01-03', '2024-01-04']);
    expect(joined.get('2024-01-02')).toEqual({ av_rsi_14: 50 });
    expect(joined.get('2024-01-03')).toEqual({ av_rsi_14: 55.5, av_macd: 1.5, av_macd_signal: 1.25, av_macd_hist: 0.25 });
    expect(joined.get('2024-01-04')).toEqual({ av_macd_signal: 1, av_macd_hist: 2 });
    // Alpha Vantage's "-0.0000" parses to -0; it is stored as +0 so the CSV snapshot reads back the same bits.
    const z = joinAvValues([{ indicator: macdInd, values: new Map([['2024-01-05', { MACD: Number('-0.0000'), MACD_Signal: 0, MACD_Hist: 0 }]]) }]);
    expect(Object.is(z.get('2024-01-05')?.av_macd, 0)).toBe(true);
  });

  it('the snapshot CSV round-trips every value bit for bit, and missing cells stay missing', () => {
    const rand = seededRandom(3);
    const v = new Map<string, Record<string, number>>([
      ['2024-01-02', { av_rsi_14: rand() * 100, av_macd: -rand() / 7 }],
      ['2024-01-03', { av_macd: 1e-9 * rand() }],
    ]);
    const back = parseExternalValuesCsv(externalValuesCsv(v, ['av_rsi_14', 'av_macd']), 'x.csv');
    expect(back).toEqual(v);
    for (const [d, row] of v) for (const [c, x] of Object.entries(row)) expect(Object.is(back.get(d)?.[c], x)).toBe(true);
  });
});

/** What Alpha Vantage would answer for these bars: its definitions, values rounded to 4 decimals, dated by bar. */
function avAnswers(bars: readonly Bar[], inds: readonly AvIndicator[]): ExternalValues {
  const closes = bars.map((b) => b.close);
  const r4 = (x: number) => Number(x.toFixed(4));
  return joinAvValues(
    inds.map((indicator) => {
      const values = new Map<string, Record<string, number>>();
      if (indicator.function === 'RSI') rsi(closes, indicator.time_period).forEach((v, i) => v !== null && values.set((bars[i] as Bar).date, { RSI: r4(v) }));
      else if (indicator.function === 'MACD')
        macd(closes, indicator.fastperiod, indicator.slowperiod, indicator.signalperiod).forEach(
          (v, i) => v !== null && values.set((bars[i] as Bar).date, { MACD: r4(v.MACD), MACD_Signal: r4(v.MACD_Signal), MACD_Hist: r4(v.MACD_Hist) }),
        );
      else if (indicator.function === 'BBANDS')
        bbands(closes, indicator.time_period, indicator.nbdevup, indicator.nbdevdn).forEach((v, i) => v !== null && values.set((bars[i] as Bar).date, { ...v }));
      return { indicator, values };
    }),
  );
}

describe('feature matrix with Alpha Vantage columns', () => {
  const spec = featureSpecSchema.parse({
    rsi: [14],
    returns: [1],
    alphavantage: [{ function: 'RSI', time_period: 14 }, { function: 'MACD' }, { function: 'BBANDS', time_period: 20 }],
    lags: { columns: ['av_rsi_14'], count: 2 },
  });
  const bars = realBars('AAPL', 400);
  const external = avAnswers(bars, spec.alphavantage ?? []);
  const plan = planFeatures(spec, availableFields([{ bars }]), [], { external: true });
  const base = buildFeatureMatrix('AAPL', bars, spec, plan, external);
  const avCols = ['av_rsi_14', 'av_macd', 'av_macd_signal', 'av_macd_hist', 'av_bbands_upper_20', 'av_bbands_middle_20', 'av_bbands_lower_20'];

  it('plans local columns, then av_* columns, then lags (lags of av_* columns allowed)', () => {
    expect(plan.columns).toEqual(['rsi_14', 'ret_1', ...avCols, 'av_rsi_14_lag_1', 'av_rsi_14_lag_2']);
    expect(plan.dropped).toEqual([]);
  });

  it('without a source for them the av_* columns (and their lags) are dropped with the reason, not zero-filled', () => {
    const p = planFeatures(spec, availableFields([{ bars }]));
    expect(p.columns).toEqual(['rsi_14', 'ret_1']);
    expect(p.dropped.map((d) => d.feature)).toEqual(['alphavantage RSI', 'alphavantage MACD', 'alphavantage BBANDS', 'lags of av_rsi_14']);
    expect(p.dropped[0]?.reason).toMatch(/data\.provider alphavantage/);
    expect(buildFeatureMatrix('AAPL', bars, spec, p).length).toBeGreaterThan(300);
  });

  it("row t carries exactly the provider's values dated t", () => {
    expect(base.length).toBeGreaterThan(300);
    for (const r of base) {
      const want = external.get(r.date);
      avCols.forEach((c) => expect(Object.is(r.features[plan.columns.indexOf(c)], want?.[c]), `${r.date} ${c}`).toBe(true));
    }
    // Lags are the av column of earlier rows (consecutive bars here: no gaps).
    const i = plan.columns.indexOf('av_rsi_14');
    const l2 = plan.columns.indexOf('av_rsi_14_lag_2');
    for (let k = 2; k < base.length; k++) expect(base[k]?.features[l2]).toBe(base[k - 2]?.features[i]);
  });

  it('warm-up rows (no provider value yet) are dropped, never zero-filled', () => {
    // MACD 12/26/9 has its first value on bar 34 (index 33); the 2 lags of RSI need 2 earlier rows with RSI.
    const firstMacd = bars.findIndex((b) => external.get(b.date)?.av_macd !== undefined);
    expect(firstMacd).toBe(33);
    expect(base[0]?.date).toBe(bars[firstMacd]?.date);
    expect(base.every((r) => r.features.length === plan.columns.length && r.features.every(Number.isFinite))).toBe(true);
  });

  it('a date the provider has no value for drops that row only (a hole, or the newest day not yet published)', () => {
    const holeDate = (bars[200] as Bar).date;
    const lastDate = (bars[bars.length - 1] as Bar).date;
    const holed = new Map(external);
    holed.delete(holeDate);
    holed.delete(lastDate);
    const rows = buildFeatureMatrix('AAPL', bars, spec, plan, holed);
    const dates = rows.map((r) => r.date);
    expect(dates).not.toContain(holeDate);
    expect(dates).not.toContain(lastDate);
    // Without the hole's RSI, the lag chain restarts: the two rows after it lack lags too.
    expect(dates).not.toContain((bars[201] as Bar).date);
    expect(dates).not.toContain((bars[202] as Bar).date);
    expect(dates).toContain((bars[203] as Bar).date);
    expect(rows.length).toBe(base.length - 4);
  });

  it('streaming day by day equals the batch build, and a revised provider value restarts the builder', () => {
    const b = new FeatureMatrixBuilder('AAPL', spec, plan);
    let rows = b.extend(bars.slice(0, 200), external);
    for (let n = 201; n <= bars.length; n += 13) rows = b.extend(bars.slice(0, n), external);
    expect(b.extend(bars, external)).toEqual(base);
    // Yesterday's RSI was missing (stale provider); today it arrived: the row reappears as in a fresh build.
    const d = (bars[bars.length - 2] as Bar).date;
    const missing = new Map(external);
    missing.delete(d);
    const b2 = new FeatureMatrixBuilder('AAPL', spec, plan);
    expect(b2.extend(bars.slice(0, -1), missing).map((r) => r.date)).not.toContain(d);
    expect(b2.extend(bars, external)).toEqual(base);
    rows = b2.extend(bars, new Map([...external].map(([k, v]) => [k, k === (bars[100] as Bar).date ? { ...v, av_rsi_14: 1 } : v])));
    expect(rows).toEqual(buildFeatureMatrix('AAPL', bars, spec, plan, new Map([...external].map(([k, v]) => [k, k === (bars[100] as Bar).date ? { ...v, av_rsi_14: 1 } : v]))));
    expect(rows).not.toEqual(base);
  });

  it('no look-ahead: perturbing every bar and every provider value dated after t leaves every row ≤ t bit-identical', () => {
    const rand = seededRandom(11);
    for (let trial = 0; trial < 25; trial++) {
      const t = 60 + Math.floor(rand() * (bars.length - 62));
      const tDate = (bars[t] as Bar).date;
      const changedBars = bars.map((b, i) => {
        if (i <= t) return b;
        const m = 0.5 + rand();
        return { ...b, open: (b.open as number) * m, high: (b.high as number) * m * 1.01, low: (b.low as number) * m * 0.99, close: b.close * m, volume: Math.round((b.volume as number) * (0.2 + 2 * rand())) };
      });
      // The provider's later values move too (recomputed from the changed bars, plus noise).
      const later = avAnswers(changedBars, spec.alphavantage ?? []);
      const changedExt = new Map<string, Record<string, number>>();
      for (const [date, row] of external) changedExt.set(date, date <= tDate ? row : Object.fromEntries(Object.entries(later.get(date) ?? row).map(([k, v]) => [k, v + rand()])));
      const changed = buildFeatureMatrix('AAPL', changedBars, spec, plan, changedExt);
      const before = base.filter((r) => r.date <= tDate);
      const after = changed.filter((r) => r.date <= tDate);
      expect(after.map((r) => r.date)).toEqual(before.map((r) => r.date));
      after.forEach((r, i) => {
        r.features.forEach((v, j) => expect(Object.is(v, before[i]?.features[j]), `${r.date} ${plan.columns[j]}`).toBe(true));
        if (r.date < tDate) expect(r.targets).toEqual(before[i]?.targets);
      });
      // And the perturbation is visible after t (the test could fail).
      const rowAfter = changed.find((r) => r.date === (bars[t + 1] as Bar).date);
      const baseAfter = base.find((r) => r.date === (bars[t + 1] as Bar).date);
      expect(rowAfter?.features[plan.columns.indexOf('av_rsi_14')]).not.toBe(baseAfter?.features[plan.columns.indexOf('av_rsi_14')]);
    }
  });
});
