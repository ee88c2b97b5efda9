/** Regression and classification quality metrics (Evidently 0.7 / sklearn definitions) as pure functions. */
export {
  DEFAULT_ERROR_QUANTILES,
  FLOAT64_EPS,
  cleanPairs,
  directionalAccuracy,
  errorQuantiles,
  errors,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanError,
  quantileSorted,
  r2Score,
  regressionMetrics,
  rootMeanSquaredError,
} from './regression.ts';
export type { MapeOptions, MaybeNumber, Pairs, RegressionMetrics } from './regression.ts';
export { classificationMetrics, cleanBinary, confusionMatrix, logLoss, rocAuc } from './classification.ts';
export type { ClassificationMetrics, ClassificationOptions, ConfusionMatrix, Label } from './classification.ts';
export { byGroup, macroAverage, rolling } from './rolling.ts';
export type { PairMetric, RollingOptions } from './rolling.ts';
