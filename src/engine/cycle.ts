/**
 * The daily cycle: an ordered list of named steps, each with typed output, run by a small
 * runner that consults the journal. Completed steps are restored (not re-run); the first
 * unfinished step and everything after it run; a fully journaled date is skipped outright.
 */
import type { CycleRequest, TeamContext } from './context.ts';
import type { AnyStep, CycleState, StepDef, StepName, StepResult } from './cycle-state.ts';
import type { RecordOf } from './records.ts';

export class StepFailed extends Error {
  constructor(
    readonly step: StepName,
    readonly date: string,
    cause: unknown,
  ) {
    super(`${step} step failed for ${date}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

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

/** Runs or restores one step: `K` ties the step to its own output and record type. */
async function restoreStep<K extends StepName>(step: StepDef<K>, ctx: TeamContext, date: string, state: Partial<CycleState>, record: RecordOf<K>): Promise<void> {
  state[step.name] = await step.restore(ctx, date, state, record);
}

async function runStep<K extends StepName>(step: StepDef<K>, ctx: TeamContext, date: string, state: Partial<CycleState>, request: CycleRequest): Promise<StepResult<K>> {
  try {
    return await step.run(ctx, date, state, request);
  } catch (err) {
    throw new StepFailed(step.name, date, err);
  }
}

async function playStep<K extends StepName>(step: StepDef<K>, ctx: TeamContext, date: string, state: Partial<CycleState>, request: CycleRequest): Promise<boolean> {
  const { journal, clock } = ctx.services;
  const done = journal.get(date, step.name);
  if (done !== undefined) {
    await restoreStep(step, ctx, date, state, done);
    return false;
  }
  if (ctx.signal?.aborted) throw new Error('cycle aborted');
  const result = await runStep(step, ctx, date, state, request);
  // The record is written after the step's effects are durable; a kill before this line re-runs an idempotent step.
  await journal.record(date, step.name, result.record, clock.now().toISO() ?? undefined);
  state[step.name] = result.output;
  return true;
}

export async function runCycle(ctx: TeamContext, date: string, steps: readonly AnyStep[], request: CycleRequest = {}, hooks: CycleHooks = {}): Promise<CycleOutcome> {
  const { journal } = ctx.services;
  await journal.load();
  const state: Partial<CycleState> = {};
  const ran: StepName[] = [];
  const durations: Partial<Record<StepName, number>> = {};
  if (steps.every((s) => journal.has(date, s.name))) return { date, ran, alreadyDone: true, state, durations };
  for (const step of steps) {
    if (!journal.has(date, step.name)) hooks.onStepStart?.(step.name);
    const t0 = performance.now();
    // Each member of the AnyStep union is a StepDef of its own name.
    const didRun = await playStep(step as StepDef<typeof step.name>, ctx, date, state, request);
    if (!didRun) continue;
    const secs = (performance.now() - t0) / 1000;
    durations[step.name] = secs;
    ran.push(step.name);
    hooks.onStepDone?.(step.name, secs);
  }
  return { date, ran, alreadyDone: false, state, durations };
}
