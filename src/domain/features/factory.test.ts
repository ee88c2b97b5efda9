/**
 * The FeatureFactory contract, for every registered family: its streaming form (`make`, the live cycle)
 * and its batch form (`batch`, typed arrays) agree to 1e-9 on real bars — every bundled sample series —
 * and on bars with gaps, close-only series, flat stretches and zero volumes; its columns are its
 * indicators' columns; its instances need what the family says it needs.
 */
import { describe, expect, it } from 'vitest';
import { compareSeries, fromColumn, sampleSeries, type Series } from '../../testing/indicator-reference.ts';
import type { Bar } from '../market/types.ts';
import { hasOhlcv } from '../market/types.ts';
import { seededRandom } from '../models/rng.ts';
import { columnsOf, requiredFields, type BarFeatureFactory } from './factory.ts';
import { ohlcvColumns, type BarField } from './indicators/types.ts';
import { Lags } from './indicators/lags.ts';
import { builtInFeatures } from './registry.ts';

/** Each built-in family at the default params and at others (short, long, several at once). */
const PARAMS: Record<string, unknown[]> = {
  rsi: [[14], [2, 7, 30]],
  ema: [[12, 26], [1, 5, 50]],
  sma: [[10, 50], [1, 3, 200]],
  macd: [{ fast: 12, slow: 26, signal: 9 }, { fast: 5, slow: 35, signal: 5 }, { fast: 26, slow: 12, signal: 1 }],
  bollinger: [{ period: 20, stddev: 2 }, { period: 5, stddev: 1.5 }],
  atr: [[14], [1, 5, 30]],
  stochastic: [{ period: 14, signal: 3 }, { period: 3, signal: 1 }, { period: 30, signal: 7 }],
  obv: [[20], [2, 60]],
  returns: [[1, 5, 20], [60]],
  volatility: [[20], [2, 60]],
  volume_z: [[20], [2, 60]],
  calendar: [['day_of_week', 'month'], ['month'], ['day_of_week'], []],
};

const sample = sampleSeries();
const aapl = sample.find((s) => s.symbol === 'AAPL')!.bars;

/** Every 7th-to-13th bar removed (holidays, halts, missing days in a provider's history). */
function withGaps(bars: readonly Bar[], seed: number): Bar[] {
  const rand = seededRandom(seed);
  return bars.filter(() => rand() > 0.1);
}

/** AAPL with a flat stretch (every field equal), a stretch of equal closes at a value whose window mean rounds off it (17.17 × 20 / 20 ≠ 17.17), and zero volumes. */
function withFlatStretches(bars: readonly Bar[]): Bar[] {
  return bars.map((b, i) => {
    if (i >= 300 && i < 340) return { ...b, open: 100, high: 100, low: 100, close: 100, volume: 5000 };
    if (i >= 500 && i < 530) return { ...b, close: 17.17, high: Math.max(b.high as number, 17.17), low: Math.min(b.low as number, 17.17) };
    if (i >= 700 && i < 730) return { ...b, volume: 0 };
    return b;
  });
}

const closeOnly = (bars: readonly Bar[]): Bar[] => bars.map((b) => ({ date: b.date, open: null, high: null, low: null, close: b.close, volume: null }));

const CASES: { name: string; bars: Bar[] }[] = [
  ...sample.map((s) => ({ name: `${s.symbol} (${s.bars.length} bars${s.bars.every(hasOhlcv) ? '' : ', close-only'})`, bars: s.bars })),
  { name: 'AAPL with ~10% of days missing', bars: withGaps(aapl, 1) },
  { name: 'SPX with ~10% of days missing', bars: withGaps(sample.find((s) => s.symbol === 'SPX')!.bars, 2) },
  { name: 'AAPL close-only', bars: closeOnly(aapl) },
  { name: 'AAPL with flat stretches and zero volumes', bars: withFlatStretches(aapl) },
  { name: 'AAPL, first 30 bars (shorter than most windows)', bars: aapl.slice(0, 30) },
];

const available = (bars: readonly Bar[]): Set<BarField> => new Set(bars.every(hasOhlcv) ? (['open', 'high', 'low', 'volume'] as const) : []);

function streamed(f: BarFeatureFactory, params: unknown, bars: readonly Bar[]): Series[] {
  const inds = f.make(params);
  const out: Series[] = columnsOf(f, params).map(() => []);
  for (const bar of bars) {
    let c = 0;
    for (const ind of inds) for (const v of ind.update(bar)) out[c++]!.push(v === null || Number.isFinite(v) ? v : null);
  }
  return out;
}

const batched = (f: BarFeatureFactory, params: unknown, bars: readonly Bar[]): Series[] =>
  f.batch!(params, ohlcvColumns(bars)).map((col) => fromColumn(col).map((v) => (v === null || Number.isFinite(v) ? v : null)));

describe('every built-in family', () => {
  const families = builtInFeatures.barFactories();

  it('has params to test here; states its columns and fields (no defaults) and has a batch form', () => {
    expect(families.map((f) => f.key).sort()).toEqual(Object.keys(PARAMS).sort());
    for (const f of families) {
      expect(f.batch, f.key).toBeDefined();
      expect(f.columns, f.key).toBeDefined();
      expect(f.requires, f.key).toBeDefined();
    }
  });

  it.each(families.map((f) => [f.key, f] as const))('%s: columns are its indicators’ columns, which need what the family needs', (_key, f) => {
    for (const params of PARAMS[f.key]!) {
      const inds = f.make(f.schema.parse(params));
      expect(inds.flatMap((i) => [...i.columns])).toEqual(columnsOf(f, params));
      for (const ind of inds) expect([...ind.requires].sort()).toEqual([...requiredFields(f, params)].sort());
      expect(f.batch!(params, ohlcvColumns(aapl.slice(0, 50)))).toHaveLength(columnsOf(f, params).length);
    }
  });

  describe.each(CASES.map((c) => [c.name, c.bars] as const))('batch equals streaming to 1e-9 on %s', (_name, bars) => {
    it.each(families.map((f) => [f.key, f] as const))('%s', (_key, f) => {
      if (!requiredFields(f, PARAMS[f.key]![0]).every((r) => available(bars).has(r))) return; // a plan drops it for these bars
      for (const params of PARAMS[f.key]!) {
        const s = streamed(f, params, bars);
        const b = batched(f, params, bars);
        columnsOf(f, params).forEach((column, c) => {
          // Relative to |value|, and to 1e-3 below that (a 1e-12 absolute bound near zero).
          const r = compareSeries(b[c]!, s[c]!, 1e-3);
          expect(r.warmupDiffers, `${column} ${JSON.stringify(params)}`).toEqual([]);
          expect(r.maxRel, `${column} ${JSON.stringify(params)}`).toBeLessThan(1e-9);
        });
      }
    });
  });
});

describe('the derived family (lags)', () => {
  it('batch equals streaming on a column with gaps', () => {
    const lags = builtInFeatures.get('lags');
    if (lags?.kind !== 'derived') throw new Error('lags is a derived family');
    const rand = seededRandom(5);
    const values = Float64Array.from({ length: 2000 }, () => (rand() < 0.05 ? NaN : rand() - 0.5));
    const params = { columns: ['x'], count: 5 };
    const t = new Lags('x', 5);
    const s: Series[] = [0, 1, 2, 3, 4].map(() => []);
    for (const v of values) t.update(Number.isNaN(v) ? null : v).forEach((x, c) => s[c]!.push(x));
    const b = lags.batch!(params, values).map(fromColumn);
    expect(b).toEqual(s);
  });
});
