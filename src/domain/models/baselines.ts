/**
 * Baselines scored on the same test rows as every candidate: a model that cannot beat "tomorrow
 * looks like today" has learnt nothing worth trading. Pure functions over the close history.
 */
import type { ModelSpec } from './spec.ts';

export type BaselineName = 'persistence' | 'moving_average' | 'majority_class' | 'yesterday_direction';

export interface CloseHistory {
  /** Closes by date for one symbol, ascending. */
  dates: readonly string[];
  closes: readonly number[];
}

export const MOVING_AVERAGE_DAYS = 5;

/** Baseline predictions (in model units) for a symbol on `date`, using closes ≤ date only. */
export function baselinePrediction(name: BaselineName, hist: CloseHistory, index: number, spec: Pick<ModelSpec, 'output'>, majority: 0 | 1): number | null {
  const c = hist.closes;
  const today = c[index];
  const prev = c[index - 1];
  if (today === undefined) return null;
  switch (name) {
    case 'persistence':
      // Regression of a return: today's return repeats. Of a close: tomorrow's close = today's.
      if (spec.output.feature === 'close') return 0;
      if (spec.output.feature === 'return') return prev === undefined ? null : today / prev - 1;
      return null;
    case 'moving_average': {
      if (index < MOVING_AVERAGE_DAYS) return null;
      if (spec.output.feature === 'close') {
        let s = 0;
        for (let k = index - MOVING_AVERAGE_DAYS + 1; k <= index; k++) s += c[k] as number;
        return s / MOVING_AVERAGE_DAYS / today - 1;
      }
      if (spec.output.feature === 'return') {
        let s = 0;
        for (let k = index - MOVING_AVERAGE_DAYS + 1; k <= index; k++) s += (c[k] as number) / (c[k - 1] as number) - 1;
        return s / MOVING_AVERAGE_DAYS;
      }
      return null;
    }
    case 'majority_class':
      return spec.output.feature === 'direction' ? majority : null;
    case 'yesterday_direction':
      if (spec.output.feature !== 'direction' || prev === undefined) return null;
      return today > prev ? 1 : 0;
  }
}

export function baselinesFor(spec: Pick<ModelSpec, 'output'>): BaselineName[] {
  return spec.output.feature === 'direction' ? ['majority_class', 'yesterday_direction'] : ['persistence', 'moving_average'];
}
