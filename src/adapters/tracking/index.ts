import type { Logger } from '../../core/log.ts';
import { LocalTracker } from './local.ts';
import { MlflowTracker } from './mlflow.ts';
import type { Tracker } from '../../ports.ts';

export { LocalTracker } from './local.ts';
export { MlflowTracker, MlflowError } from './mlflow.ts';

export interface TrackerOptions {
  team: string;
  /** Run records are always written here (JSON per run), server or not. */
  runsDir: string;
  /** MLflow tracking server (MLFLOW_TRACKING_URI): runs are also sent there. */
  mlflowUri?: string;
  mlflowToken?: string;
  logger: Logger;
}

export function createTracker(opts: TrackerOptions): Tracker {
  const local = new LocalTracker(opts.runsDir);
  if (!opts.mlflowUri) return local;
  return new MlflowTracker({ uri: opts.mlflowUri, team: opts.team, local, logger: opts.logger, ...(opts.mlflowToken ? { token: opts.mlflowToken } : {}) });
}
