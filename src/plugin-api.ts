/**
 * What a team's own code imports: the four seams and the helpers the built-ins use. A plug-in is a
 * module that `export default`s one of these objects and is named in the team file (README "Write
 * your own strategy / feature / model"). Everything here is pure: a plug-in does no I/O of its own
 * (a data provider is the exception: fetching is its job).
 */
export type { Intent, OrderIntent, Strategy, StrategyDecision, StrategyInput, SymbolPrediction } from './domain/trading/strategy.ts';
export { byScoreDesc, capOrders, fmtPct, limitsSchema, modeOf, scoreOf, sizeQty, type StrategyLimits } from './domain/trading/strategies/kit.ts';
export type { EpochLog, FitOptions, ModelBackend, ModelFiles, TrainedModel, TrainResult } from './domain/models/model.ts';
export { TrainingAborted } from './domain/models/model.ts';
export type { ModelSpec } from './domain/models/spec.ts';
export { featureRows, splitByDate, windowOf, type Sample } from './domain/models/dataset.ts';
export { applyNormalizer, fitNormalizer, type Normalizer } from './domain/models/normalize.ts';
export { seededRandom, shuffledIndices } from './domain/models/rng.ts';
export type { Bar, DailyRequest, DailySeries } from './domain/market/types.ts';
export type { MarketData } from './ports.ts';
export type { BarFeatureFactory, FeatureFactory } from './domain/features/factory.ts';
export type { BarField, StreamingIndicator } from './domain/features/indicators/types.ts';
export { RollingWindow } from './domain/features/indicators/window.ts';
export type { MarketDataProvider, ProviderPluginContext } from './ports.ts';
