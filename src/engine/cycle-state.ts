/**
 * The cycle's contract, shared by the runner (cycle.ts) and the steps (steps/*.ts): each step's
 * output (what later steps of the same cycle read) and its journal record (what a resumed cycle
 * restores from). Kept apart from both so neither imports the other.
 */
import type { ExternalValues } from '../domain/features/alphavantage.ts';
import type { FeaturePlan, FeatureRow } from '../domain/features/matrix.ts';
import type { Finding } from '../domain/market/quality.ts';
import type { DailySeries } from '../domain/market/types.ts';
import type { TrainedModel } from '../domain/models/model.ts';
import type { RetrainDecision } from '../domain/models/policy.ts';
import type { CycleRequest, TeamContext } from './context.ts';
import type { MonitorRecord, PredictRecord, RecordOf, TradeRecord, TrainedVersion, VersionRecord } from './records.ts';

export const STEP_NAMES = ['fetch', 'features', 'model', 'predict', 'monitor', 'trade', 'version'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export interface FetchOutput {
  series: Map<string, DailySeries>;
  benchmark: DailySeries | null;
  findings: Finding[];
  /** Symbol → why it must not be traded today. */
  blocked: Record<string, string>;
  /** Content hash of the bars (and indicator values) every later step saw. */
  dataVersion: string;
  /**
   * Per symbol: date → `av_*` column values (features.alphavantage). Absent when the team asks for none
   * or the source cannot serve them (the features step then drops those columns, with the reason).
   */
  external?: Map<string, ExternalValues>;
}

export interface FeaturesOutput {
  plan: FeaturePlan;
  rows: Map<string, FeatureRow[]>;
}

export interface ModelOutput {
  /** The champion used for today's predictions (null: nothing may trade). */
  version: string | null;
  model: TrainedModel | null;
  decision: RetrainDecision;
  /** The version trained in this cycle (champion or not), with its gate verdict. */
  trained: TrainedVersion | null;
  notes: string[];
}

export type PredictOutput = PredictRecord;
export type MonitorOutput = MonitorRecord;
export type TradeOutput = TradeRecord;
export type VersionOutput = VersionRecord;

export interface CycleState {
  fetch: FetchOutput;
  features: FeaturesOutput;
  model: ModelOutput;
  predict: PredictOutput;
  monitor: MonitorOutput;
  trade: TradeOutput;
  version: VersionOutput;
}

export interface StepResult<K extends StepName> {
  output: CycleState[K];
  /** Written to the journal; enough for `restore` to rebuild the output. */
  record: RecordOf<K>;
}

export interface StepDef<K extends StepName> {
  name: K;
  run(ctx: TeamContext, date: string, state: Partial<CycleState>, request: CycleRequest): Promise<StepResult<K>>;
  restore(ctx: TeamContext, date: string, state: Partial<CycleState>, record: RecordOf<K>): Promise<CycleState[K]>;
}

export type AnyStep = { [K in StepName]: StepDef<K> }[StepName];

/** An earlier step's output; the runner guarantees the order, this names the step when it did not. */
export function need<K extends StepName>(state: Partial<CycleState>, k: K): CycleState[K] {
  const v = state[k];
  if (v === undefined) throw new Error(`cycle state has no ${k} output (step order broken)`);
  return v;
}
