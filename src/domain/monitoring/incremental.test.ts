import { describe, expect, it } from 'vitest';
import type { FeatureRow } from '../features/matrix.ts';
import type { Bar, DailySeries } from '../market/types.ts';
import { seededRandom } from '../models/rng.ts';
import { featureTable } from './data-quality.ts';
import { barsFrom, lastDates, MonitorMemory, referenceWindow, rowsFrom } from './incremental.ts';
import { joinPredictionsWithTruth, pairMetrics, rollingPairMetrics, type PredictionToJoin } from './pairs.ts';

const DATES = Array.from({ length: 90 }, (_, i) => new Date(Date.UTC(2017, 0, 2 + i)).toISOString().slice(0, 10));
const SYMBOLS = ['AAA', 'BBB', 'CCC'];

/** Bars per symbol with a few dates missing (a symbol without a bar that day), seeded. */
function market(seed: number): Map<string, Bar[]> {
  const rand = seededRandom(seed);
  return new Map(
    SYMBOLS.map((s) => {
      let close = 100;
      const bars: Bar[] = [];
      for (const date of DATES) {
        close *= 1 + (rand() - 0.5) * 0.04;
        if (rand() < 0.05) continue;
        bars.push({ date, open: close, high: close * 1.01, low: close * 0.99, close, volume: 1000 });
      }
      return [s, bars];
    }),
  );
}

const asOf = (all: Map<string, Bar[]>, date: string): Map<string, DailySeries> =>
  new Map([...all].map(([s, bars]) => [s, { symbol: s, bars: bars.filter((b) => b.date <= date), source: 'test', stale: false }]));

describe('the monitor memory gives what a full recomputation over every day gives', () => {
  for (const task of ['regression', 'classification'] as const) {
    it(`${task}: pairs, pooled, per symbol, rolling; a restart mid-way (a fresh memory) changes nothing`, () => {
      const all = market(task === 'regression' ? 1 : 2);
      const rand = seededRandom(9);
      const feature = task === 'regression' ? 'return' : 'direction';
      const byDay = new Map<string, PredictionToJoin[]>();
      let memory = new MonitorMemory(task, 20);
      const emitted = new Map<string, number>();
      for (const [day, date] of DATES.entries()) {
        const series = asOf(all, date);
        // Today's predictions for the symbols with a bar today (a skipped symbol predicts nothing).
        const today = SYMBOLS.flatMap((s) => {
          const bar = series.get(s)?.bars.at(-1);
          return bar?.date === date ? [{ date, symbol: s, close: bar.close, value: task === 'regression' ? (rand() - 0.5) * 0.02 : rand(), expectedReturn: (rand() - 0.5) * 0.02 }] : [];
        });
        byDay.set(date, today);
        if (day === 40) {
          // A restart: the new process folds the journal's earlier days first.
          memory = new MonitorMemory(task, 20);
          for (const [d, p] of byDay) if (d < date) memory.fold(d, p);
        }
        memory.fold(date, today);
        const fresh = memory.join(series, date, feature);
        for (const p of fresh.pairs) emitted.set(`${p.date}|${p.symbol}`, p.predicted);
        const everything = [...byDay.values()].flat();
        const full = joinPredictionsWithTruth(everything, series, date, feature);
        expect(memory.pairs.map(({ truthDate: _t, seq: _s, ...p }) => p)).toEqual(full);
        expect(pairMetrics(memory.pairs, task)).toEqual(pairMetrics(full, task));
        for (const s of SYMBOLS) expect(pairMetrics(memory.pairsOf(s), task)).toEqual(pairMetrics(full.filter((p) => p.symbol === s), task));
        expect(memory.rollingSeries()).toEqual(rollingPairMetrics(full, task, 20));
        // What the page receives over the days covers every pair once.
        expect(emitted.size).toBe(full.length);
      }
    });
  }

  it('the windows read from the tail: current rows and bars, the last N dates, the reference window', () => {
    const rows = new Map<string, FeatureRow[]>(
      SYMBOLS.map((s, k) => [s, DATES.filter((_, i) => (i + k) % 7 !== 0).map((date, i): FeatureRow => ({ symbol: s, date, close: 100 + i, features: [i, k, i * k], targets: { return: i / 1000, close: 100 + i, direction: i % 2 === 0 ? 0 : 1 } }))]),
    );
    const allRows = [...rows.values()];
    const union = [...new Set(allRows.flatMap((r) => r.map((x) => x.date)))].sort();
    expect(lastDates(rows, 21)).toEqual(union.slice(-21));
    const from = union.at(-21) as string;
    expect(rowsFrom(rows, from)).toEqual(allRows.flatMap((r) => r.filter((x) => x.date >= from)));
    const bars = market(3).get('AAA') as Bar[];
    expect(barsFrom(bars, from)).toEqual(bars.filter((b) => b.date >= from));
    const card = { version: 'v0001', train_from: DATES[5] as string, train_to: DATES[60] as string };
    const ref = referenceWindow(card, ['a', 'b', 'c'], rows, 30);
    const trainDates = union.filter((d) => d >= card.train_from && d <= card.train_to);
    expect(ref.from).toBe(trainDates.at(-30));
    const refRows = allRows.flatMap((r) => r.filter((x) => x.date >= ref.from && x.date <= card.train_to));
    expect(ref.table).toEqual(featureTable(refRows, ['a', 'b', 'c'], true));
    ref.predictions = refRows.slice(0, 10).map((r) => [`${r.date}:${r.symbol}`, r.close] as const);
    expect(ref.withPredictions()).toEqual(featureTable(refRows, ['a', 'b', 'c'], true, new Map(ref.predictions)));
  });
});
