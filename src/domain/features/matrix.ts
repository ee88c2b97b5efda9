/**
 * The feature matrix the model sees. Row t holds features from bars ≤ t and labels from bar t+1; the
 * last row has no label yet and is the one predicted. Warm-up rows (any feature still null) are
 * dropped, never zero-filled. Columns: the registry's bar families (registry order), then the
 * external (`av_*`) columns, then derived families (lags).
 *
 * Two paths compute it, tested equal to 1e-9:
 * - batch (`buildFeatureColumns`, `buildFeatureMatrix`): typed arrays, one pass per indicator, for
 *   whole series (`arena features`, the bench; any caller holding a whole series);
 * - streaming (`FeatureMatrixBuilder.extend`): one bar at a time, for the live cycle's daily append.
 */
import type { Bar } from '../market/types.ts';
import { hasOhlcv } from '../market/types.ts';
import type { FeatureSpec } from './spec.ts';
import { columnsOf, requiredFields, type BarFeatureFactory, type DerivedFeatureFactory } from './factory.ts';
import { barAt, missing, ohlcvColumns, type BarField, type OhlcvColumns, type StreamingIndicator, type StreamingTransform } from './indicators/types.ts';
import { featureRegistry, type FeatureRegistry } from './registry.ts';
import { avColumns, type ExternalValues } from './alphavantage.ts';
import { formatCsv } from '../../core/csv.ts';

export interface Targets {
  /** close_{t+1} / close_t − 1 */
  return: number;
  /** close_{t+1} */
  close: number;
  /** 1 when close_{t+1} > close_t, else 0 */
  direction: 0 | 1;
}

export interface FeatureRow {
  symbol: string;
  date: string;
  close: number;
  features: number[];
  /** null on the last row: tomorrow is not known yet. */
  targets: Targets | null;
}

export interface DroppedFeature {
  feature: string;
  columns: string[];
  reason: string;
}

export interface FeaturePlan {
  columns: string[];
  dropped: DroppedFeature[];
}

export class FeatureSpecError extends Error {}

export interface PlanOptions {
  /**
   * The data source serves `features.alphavantage` values (the fetch step got them from the provider).
   * Without it those columns are dropped with the reason, e.g. for `arena features` on local CSVs.
   */
  external?: boolean;
  /** The families to plan from (default: the built-ins plus registered plug-ins). */
  registry?: FeatureRegistry;
}

/** A spec's value for a family (already parsed by the family's schema), or undefined when it does not use it. */
function paramsOf(spec: FeatureSpec, key: string): unknown {
  return (spec as Readonly<Record<string, unknown>>)[key];
}

/** Columns joined from outside (Alpha Vantage indicators), in spec order. */
export function externalColumns(spec: FeatureSpec): string[] {
  return (spec.alphavantage ?? []).flatMap((ind) => avColumns(ind).map((c) => c.column));
}

/**
 * Decide the columns for a team: a feature needing high/low/volume is dropped (with the reason)
 * when any of the team's series lacks them, since one pooled model needs one column set.
 * Order: bar families, then external (`av_*`) columns, then derived families (lags).
 */
export function planFeatures(spec: FeatureSpec, available: ReadonlySet<BarField>, closeOnlySymbols: string[] = [], opts: PlanOptions = {}): FeaturePlan {
  const registry = opts.registry ?? featureRegistry;
  const columns: string[] = [];
  const dropped: DroppedFeature[] = [];
  for (const f of registry.barFactories()) {
    const params = paramsOf(spec, f.key);
    if (params === undefined) continue;
    const missingFields = requiredFields(f, params).filter((r) => !available.has(r));
    for (const ind of f.make(params)) {
      if (missingFields.length > 0) {
        dropped.push({
          feature: ind.name ?? f.key,
          columns: [...ind.columns],
          reason: `needs ${missingFields.join(', ')}, which ${closeOnlySymbols.length ? closeOnlySymbols.join(', ') : 'the data'} does not provide (close-only series)`,
        });
      } else columns.push(...ind.columns);
    }
  }
  for (const ind of spec.alphavantage ?? []) {
    const cols = avColumns(ind).map((c) => c.column);
    if (opts.external) columns.push(...cols);
    else dropped.push({ feature: `alphavantage ${ind.function}`, columns: cols, reason: 'needs the Alpha Vantage indicator endpoints (data.provider alphavantage, fetched by the daily cycle)' });
  }
  const seen = new Set(columns);
  for (const d of registry.derivedFactories()) {
    const params = paramsOf(spec, d.key);
    if (params === undefined) continue;
    for (const c of d.inputs(params)) {
      if (!seen.has(c)) {
        if (dropped.some((x) => x.columns.includes(c))) {
          dropped.push({ feature: d.label(c), columns: d.columns(params, c), reason: `${c} was dropped` });
          continue;
        }
        throw new FeatureSpecError(`features.${d.key}.${d.inputsField}: "${c}" is not a feature column; expected one of ${columns.join(', ')}`);
      }
      columns.push(...d.columns(params, c));
    }
  }
  return { columns, dropped };
}

