/**
 * Evidently-style data quality of the current window against the reference window: missing
 * values, constant columns, values outside the reference range, categories never seen before.
 * And the tables drift and quality are computed on: one column per feature, the target and the
 * model's prediction (Evidently's `prediction` column).
 */
import type { FeatureRow } from '../features/matrix.ts';
import type { Bar } from '../market/types.ts';
import type { Cell, Table } from './drift/types.ts';

export interface DataQualitySummary {
  /** Column → missing values in the current window. */
  missing: Record<string, number>;
  constant_columns: string[];
  /** Column → values outside the reference range in the current window. */
  out_of_range: Record<string, number>;
  new_categories: Record<string, string[]>;
}

export const rowKey = (r: { date: string; symbol: string }): string => `${r.date}:${r.symbol}`;

/** Features, the target and (Evidently's prediction column) the model's prediction for each row. */
export function featureTable(rows: readonly FeatureRow[], columns: readonly string[], withTarget: boolean, predictions?: ReadonlyMap<string, number>): Table {
  const t: Table = Object.fromEntries(columns.map((c) => [c, [] as Cell[]]));
  if (withTarget) t.target_return = [];
  if (predictions) t.prediction = [];
  for (const r of rows) {
    columns.forEach((c, j) => (t[c] as Cell[]).push(r.features[j] ?? null));
    if (withTarget) (t.target_return as Cell[]).push(r.targets?.return ?? null);
    if (predictions) (t.prediction as Cell[]).push(predictions.get(rowKey(r)) ?? null);
  }
  return t;
}

/** Calendar one-hot columns are the categorical ones the feature layer makes. */
const isCategorical = (column: string): boolean => column.startsWith('dow_') || column === 'month';

/** What the summary reads of a reference table: each column's range and categories. */
interface ReferenceStats {
  range: Map<string, { lo: number; hi: number } | null>;
  categories: Map<string, Set<string>>;
}

// A monitor keeps its champion's reference table for many days: its stats are computed once per table.
const referenceStats = new WeakMap<Table, ReferenceStats>();

function statsOf(reference: Table): ReferenceStats {
  let s = referenceStats.get(reference);
  if (s) return s;
  s = { range: new Map(), categories: new Map() };
  for (const [col, values] of Object.entries(reference)) {
    let lo = Infinity;
    let hi = -Infinity;
    let any = false;
    for (const v of values) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      any = true;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    s.range.set(col, any ? { lo, hi } : null);
    if (isCategorical(col)) s.categories.set(col, new Set(values.map(String)));
  }
  referenceStats.set(reference, s);
  return s;
}

export function qualitySummary(reference: Table, current: Table, currentBars: ReadonlyMap<string, readonly Bar[]>): DataQualitySummary {
  const missing: Record<string, number> = {};
  for (const [sym, bars] of currentBars) {
    for (const f of ['open', 'high', 'low', 'volume'] as const) {
      const n = bars.filter((b) => b[f] === null || !Number.isFinite(b[f] as number)).length;
      if (n) missing[`${sym}.${f}`] = n;
    }
  }
  const ref = statsOf(reference);
  const constant: string[] = [];
  const outOfRange: Record<string, number> = {};
  for (const [col, values] of Object.entries(current)) {
    const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const miss = values.length - nums.length;
    if (miss) missing[col] = (missing[col] ?? 0) + miss;
    if (nums.length > 1 && nums.every((v) => v === nums[0])) constant.push(col);
    const range = ref.range.get(col);
    if (range) {
      const n = nums.filter((v) => v < range.lo || v > range.hi).length;
      if (n) outOfRange[col] = n;
    }
  }
  // A category never seen in the reference is new.
  const newCategories: Record<string, string[]> = {};
  for (const col of Object.keys(current).filter(isCategorical)) {
    const seen = ref.categories.get(col) ?? new Set<string>();
    const fresh = [...new Set((current[col] ?? []).map(String))].filter((v) => !seen.has(v));
    if (fresh.length) newCategories[col] = fresh;
  }
  return { missing, constant_columns: constant, out_of_range: outOfRange, new_categories: newCategories };
}
