/** Data drift with Evidently 0.7's default tests and thresholds, as pure functions. See drift.ts. */
export type { Cell, ColumnDrift, ColumnType, DriftOptions, DriftOverride, DriftReport, DriftTest, InferredColumnType, Table } from './types.ts';
export {
  DEFAULT_SHARE_THRESHOLD,
  DEFAULT_THRESHOLDS,
  EmptyColumnError,
  INTEGER_CARDINALITY_LIMIT,
  SMALL_REFERENCE_ROWS,
  cleanColumn,
  columnDrift,
  datasetDrift,
  defaultTest,
  inferColumnType,
} from './drift.ts';
export { readCsvTable, tableFromCsvText, type CsvDtype } from './csv.ts';
export { ks2samp, ksStatistic } from './ks.ts';
export type { KsResult } from './ks.ts';
export { kolmogorovSf, smirnovSf } from './kolmogorov.ts';
export {
  binnedShares,
  chi2Sf,
  chiSquarePvalue,
  histogramCounts,
  jensenShannon,
  jensenShannonDistance,
  psi,
  stdPopulation,
  sturgesEdges,
  wassersteinDistance,
  wassersteinNormed,
  zTestPvalue,
} from './stattests.ts';
