/** The earlier steps' outputs of one cycle date, for a step's unit test (what the runner would hand it). */
import type { TeamContext, CycleRequest } from '../engine/context.ts';
import type { CycleState, StepDef, StepName } from '../engine/cycle-state.ts';
import { featuresStep } from '../engine/steps/features.ts';
import { fetchStep } from '../engine/steps/fetch.ts';
import { modelStep } from '../engine/steps/model.ts';
import { monitorStep } from '../engine/steps/monitor.ts';
import { predictStep } from '../engine/steps/predict.ts';
import { tradeStep } from '../engine/steps/trade.ts';

const ORDER = [fetchStep, featuresStep, modelStep, predictStep, monitorStep, tradeStep] as const;

/** Runs the steps before `until` on `date` (journaling their records, as the runner does) and returns their outputs. */
export async function stateBefore(ctx: TeamContext, date: string, until: StepName, request: CycleRequest = {}): Promise<Partial<CycleState>> {
  const state: Partial<CycleState> = {};
  for (const step of ORDER) {
    if (step.name === until) break;
    const s = step as StepDef<typeof step.name>;
    const r = await s.run(ctx, date, state, request);
    await ctx.services.journal.record(date, s.name, r.record);
    (state as Record<string, unknown>)[s.name] = r.output;
  }
  return state;
}
