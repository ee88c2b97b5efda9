/**
 * The daily cycle: an ordered list of named steps, each with typed output, run by a small
 * runner that consults the journal. Completed steps are restored (not re-run); the first
 * unfinished step and everything after it run; a fully journaled date is skipped outright.
 */
import type { TeamRuntime } from './runtime.ts';
import type { FetchOutput } from './steps/fetch.ts';
import type { FeaturesOutput } from './steps/features.ts';
import type { ModelOutput } from './steps/model.ts';
import type { PredictOutput } from './steps/predict.ts';
import type { MonitorOutput } from './steps/monitor.ts';
import type { TradeOutput } from './steps/trade.ts';
import type { VersionOutput } from './steps/version.ts';

export const STEP_NAMES = ['fetch', 'features', 'model', 'predict', 'monitor', 'trade', 'version'] as const;
export type StepName = (typeof STEP_NAMES)[number];

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
  /** JSON written to the journal; enough for `restore` to rebuild the output. */
  record: unknown;
}

export interface StepDef<K extends StepName> {
  name: K;
  run(rt: TeamRuntime, date: string, state: Partial<CycleState>): Promise<StepResult<K>>;
  restore(rt: TeamRuntime, date: string, state: Partial<CycleState>, record: unknown): Promise<CycleState[K]>;
}

export class StepFailed extends Error {
  constructor(
    readonly step: StepName,
    readonly date: string,
    cause: unknown,
  ) {
    super(`${step} step failed for ${date}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export function need<K extends StepName>(state: Partial<CycleState>, k: K): CycleState[K] {
  const v = state[k];
  if (v === undefined) throw new Error(`cycle state has no ${k} output (step order broken)`);
  return v;
}

export type AnyStep = { [K in StepName]: StepDef<K> }[StepName];

export interface CycleOutcome {
  date: string;
  /** Steps that ran now (the rest were restored or skipped). */
  ran: StepName[];
  alreadyDone: boolean;
  state: Partial<CycleState>;
  durations: Partial<Record<StepName, number>>;
}

export interface CycleHooks {
  onStepStart?: (step: StepName) => void;
  onStepDone?: (step: StepName, seconds: number) => void;
}

export async function runCycle(rt: TeamRuntime, date: string, steps: readonly AnyStep[], hooks: CycleHooks = {}): Promise<CycleOutcome> {
  await rt.journal.load();
  const state: Partial<CycleState> = {};
  const ran: StepName[] = [];
  const durations: Partial<Record<StepName, number>> = {};
  if (steps.every((s) => rt.journal.has(date, s.name))) return { date, ran, alreadyDone: true, state, durations };
  for (const step of steps) {
    const done = rt.journal.get(date, step.name);
    if (done) {
      (state as Record<StepName, unknown>)[step.name] = await step.restore(rt, date, state, done.record);
      continue;
    }
    if (rt.signal?.aborted) throw new Error('cycle aborted');
    hooks.onStepStart?.(step.name);
    const t0 = performance.now();
    let result: StepResult<StepName>;
    try {
      result = await (step as StepDef<StepName>).run(rt, date, state);
    } catch (err) {
      throw new StepFailed(step.name, date, err);
    }
    // The record is written after the step's effects are durable; a kill before this line re-runs an idempotent step.
    await rt.journal.record(date, step.name, result.record, rt.clock.now().toISO() ?? undefined);
    (state as Record<StepName, unknown>)[step.name] = result.output;
    const secs = (performance.now() - t0) / 1000;
    durations[step.name] = secs;
    ran.push(step.name);
    hooks.onStepDone?.(step.name, secs);
  }
  return { date, ran, alreadyDone: false, state, durations };
}
