/**
 * Column and dataset drift with Evidently 0.7.23's default rules (`DataDriftPreset`), confirmed in its source:
 *
 * - cleaning (legacy/calculations/data_drift.py `get_one_column_drift`): ±inf → NaN, NaN dropped, separately in
 *   reference and current; an empty column on either side is an error;
 * - test choice (legacy/calculations/stattests/registry.py `_get_default_stattest`), with n_unique counted
 *   over reference ∪ current and the reference size counted after cleaning:
 *   reference ≤ 1000 rows: num n_unique > 5 → `ks`; num 3–5 → `chisquare`; num ≤ 2 → `z`;
 *   cat > 2 → `chisquare`; cat ≤ 2 → `z`; text → `perc_text_content_drift`.
 *   reference > 1000 rows: num n_unique > 5 → `wasserstein`; text → `abs_text_content_drift`; everything
 *   else → `jensenshannon`;
 * - verdicts: ks `p <= 0.05`; chisquare and z `p < 0.05`; wasserstein, jensenshannon and psi `score >= 0.1`;
 *   the text tests (a domain classifier's ROC AUC, text.ts) `AUC > 0.55`, or above the 95th percentile of
 *   random classifiers' AUCs;
 * - dataset (data_drift.py `get_dataset_drift`): drifted when share of drifted columns `>= 0.5`.
 */
import { ks2sampSorted } from './ks.ts';
import { chiSquarePvalue, jensenShannon, psi, wassersteinNormed, zTestPvalue } from './stattests.ts';
import { textContentDrift } from './text.ts';
import type { Cell, ColumnDrift, DriftOptions, DriftOverride, DriftReport, DriftTest, InferredColumnType, Table } from './types.ts';

/** Evidently's `StatTest.default_threshold` for each test. */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftTest, number>> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: 0.1,
  perc_text_content_drift: 0.95,
  abs_text_content_drift: 0.55,
};

/** Evidently's "small reference" limit: up to this many (clean) reference rows the p-value tests are used. */
export const SMALL_REFERENCE_ROWS = 1000;
/** Evidently's default `drift_share`. */
export const DEFAULT_SHARE_THRESHOLD = 0.5;
/** Evidently's `INTEGER_CARDINALITY_LIMIT` (core/datasets.py): integer columns with at most this many values are categorical. */
export const INTEGER_CARDINALITY_LIMIT = 10;

/** p-value tests signal drift when the score is low; distance tests when it is high. */
const IS_PVALUE: Readonly<Record<DriftTest, boolean>> = {
  ks: true,
  chisquare: true,
  z: true,
  wasserstein: false,
  jensenshannon: false,
  psi: false,
  perc_text_content_drift: false,
  abs_text_content_drift: false,
};

/** The column types each test applies to (Evidently's `StatTest.allowed_feature_types`). */
const TEST_TYPES: Readonly<Record<DriftTest, readonly InferredColumnType[]>> = {
  ks: ['num'],
  wasserstein: ['num'],
  chisquare: ['num', 'cat'],
  z: ['num', 'cat'],
  jensenshannon: ['num', 'cat'],
  psi: ['num', 'cat'],
  perc_text_content_drift: ['text'],
  abs_text_content_drift: ['text'],
};

/** Thrown when a column has no usable value on one side (Evidently raises ValueError there too). */
export class EmptyColumnError extends Error {
  constructor(
    readonly column: string,
    readonly side: 'reference' | 'current',
  ) {
    super(`An empty column '${column}' was provided for drift calculation in the ${side} dataset (no value left after dropping missing, NaN and ±inf)`);
    this.name = 'EmptyColumnError';
  }
}

function isUsable(v: Cell): v is number | string {
  return v !== null && (typeof v === 'string' || Number.isFinite(v));
}

/** Drops null, NaN and ±Infinity. */
export function cleanColumn(values: readonly Cell[]): (number | string)[] {
  return values.filter(isUsable);
}

/**
 * A reference column's cleaned values (and, once a KS test asked, their sorted copy), remembered by the
 * column array's identity: the monitor passes the same champion reference table every day, and cleaning
 * and sorting it again each day was a third of the drift cost. Tables are treated as values — a column
 * array is never changed after it is passed here (the monitor builds a new table for a new champion).
 */