/** Which optional bar fields every series provides in full. */
export function availableFields(series: ReadonlyArray<{ bars: readonly Bar[] }>): Set<BarField> {
  const all = series.every((s) => s.bars.length > 0 && s.bars.every(hasOhlcv));
  return new Set<BarField>(all ? ['open', 'high', 'low', 'volume'] : []);
}

/** What a plan computes, resolved against a registry: the families it keeps, their params and columns. */
interface Layout {
  bars: { factory: BarFeatureFactory; params: unknown; columns: string[] }[];
  externals: string[];
  /** Base columns: bar families then externals; derived families read these. */
  base: string[];
  derived: { factory: DerivedFeatureFactory; params: unknown; input: string; inputIndex: number; columns: string[] }[];
}

function layoutOf(spec: FeatureSpec, plan: FeaturePlan, registry: FeatureRegistry): Layout {
  const planned = new Set(plan.columns);
  const bars: Layout['bars'] = [];
  for (const factory of registry.barFactories()) {
    const params = paramsOf(spec, factory.key);
    if (params === undefined) continue;
    const columns = columnsOf(factory, params);
    // A family's columns are all kept or all dropped (its required fields are the family's).
    if (columns.length > 0 && columns.every((c) => planned.has(c))) bars.push({ factory, params, columns });
  }
  const externals = externalColumns(spec).filter((c) => planned.has(c));
  const base = [...bars.flatMap((b) => b.columns), ...externals];
  const derived: Layout['derived'] = [];
  for (const factory of registry.derivedFactories()) {
    const params = paramsOf(spec, factory.key);
    if (params === undefined) continue;
    for (const input of factory.inputs(params)) {
      const columns = factory.columns(params, input);
      if (planned.has(input) && columns.every((c) => planned.has(c))) derived.push({ factory, params, input, inputIndex: base.indexOf(input), columns });
    }
  }
  const all = [...base, ...derived.flatMap((d) => d.columns)];
  if (all.length !== plan.columns.length || all.some((c, i) => c !== plan.columns[i]))
    throw new FeatureSpecError(`the feature plan (${plan.columns.join(', ')}) does not match the spec's families (${all.join(', ')})`);
  return { bars, externals, base, derived };
}

/** The external values for one date, in layout order; null where the source has none (warm-up, not published). */
function externalAt(columns: readonly string[], date: string, external: ExternalValues | undefined): (number | null)[] {
  const row = external?.get(date);
  return columns.map((c) => {
    const v = row?.[c];
    return v !== undefined && Number.isFinite(v) ? v : null;
  });
}

// ---------- batch ----------

/** A symbol's features as columns: one Float64Array per plan column, NaN where the value is missing. */
export interface FeatureColumns {
  readonly symbol: string;
  readonly dates: readonly string[];
  readonly close: Float64Array;
  readonly columns: readonly string[];
  readonly values: readonly Float64Array[];
  /** 1 where every column has a value: the rows the matrix keeps. */
  readonly complete: Uint8Array;
}

/** The streaming form run over whole columns: the batch fallback of a family without `batch`. */
function streamBarFactory(f: BarFeatureFactory, params: unknown, ohlcv: OhlcvColumns): Float64Array[] {
  const inds = f.make(params);
  const out = columnsOf(f, params).map(() => missing(ohlcv.length));
  for (let i = 0; i < ohlcv.length; i++) {
    const bar = barAt(ohlcv, i);
    let c = 0;
    for (const ind of inds) for (const v of ind.update(bar)) out[c++]![i] = v ?? NaN;
  }
  return out;
}

function streamDerivedFactory(f: DerivedFeatureFactory, params: unknown, input: string, values: Float64Array): Float64Array[] {
  const t = f.make(params, input);
  const out = t.columns.map(() => missing(values.length));
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    t.update(Number.isNaN(v) ? null : v).forEach((x, c) => (out[c]![i] = x ?? NaN));
  }
  return out;
}

