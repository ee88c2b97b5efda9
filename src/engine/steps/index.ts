/** The daily cycle, in order (DESIGN.md): fetch → features → model → predict → monitor → trade → version. */
import type { AnyStep } from '../cycle-state.ts';
import { fetchStep } from './fetch.ts';
import { featuresStep } from './features.ts';
import { modelStep } from './model.ts';
import { predictStep } from './predict.ts';
import { monitorStep } from './monitor.ts';
import { tradeStep } from './trade.ts';
import { versionStep } from './version.ts';

export const CYCLE_STEPS: readonly AnyStep[] = [fetchStep, featuresStep, modelStep, predictStep, monitorStep, tradeStep, versionStep];

/** The after-close part (through monitor); the daemon runs trade and version at `schedule.trade_at`. */
export const PREPARE_STEPS: readonly AnyStep[] = CYCLE_STEPS.slice(0, CYCLE_STEPS.indexOf(monitorStep) + 1);