const preparedReference = new WeakMap<readonly Cell[], { clean: (number | string)[]; sorted?: Float64Array }>();

function referenceOf(values: readonly Cell[]): { clean: (number | string)[]; sorted?: Float64Array } {
  let p = preparedReference.get(values);
  if (!p) preparedReference.set(values, (p = { clean: cleanColumn(values) }));
  return p;
}

function asNumbers(values: readonly (number | string)[], column: string, side: string): number[] {
  for (const v of values) {
    if (typeof v !== 'number') {
      throw new Error(`Column '${column}' in ${side} dataset should contain numerical values only (found ${JSON.stringify(v)})`);
    }
  }
  return values as number[];
}

/** How pandas reads `True`/`False` cells: a bool column, which Evidently calls categorical. */
const BOOL_WORDS = new Set(['True', 'False', 'true', 'false', 'TRUE', 'FALSE']);

/**
 * Column type by Evidently 0.7's rule (core/datasets.py `infer_column_type`), on the current data only
 * (Evidently infers the data definition from the current dataset), with pandas' dtypes read off our cells:
 * - numbers: pandas holds a column as int64 only when every cell is an integer and none is missing (one
 *   blank, NaN or ±inf cell makes it float64). int64 with at most 10 distinct values → `cat`; any other
 *   number column → `num`. So integer codes with a few blank cells are numerical, as in Evidently.
 * - strings (or a mix, which pandas reads as strings): `text` when more than half of the non-missing
 *   values are distinct, else `cat`; a column of True/False words is a bool column → `cat`.
 * - no usable value at all → `num` (what pandas reads an all-empty CSV column as).
 * `dtype` is the column's pandas dtype when it is known from a CSV file (drift/csv.ts `readCsvTable`).
 */
export function inferColumnType(values: readonly Cell[], dtype?: 'int' | 'float' | 'str'): InferredColumnType {
  // A CSV column written with decimals (1.0, 2.0) is float64 to pandas although every value is whole.
  if (dtype === 'float') return 'num';
  let strings = 0;
  let numbers = 0;
  let missing = 0;
  let allInteger = true;
  let allBool = true;
  const distinct = new Set<number | string>();
  for (const v of values) {
    if (!isUsable(v)) {
      missing++;
      continue;
    }
    if (typeof v === 'string') {
      strings++;
      if (!BOOL_WORDS.has(v)) allBool = false;
    } else {
      numbers++;
      if (!Number.isInteger(v)) allInteger = false;
    }
    distinct.add(v);
  }
  if (strings > 0) {
    if (allBool && numbers === 0) return 'cat';
    return distinct.size > 0.5 * (strings + numbers) ? 'text' : 'cat';
  }
  if (numbers === 0) return 'num';
  return allInteger && missing === 0 && distinct.size <= INTEGER_CARDINALITY_LIMIT ? 'cat' : 'num';
}

/** Evidently's automatic test for a cleaned column. */
export function defaultTest(type: InferredColumnType, referenceRows: number, nUnique: number): DriftTest {
  if (type === 'text') return referenceRows > SMALL_REFERENCE_ROWS ? 'abs_text_content_drift' : 'perc_text_content_drift';
  if (referenceRows <= SMALL_REFERENCE_ROWS) {
    if (type === 'num' && nUnique > 5) return 'ks';
    return nUnique > 2 ? 'chisquare' : 'z';
  }
  return type === 'num' && nUnique > 5 ? 'wasserstein' : 'jensenshannon';
}

/** Distinct values of a ∪ b, counted only up to `limit` (the selection rules only ask "more than 5?"). */
function countUniqueUpTo(a: readonly (number | string)[], b: readonly (number | string)[], limit: number): number {
  const s = new Set<number | string>();
  for (const xs of [a, b]) {
    for (const v of xs) {
      s.add(v);
      if (s.size >= limit) return s.size;
    }
  }
  return s.size;
}

/**
 * Drift of one column. `reference`/`current` may hold null/NaN/±inf (dropped first). Throws
 * `EmptyColumnError` when nothing is left on a side, and an Error when a `num` column holds strings or when
 * a test is asked for a column type it does not apply to, e.g. `ks` on a `cat` column or a text test on a
 * `num` one (Evidently refuses those too). A text column's values are read as strings. `chisquare` and `z` are
 * accepted on `num` columns by override, although Evidently only registers them for categorical columns,
 * because its automatic choice already applies them to numerical columns with few values.
 */
