/** Everything one team's cycle needs, wired once per process: adapters behind their ports. */
import path from 'node:path';

import type { TeamConfig } from '../config/load.ts';
import type { Logger } from '../core/log.ts';
import type { FeatureMatrixBuilder, FeaturePlan } from '../domain/features/matrix.ts';

import type { ModelRegistry } from '../adapters/models/registry.ts';

import type { Journal } from './journal.ts';
import type { Broker, Clock, MarketData, Tracker, Versioner } from '../ports.ts';
import type { BackendResolver } from '../domain/models/model.ts';

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
  /** The model family for a spec (built-ins and the team's plug-in). */
  backendFor: BackendResolver;
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
