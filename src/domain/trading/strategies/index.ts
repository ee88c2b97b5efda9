/** The built-in strategies by `kind` (a strategy file's `kind:`); a team's own comes from its plug-in module. */
import { anyStrategy, type AnyStrategy } from '../strategy.ts';
import { bestGainWorstLossStrategy } from './best-gain-worst-loss.ts';
import { buyAndHoldStrategy } from './buy-and-hold.ts';
import { equalWeightTopKStrategy } from './equal-weight-top-k.ts';

export { bestGainWorstLoss } from './best-gain-worst-loss.ts';
export { equalWeightTopK } from './equal-weight-top-k.ts';
export { buyAndHold } from './buy-and-hold.ts';

export { bestGainWorstLossStrategy, buyAndHoldStrategy, equalWeightTopKStrategy };

export const BUILTIN_STRATEGIES: ReadonlyMap<string, AnyStrategy> = new Map(
  [anyStrategy(bestGainWorstLossStrategy), anyStrategy(equalWeightTopKStrategy), anyStrategy(buyAndHoldStrategy)].map((s) => [s.kind, s]),
);
