import type { Logger } from '../core/log.ts';
import { LocalTracker } from './local.ts';
import type { Tracker } from './types.ts';

export type { RunRecord, Tracker } from './types.ts';
export { LocalTracker } from './local.ts';

export interface TrackerOptions {
  team: string;
  /** Run records are always written here (JSON per run), server or not. */
  runsDir: string;
  /** MLflow tracking server; the MLflow adapter is not built yet, so runs stay local with a warning. */
  mlflowUri?: string;
  logger: Logger;
}

export function createTracker(opts: TrackerOptions): Tracker {
  if (opts.mlflowUri) opts.logger.warn(`MLFLOW_TRACKING_URI is set but the MLflow adapter is not available in this version: ${opts.team}'s runs are recorded under ${opts.runsDir} only`);
  return new LocalTracker(opts.runsDir);
}
