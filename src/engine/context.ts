/**
 * What a team's cycle runs with, split three ways (no god object):
 * - `TeamServices`: the adapters behind their ports, wired once per process (engine/wiring.ts);
 * - `CycleOptions`: choices made at wiring for the mode (season, live, competition), so no step
 *   asks which mode it is in;
 * - `CycleRequest`: what one call of a cycle asks for (a manual retrain, a day that must not trade).
 */
import type { TeamConfig } from '../config/load.ts';
import type { Logger } from '../core/log.ts';
import type { BackendResolver } from '../domain/models/model.ts';
import type { ModelRegistry } from '../adapters/models/registry.ts';
import type { Broker, Clock, MarketData, Tracker, Versioner } from '../ports.ts';
import type { FeatureCache } from './feature-cache.ts';
import type { Journal } from './journal.ts';
import type { ReportSink } from './report-sink.ts';
import type { Snapshots } from './snapshots.ts';
import type { RunDirs } from './dirs.ts';

export { journalFile, runDirs, type RunDirs } from './dirs.ts';

export interface TeamServices {
  market: MarketData;
  broker: Broker;
  registry: ModelRegistry;
  /** The model family for a spec (built-ins and the team's plug-in). */
  backendFor: BackendResolver;
  tracker: Tracker;
  /** DVC + git in a live workspace; a season's says why it versions once at the end instead. */
  versioner: Versioner;
  journal: Journal;
  clock: Clock;
  logger: Logger;
  /** Where people-facing reports go (monitoring and training pages). */
  reports: ReportSink;
  /** Per-day files a live workspace keeps for DVC and for resuming without a second fetch; none in a replay. */
  snapshots: Snapshots;
  /** The streaming feature builders kept across cycles (each day appends one row). */
  features: FeatureCache;
}

export interface CycleOptions {
  /** Scope of client_order_ids: 'live', or the season id (a season's account is its own). */
  scope: string;
  /** Drift every N trading days (1 = daily; a season or competition may thin it out). */
  driftEveryTradingDays: number;
}

export interface CycleRequest {
  /** `arena retrain` / POST /retrain: the model step trains whatever the policy says. */
  retrain?: boolean;
  /** This cycle places no orders, for this reason (a catch-up day whose session has passed). */
  noTradeReason?: string;
}

export interface TeamContext {
  team: TeamConfig;
  dirs: RunDirs;
  /** Where this team's people-facing HTML reports go. */
  reportDir: string;
  services: TeamServices;
  options: CycleOptions;
  signal?: AbortSignal;
}
