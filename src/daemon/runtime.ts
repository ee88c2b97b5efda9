/** Everything one team's cycle needs, wired once per process: adapters behind their ports. */
import path from 'node:path';
import type { Clock } from '../calendar/clock.ts';
import type { TeamConfig } from '../config/load.ts';
import type { Logger } from '../core/log.ts';
import type { FeatureMatrixBuilder, FeaturePlan } from '../features/matrix.ts';
import type { MarketData } from '../market/types.ts';
import type { ModelRegistry } from '../models/registry.ts';
import type { Tracker } from '../tracking/types.ts';
import type { Broker } from '../trading/types.ts';
import type { Journal } from './journal.ts';

export interface RunDirs {
  root: string;
  data: string;
  features: string;
  models: string;
  predictions: string;
  reports: string;
  runs: string;
  state: string;
  lineage: string;
  logs: string;
}

export function runDirs(root: string): RunDirs {
  return {
    root,
    data: path.join(root, 'data'),
    features: path.join(root, 'features'),
    models: path.join(root, 'models'),
    predictions: path.join(root, 'predictions'),
    reports: path.join(root, 'reports'),
    runs: path.join(root, 'runs'),
    state: path.join(root, 'state'),
    lineage: path.join(root, 'lineage'),
    logs: path.join(root, 'logs'),
  };
}

/** A workspace's journal of completed steps (the daemon's, a season's and a competition's team alike). */
export const journalFile = (dirs: Pick<RunDirs, 'state'>): string => path.join(dirs.state, 'journal.jsonl');

export interface VersionResult {
  commit: string | null;
  pushed: boolean;
  notes: string[];
  /** DVC md5 of each versioned path (directories end in `.dir`), as in its `.dvc` file. */
  md5?: Record<string, string>;
}

/** What versions a cycle's artifacts (DVC + git); null when versioning is off or unavailable. */
export interface Versioner {
  /** `paths` go through DVC (`dvc add`); `gitPaths` are small text files committed to git as they are. */
  commitCycle(args: { date: string; runId: string; paths: string[]; gitPaths?: string[]; message: string }): Promise<VersionResult>;
}

export interface FeatureCache {
  plan: FeaturePlan | null;
  planKey: string;
  builders: Map<string, FeatureMatrixBuilder>;
}

export interface TeamRuntime {
  team: TeamConfig;
  mode: 'season' | 'live';
  /** Scope of client_order_ids: 'live', or the season id (a season's account is its own). */
  scope: string;
  dirs: RunDirs;
  /** Where people-facing HTML reports for this team go. */
  reportDir: string;
  market: MarketData;
  broker: Broker;
  registry: ModelRegistry;
  tracker: Tracker;
  versioner: Versioner | null;
  journal: Journal;
  clock: Clock;
  logger: Logger;
  features: FeatureCache;
  signal?: AbortSignal;
  /** Set by `arena retrain` / POST /retrain; consumed by the next model step. */
  retrainRequested: boolean;
  /** Write per-day snapshots (data/features CSV) for DVC: live cycles only. */
  writeSnapshots: boolean;
  /** Set when this cycle must not place orders (a catch-up day whose session has passed): the reason. */
  noTradeReason?: string;
  /** Drift every N trading days instead of daily (a competition replays a season's cadence). */
  driftEveryTradingDays?: number;
}