export function columnDrift(
  reference: readonly Cell[],
  current: readonly Cell[],
  type: InferredColumnType,
  override?: DriftOverride,
  column = 'column',
): ColumnDrift {
  const prepared = referenceOf(reference);
  const ref = prepared.clean;
  if (ref.length === 0) throw new EmptyColumnError(column, 'reference');
  const cur = cleanColumn(current);
  if (cur.length === 0) throw new EmptyColumnError(column, 'current');
  const numerical = type === 'num';
  if (numerical) {
    asNumbers(ref, column, 'reference');
    asNumbers(cur, column, 'current');
  }
  const test = override?.test ?? defaultTest(type, ref.length, countUniqueUpTo(ref, cur, 6));
  const threshold = override?.threshold ?? DEFAULT_THRESHOLDS[test];
  if (!TEST_TYPES[test].includes(type)) {
    throw new Error(`Stattest ${test} isn't applicable to ${{ num: 'numerical', cat: 'categorical', text: 'text' }[type]} column '${column}'`);
  }
  let score: number;
  switch (test) {
    case 'perc_text_content_drift':
    case 'abs_text_content_drift': {
      const text = textContentDrift(ref.map(String), cur.map(String), test, threshold, column);
      return { type, test, score: text.score, threshold, drift: text.drift };
    }
    case 'ks':
      prepared.sorted ??= Float64Array.from(ref as number[]).sort();
      score = ks2sampSorted(prepared.sorted, Float64Array.from(cur as number[]).sort()).pvalue;
      break;
    case 'wasserstein':
      score = wassersteinNormed(ref as number[], cur as number[]);
      break;
    case 'chisquare':
      score = chiSquarePvalue(ref, cur);
      break;
    case 'z':
      score = zTestPvalue(ref, cur);
      break;
    case 'jensenshannon':
      score = jensenShannon(ref, cur, numerical);
      break;
    case 'psi':
      score = psi(ref, cur, numerical);
      break;
  }
  // ks uses `p <= threshold`, chisquare and z `p < threshold` (each test's own source).
  const drift = IS_PVALUE[test] ? (test === 'ks' ? score <= threshold : score < threshold) : score >= threshold;
  return { type, test, score, threshold, drift };
}

/**
 * Dataset drift over the columns present in both tables (or `opts.columns`), in reference column order.
 * A column missing from either table, when asked for by `opts.columns`, is an error (as in Evidently).
 */
export function datasetDrift(reference: Table, current: Table, opts: DriftOptions = {}): DriftReport {
  const shareThreshold = opts.shareThreshold ?? DEFAULT_SHARE_THRESHOLD;
  const names = opts.columns ?? Object.keys(reference).filter((c) => Object.hasOwn(current, c));
  const columns: Record<string, ColumnDrift> = {};
  const skipped: string[] = [];
  for (const name of names) {
    const ref = Object.hasOwn(reference, name) ? reference[name] : undefined;
    const cur = Object.hasOwn(current, name) ? current[name] : undefined;
    if (ref === undefined) throw new Error(`Cannot find column '${name}' in reference dataset`);
    if (cur === undefined) throw new Error(`Cannot find column '${name}' in current dataset`);
    const type = opts.columnTypes?.[name] ?? inferColumnType(cur, opts.dtypes?.[name]);
    try {
      columns[name] = columnDrift(ref, cur, type, opts.overrides?.[name], name);
    } catch (err) {
      if (err instanceof EmptyColumnError && opts.emptyColumns === 'skip') skipped.push(name);
      else throw err;
    }
  }
  const drifted = Object.values(columns).filter((c) => c.drift).length;
  const total = Object.keys(columns).length;
  const share = total === 0 ? 0 : drifted / total;
  const report: DriftReport = {
    dataset_drift: total > 0 && share >= shareThreshold,
    drift_share: share,
    number_of_columns: total,
    number_of_drifted_columns: drifted,
    share_threshold: shareThreshold,
    columns,
  };
  if (opts.emptyColumns === 'skip') report.skipped_columns = skipped;
  return report;
}
