/**
 * Shapes of the drift report. `DriftReport` is what `arena drift` writes as JSON (DESIGN.md):
 * `{ dataset_drift, drift_share, columns: { <name>: { type, test, score, threshold, drift } } }` plus counts.
 */

/** `num`: numerical; `cat`: categorical (strings, or few distinct integers; see `inferColumnType`). */
export type ColumnType = 'num' | 'cat';

/**
 * What `inferColumnType` can say: a column type, or `text` (a string column whose values are mostly
 * distinct), which Evidently tests with a domain classifier (TF-IDF + SGD, ROC AUC; text.ts).
 */
export type InferredColumnType = ColumnType | 'text';

/** Evidently's stat-test names (`evidently.legacy.calculations.stattests.*`, `StatTest.name`). */
export type DriftTest = 'ks' | 'chisquare' | 'z' | 'wasserstein' | 'jensenshannon' | 'psi' | 'perc_text_content_drift' | 'abs_text_content_drift';

/** One cell of a columnar table: a number, a string, or missing (`null`; NaN and ±Infinity also count as missing). */
export type Cell = number | string | null;

/** Columnar table: column name → values (all columns the same length is not required by the drift code). */
export type Table = Record<string, Cell[]>;

export interface ColumnDrift {
  type: InferredColumnType;
  test: DriftTest;
  /**
   * p-value for ks / chisquare / z; distance for wasserstein (normed) / jensenshannon / psi; the domain
   * classifier's ROC AUC for the text tests.
   */
  score: number;
  threshold: number;
  drift: boolean;
}

export interface DriftReport {
  dataset_drift: boolean;
  /** Share of drifted columns (Evidently's `share_of_drifted_columns`). */
  drift_share: number;
  number_of_columns: number;
  number_of_drifted_columns: number;
  /** Dataset drift when `drift_share >= share_threshold`. */
  share_threshold: number;
  columns: Record<string, ColumnDrift>;
  /** Only with `emptyColumns: 'skip'`: columns left out because one side had no usable value. */
  skipped_columns?: string[];
}

export interface DriftOverride {
  test: DriftTest;
  /** Defaults to the test's own default threshold (`DEFAULT_THRESHOLDS`). */
  threshold?: number;
}

export interface DriftOptions {
  /** Column types; columns not listed are inferred with `inferColumnType` from the current table (as Evidently does). */
  columnTypes?: Record<string, InferredColumnType>;
  /** The current table's pandas dtypes, when it was read from CSV (`readCsvTable`): `1.0` is a float to pandas. */
  dtypes?: Record<string, 'int' | 'float' | 'str'>;
  /** Per-column test (and threshold) instead of the automatic choice. */
  overrides?: Record<string, DriftOverride>;
  /** Share of drifted columns at which the dataset counts as drifted. Default 0.5 (Evidently). */
  shareThreshold?: number;
  /** Only these columns (default: every column present in both tables). */
  columns?: string[];
  /**
   * A column with no usable value (after dropping null/NaN/±inf) in the reference or the current table:
   * `'error'` (default) throws like Evidently does; `'skip'` leaves it out and lists it in `skipped_columns`.
   */
  emptyColumns?: 'error' | 'skip';
}