/** Non-finite values are missing values (as the streaming path's nulls); a row with one is incomplete. */
function finiteOrNaN(col: Float64Array, complete: Uint8Array): Float64Array {
  for (let i = 0; i < col.length; i++) {
    const v = col[i]!;
    // v − v is 0 for every finite v, NaN for NaN and ±Infinity.
    if (v - v !== 0) {
      col[i] = NaN;
      complete[i] = 0;
    }
  }
  return col;
}

function checkOrder(symbol: string, dates: readonly string[]): void {
  for (let i = 1; i < dates.length; i++) if (dates[i]! <= dates[i - 1]!) throw new FeatureSpecError(`${symbol}: bars out of order or duplicated at ${dates[i]}`);
}

/**
 * Batch form, columnar: every plan column for one series, one pass per indicator over typed arrays.
 * `bars` may already be columns (`ohlcvColumns`). External (`av_*`) values are joined by date.
 */
export function buildFeatureColumns(
  symbol: string,
  bars: readonly Bar[] | OhlcvColumns,
  spec: FeatureSpec,
  plan: FeaturePlan,
  external?: ExternalValues,
  registry: FeatureRegistry = featureRegistry,
): FeatureColumns {
  const ohlcv = Array.isArray(bars) ? ohlcvColumns(bars as readonly Bar[]) : (bars as OhlcvColumns);
  checkOrder(symbol, ohlcv.dates);
  const layout = layoutOf(spec, plan, registry);
  const n = ohlcv.length;
  const complete = new Uint8Array(n).fill(1);
  const base: Float64Array[] = [];
  for (const { factory, params, columns } of layout.bars) {
    const cols = factory.batch ? factory.batch(params, ohlcv) : streamBarFactory(factory, params, ohlcv);
    if (cols.length !== columns.length || cols.some((c) => c.length !== n))
      throw new FeatureSpecError(`feature ${factory.key}: batch gave ${cols.length} columns${cols.length ? ` of ${cols.map((c) => c.length).join('/')} rows` : ''}; expected ${columns.length} of ${n} rows`);
    for (const c of cols) base.push(finiteOrNaN(c, complete));
  }
  layout.externals.forEach((name) => {
    const col = missing(n);
    for (let i = 0; i < n; i++) {
      const v = external?.get(ohlcv.dates[i]!)?.[name];
      if (v !== undefined && Number.isFinite(v)) col[i] = v;
      else complete[i] = 0;
    }
    base.push(col);
  });
  const values = [...base];
  for (const { factory, params, input, inputIndex, columns } of layout.derived) {
    const src = base[inputIndex]!;
    const cols = factory.batch ? factory.batch(params, src) : streamDerivedFactory(factory, params, input, src);
    if (cols.length !== columns.length) throw new FeatureSpecError(`feature ${factory.key}: batch gave ${cols.length} columns for ${input}; expected ${columns.length}`);
    for (const c of cols) values.push(finiteOrNaN(c, complete));
  }
  return { symbol, dates: ohlcv.dates, close: ohlcv.close, columns: plan.columns, values, complete };
}

/** Rows from columns: the complete ones (every value present), labelled from the next bar; the last one unlabelled. */
export function featureRows(fc: FeatureColumns): FeatureRow[] {
  const n = fc.dates.length;
  const k = fc.values.length;
  const complete = fc.complete;
  const rows: FeatureRow[] = [];
  for (let i = 0; i < n; i++) {
    if (!complete[i]) continue;
    const features = new Array<number>(k);
    for (let j = 0; j < k; j++) features[j] = fc.values[j]![i]!;
    const close = fc.close[i]!;
    const next = i + 1 < n ? fc.close[i + 1]! : null;
    rows.push({
      symbol: fc.symbol,
      date: fc.dates[i]!,
      close,
      features,
      targets: next === null ? null : { return: next / close - 1, close: next, direction: next > close ? 1 : 0 },
    });
  }
  return rows;
}

/** Batch form: the whole matrix for one series (with its external values, when the plan has such columns). */
export function buildFeatureMatrix(symbol: string, bars: readonly Bar[], spec: FeatureSpec, plan?: FeaturePlan, external?: ExternalValues, registry: FeatureRegistry = featureRegistry): FeatureRow[] {
  const p = plan ?? planFeatures(spec, availableFields([{ bars }]), [], { external: external !== undefined, registry });
  return featureRows(buildFeatureColumns(symbol, bars, spec, p, external, registry));
}

// ---------- streaming ----------

