/**
 * predict: the champion's prediction for the next trading day, per symbol, from the feature row
 * of the cycle date (bars ≤ date only). A symbol whose last row is not the cycle date gets no
 * prediction (its data is stale) and says so.
 */
import path from 'node:path';
import { writeFileAtomic } from '../../core/fsx.ts';
import { predictOn } from '../../domain/models/predictor.ts';
import { need, type StepDef } from '../cycle.ts';

export interface Prediction {
  /** `<date>:<symbol>`: what orders and lineage records point at. */
  id: string;
  date: string;
  symbol: string;
  close: number;
  /** In the output's units: a return, a close, or P(up). */
  value: number;
  expectedReturn: number | null;
  probabilityUp: number | null;
  model_version: string;
}

export interface PredictOutput {
  predictions: Prediction[];
  skipped: Record<string, string>;
}

export const predictionId = (date: string, symbol: string): string => `${date}:${symbol}`;

export const predictStep: StepDef<'predict'> = {
  name: 'predict',
  async run(rt, date, state) {
    const { plan, rows } = need(state, 'features');
    const { version, model } = need(state, 'model');
    const predictions: Prediction[] = [];
    const skipped: Record<string, string> = {};
    if (version && model) {
      for (const [symbol, r] of rows) {
        const p = predictOn(model, plan.columns, symbol, r, date);
        if ('skipped' in p) skipped[symbol] = p.skipped;
        else predictions.push({ id: predictionId(date, symbol), ...p, model_version: version });
      }
    } else for (const symbol of rows.keys()) skipped[symbol] = 'no champion model';
    if (rt.writeSnapshots) await writeFileAtomic(path.join(rt.dirs.predictions, `${date}.json`), JSON.stringify({ date, predictions, skipped }, null, 2) + '\n');
    return { output: { predictions, skipped }, record: { predictions, skipped } };
  },
  async restore(_rt, _date, _state, raw) {
    return raw as PredictOutput;
  },
};
