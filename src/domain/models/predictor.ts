/**
 * The one prediction pipeline — feature rows → model samples → the model → served values — used by
 * the predict step, the monitor (the champion's reference predictions), lineage's re-run and the
 * daemon's POST /predict, so what a report or a lineage check shows is what the cycle traded on.
 * Each prediction for date t reads rows ≤ t only (an LSTM's window ends at t).
 */
import type { FeatureRow } from '../features/matrix.ts';
import { buildSamples, inputIndices, interpretPrediction, windowOf, type Sample } from './dataset.ts';
import type { TrainedModel } from './model.ts';

export interface ServedPrediction {
  date: string;
  symbol: string;
  close: number;
  /** In the output's units: a return, a close, or P(up). */
  value: number;
  expectedReturn: number | null;
  probabilityUp: number | null;
}

function served(model: TrainedModel, samples: readonly Sample[]): ServedPrediction[] {
  const raw = model.predict(samples);
  return samples.map((s, i) => ({ date: s.date, symbol: s.symbol, close: s.close, ...interpretPrediction(raw[i] as number, s.close, model.spec) }));
}

/** Predictions for every row dated in [from, to] of each symbol, in sample order (date, then symbol). */
export function predictWindow(model: TrainedModel, planColumns: readonly string[], rows: ReadonlyMap<string, readonly FeatureRow[]>, from: string, to: string): ServedPrediction[] {
  // Only the window (plus an LSTM's look-back) goes through buildSamples: the full history would cost a season dearly.
  const back = windowOf(model.spec) - 1;
  const window = new Map(
    [...rows].map(([sym, r]) => {
      const first = r.findIndex((x) => x.date >= from);
      const end = r.findIndex((x) => x.date > to);
      return [sym, first < 0 ? [] : r.slice(Math.max(0, first - back), end < 0 ? r.length : end)] as const;
    }),
  );
  return served(model, buildSamples(window, inputIndices(planColumns, model.spec), model.spec).filter((x) => x.date >= from));
}

/** The prediction for the symbol's row dated `date`, or why there is none (stale data, a short LSTM window). */
export function predictOn(model: TrainedModel, planColumns: readonly string[], symbol: string, rows: readonly FeatureRow[], date: string): ServedPrediction | { skipped: string } {
  const upTo = rows.findLastIndex((r) => r.date <= date);
  const last = rows[upTo];
  if (!last || last.date !== date) return { skipped: last ? `no feature row for ${date} (last ${last.date})` : 'no feature rows yet' };
  const w = windowOf(model.spec);
  if (upTo + 1 < w) return { skipped: `needs ${w} rows for the LSTM window` };
  const p = predictWindow(model, planColumns, new Map([[symbol, rows.slice(upTo + 1 - w, upTo + 1)]]), date, date)[0];
  return p ?? { skipped: `no sample for ${symbol} on ${date}` };
}

/** One already-assembled input vector in the model's column order (POST /predict). */
export function predictVector(model: TrainedModel, symbol: string, x: readonly number[], close: number): Omit<ServedPrediction, 'date' | 'symbol' | 'close'> {
  const [p] = served(model, [{ symbol, date: '', close, x: [...x], y: null }]);
  return { value: (p as ServedPrediction).value, expectedReturn: (p as ServedPrediction).expectedReturn, probabilityUp: (p as ServedPrediction).probabilityUp };
}