/**
 * Streams one symbol's bars into feature rows. `extend` accepts the same series again with more
 * bars appended (a daily cycle) and only processes the new ones; if earlier bars changed (a data
 * revision), it starts over so rows always equal a fresh build.
 */
export class FeatureMatrixBuilder {
  private readonly layout: Layout;
  private indicators: StreamingIndicator[] = [];
  private transforms: { t: StreamingTransform; inputIndex: number }[] = [];
  private pending: { date: string; close: number; features: (number | null)[] } | null = null;
  private seen: Bar[] = [];
  /** The external values each consumed bar got (to notice revisions). */
  private seenExternal: (number | null)[][] = [];
  private rows: FeatureRow[] = [];

  constructor(
    readonly symbol: string,
    readonly spec: FeatureSpec,
    readonly plan: FeaturePlan,
    registry: FeatureRegistry = featureRegistry,
  ) {
    this.layout = layoutOf(spec, plan, registry);
    this.reset();
  }

  private reset(): void {
    this.indicators = this.layout.bars.flatMap((b) => b.factory.make(b.params));
    this.transforms = this.layout.derived.map((d) => ({ t: d.factory.make(d.params, d.input), inputIndex: d.inputIndex }));
    this.pending = null;
    this.seen = [];
    this.seenExternal = [];
    this.rows = [];
  }

  /**
   * Feed the full series (ascending, ≤ as-of), and the external (`av_*`) values by date when the plan has
   * such columns: row t takes the values dated t only. Returns all complete rows so far plus the unlabelled last row.
   */
  extend(bars: readonly Bar[], external?: ExternalValues): FeatureRow[] {
    const n = this.seen.length;
    const ext = this.layout.externals;
    let sameHistory = bars.length >= n;
    // Compare every bar already consumed (cheap next to the indicators) so a revised bar anywhere restarts.
    for (let i = n - 1; sameHistory && i >= 0; i--) sameHistory = sameBar(bars[i]!, this.seen[i]!);
    // Likewise a revised external value (the provider recomputed its history).
    for (let i = n - 1; sameHistory && ext.length > 0 && i >= 0; i--) sameHistory = sameValues(externalAt(ext, bars[i]!.date, external), this.seenExternal[i]!);
    if (!sameHistory) this.reset();
    for (let i = this.seen.length; i < bars.length; i++) this.push(bars[i]!, externalAt(ext, bars[i]!.date, external));
    return this.current();
  }

  private push(bar: Bar, ext: (number | null)[]): void {
    const prev = this.seen[this.seen.length - 1];
    if (prev && bar.date <= prev.date) throw new FeatureSpecError(`${this.symbol}: bars out of order or duplicated at ${bar.date}`);
    this.seen.push(bar);
    this.seenExternal.push(ext);
    // The previous day's row gets its label now that its next day is known.
    if (this.pending && prev) {
      const p = this.pending;
      if (p.features.every((v) => v !== null)) {
        this.rows.push({
          symbol: this.symbol,
          date: p.date,
          close: p.close,
          features: p.features as number[],
          targets: { return: bar.close / p.close - 1, close: bar.close, direction: bar.close > p.close ? 1 : 0 },
        });
      }
    }
    const features: (number | null)[] = [];
    for (const ind of this.indicators) for (const v of ind.update(bar)) features.push(v === null || Number.isFinite(v) ? v : null);
    features.push(...ext);
    const baseLength = features.length;
    for (const { t, inputIndex } of this.transforms)
      for (const v of t.update(inputIndex < baseLength ? (features[inputIndex] ?? null) : null)) features.push(v === null || Number.isFinite(v) ? v : null);
    this.pending = { date: bar.date, close: bar.close, features };
  }

  private current(): FeatureRow[] {
    const p = this.pending;
    if (!p || !p.features.every((v) => v !== null)) return this.rows.slice();
    return [...this.rows, { symbol: this.symbol, date: p.date, close: p.close, features: p.features as number[], targets: null }];
  }
}

function sameValues(a: readonly (number | null)[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

function sameBar(a: Bar, b: Bar): boolean {
  return a.date === b.date && a.close === b.close && a.open === b.open && a.high === b.high && a.low === b.low && a.volume === b.volume;
}

/** CSV exactly as the model sees it: date, features, then target_* columns (empty on the last row). */
export function featureMatrixCsv(rows: readonly FeatureRow[], columns: readonly string[]): string {
  const header = ['date', ...columns, 'target_return', 'target_close', 'target_direction'];
  return formatCsv([header, ...rows.map((r) => [r.date, ...r.features.map(String), r.targets?.return, r.targets?.close, r.targets?.direction])]);
}
