/**
 * predict: the champion's prediction for the next trading day, per symbol, from the feature row
 * of the cycle date (bars ≤ date only). A symbol whose last row is not the cycle date gets no
 * prediction (its data is stale) and says so.
 */
import { predictOn } from '../../domain/models/predictor.ts';
import { need, type StepDef } from '../cycle-state.ts';
import type { Prediction, PredictRecord } from '../records.ts';

export const predictionId = (date: string, symbol: string): string => `${date}:${symbol}`;

export const predictStep: StepDef<'predict'> = {
  name: 'predict',
  async run(ctx, date, state) {
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
    const record: PredictRecord = { predictions, skipped };
    await ctx.services.snapshots.savePredictions(date, record);
    return { output: record, record };
  },
  async restore(_ctx, _date, _state, record) {
    return record;
  },
};
