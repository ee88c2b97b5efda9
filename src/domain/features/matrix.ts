/**
 * The feature matrix the model sees, built by streaming bars through the indicators one day at a
 * time. Row t holds features from bars ≤ t and labels from bar t+1; the last row has no label yet
 * and is the one predicted. Warm-up rows (any feature still null) are dropped, never zero-filled.
 */
import type { Bar } from '../market/types.ts';
import { hasOhlcv } from '../market/types.ts';
import type { FeatureSpec } from './spec.ts';
import type { BarField, StreamingIndicator } from './indicators/types.ts';
import { Rsi } from './indicators/rsi.ts';
import { EmaGap } from './indicators/ema.ts';
import { SmaGap } from './indicators/sma.ts';
import { MacdRel } from './indicators/macd.ts';
import { Bollinger } from './indicators/bollinger.ts';
import { AtrPct } from './indicators/atr.ts';
import { Stochastic } from './indicators/stochastic.ts';
import { ObvZ } from './indicators/obv.ts';
import { Returns } from './indicators/returns.ts';
import { Volatility } from './indicators/volatility.ts';
import { VolumeZ } from './indicators/volume-z.ts';
import { CalendarFeatures } from './indicators/calendar.ts';
import { avColumns, type ExternalValues } from './alphavantage.ts';

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

type IndicatorFactory = { name: string; make: () => StreamingIndicator };

function factories(spec: FeatureSpec): IndicatorFactory[] {
  const out: IndicatorFactory[] = [];
  for (const p of spec.rsi ?? []) out.push({ name: `rsi ${p}`, make: () => new Rsi(p) });
  for (const p of spec.ema ?? []) out.push({ name: `ema ${p}`, make: () => new EmaGap(p) });
  for (const p of spec.sma ?? []) out.push({ name: `sma ${p}`, make: () => new SmaGap(p) });
  if (spec.macd) {
    const { fast, slow, signal } = spec.macd;
    out.push({ name: 'macd', make: () => new MacdRel(fast, slow, signal) });
  }
  if (spec.bollinger) {
    const { period, stddev } = spec.bollinger;
    out.push({ name: 'bollinger', make: () => new Bollinger(period, stddev) });
  }
  for (const p of spec.atr ?? []) out.push({ name: `atr ${p}`, make: () => new AtrPct(p) });
  if (spec.stochastic) {
    const { period, signal } = spec.stochastic;
    out.push({ name: 'stochastic', make: () => new Stochastic(period, signal) });
  }
  for (const p of spec.obv ?? []) out.push({ name: `obv ${p}`, make: () => new ObvZ(p) });
  if (spec.returns?.length) {
    const ps = spec.returns;
    out.push({ name: 'returns', make: () => new Returns(ps) });
  }
  for (const p of spec.volatility ?? []) out.push({ name: `volatility ${p}`, make: () => new Volatility(p) });
  for (const p of spec.volume_z ?? []) out.push({ name: `volume_z ${p}`, make: () => new VolumeZ(p) });
  if (spec.calendar?.length) {
    const dow = spec.calendar.includes('day_of_week');
    const month = spec.calendar.includes('month');
    out.push({ name: 'calendar', make: () => new CalendarFeatures(dow, month) });
  }
  return out;
}

export class FeatureSpecError extends Error {}

export interface PlanOptions {
  /**
   * The data source serves `features.alphavantage` values (the fetch step got them from the provider).
   * Without it those columns are dropped with the reason, e.g. for `arena features` on local CSVs.
   */
  external?: boolean;
}

/** Columns joined from outside (Alpha Vantage indicators), in spec order. */
export function externalColumns(spec: FeatureSpec): string[] {
  return (spec.alphavantage ?? []).flatMap((ind) => avColumns(ind).map((c) => c.column));
}

/**
 * Decide the columns for a team: a feature needing high/low/volume is dropped (with the reason)
 * when any of the team's series lacks them, since one pooled model needs one column set.
 * Order: local indicators, then external (`av_*`) columns, then lags.
 */
export function planFeatures(spec: FeatureSpec, available: ReadonlySet<BarField>, closeOnlySymbols: string[] = [], opts: PlanOptions = {}): FeaturePlan {
  const columns: string[] = [];
  const dropped: DroppedFeature[] = [];
  for (const f of factories(spec)) {
    const ind = f.make();
    const missing = ind.requires.filter((r) => !available.has(r));
    if (missing.length > 0) {
      dropped.push({
        feature: f.name,
        columns: [...ind.columns],
        reason: `needs ${missing.join(', ')}, which ${closeOnlySymbols.length ? closeOnlySymbols.join(', ') : 'the data'} does not provide (close-only series)`,
      });
      continue;
    }
    columns.push(...ind.columns);
  }
  for (const ind of spec.alphavantage ?? []) {
    const cols = avColumns(ind).map((c) => c.column);
    if (opts.external) columns.push(...cols);
    else dropped.push({ feature: `alphavantage ${ind.function}`, columns: cols, reason: 'needs the Alpha Vantage indicator endpoints (data.provider alphavantage, fetched by the daily cycle)' });
  }
  const seen = new Set(columns);
  if (spec.lags) {
    for (const c of spec.lags.columns) {
      if (!seen.has(c)) {
        const wasDropped = dropped.some((d) => d.columns.includes(c));
        if (wasDropped) {
          dropped.push({ feature: `lags of ${c}`, columns: lagColumns(c, spec.lags.count), reason: `${c} was dropped` });
          continue;
        }
        throw new FeatureSpecError(`features.lags.columns: "${c}" is not a feature column; expected one of ${columns.join(', ')}`);
      }
      columns.push(...lagColumns(c, spec.lags.count));
    }
  }
  return { columns, dropped };
}

const lagColumns = (c: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${c}_lag_${i + 1}`);

/** Which optional bar fields every series provides in full. */
export function availableFields(series: ReadonlyArray<{ bars: readonly Bar[] }>): Set<BarField> {
  const all = series.every((s) => s.bars.length > 0 && s.bars.every(hasOhlcv));
  return new Set<BarField>(all ? ['open', 'high', 'low', 'volume'] : []);
}

/**
 * Streams one symbol's bars into feature rows. `extend` accepts the same series again with more
 * bars appended (a daily cycle) and only processes the new ones; if earlier bars changed (a data
 * revision), it starts over so rows always equal a fresh build.
 */
export class FeatureMatrixBuilder {
  private indicators: StreamingIndicator[] = [];
  private lagSources: { column: string; index: number }[] = [];
  private lagHistory: number[][] = [];
  private pending: { date: string; close: number; features: (number | null)[] } | null = null;
  private seen: Bar[] = [];
  /** External columns kept by the plan, and the values each consumed bar got (to notice revisions). */
  private externals: string[] = [];
  private seenExternal: (number | null)[][] = [];
  private rows: FeatureRow[] = [];
  private readonly planIndex: Map<string, number>;

  constructor(
    readonly symbol: string,
    readonly spec: FeatureSpec,
    readonly plan: FeaturePlan,
  ) {
    this.planIndex = new Map(plan.columns.map((c, i) => [c, i]));
    this.reset();
  }

  private reset(): void {
    const droppedCols = new Set(this.plan.dropped.flatMap((d) => d.columns));
    this.indicators = factories(this.spec)
      .map((f) => f.make())
      .filter((ind) => !ind.columns.some((c) => droppedCols.has(c)));
    this.externals = externalColumns(this.spec).filter((c) => this.planIndex.has(c));
    const base = [...this.indicators.flatMap((i) => [...i.columns]), ...this.externals];
    this.lagSources = (this.spec.lags?.columns ?? [])
      .filter((c) => this.planIndex.has(c))
      .map((column) => ({ column, index: base.indexOf(column) }));
    this.lagHistory = this.lagSources.map(() => []);
    this.pending = null;
    this.seen = [];
    this.seenExternal = [];
    this.rows = [];
  }

  /** The external values for one date, in plan order; null where the source has none (warm-up, not published). */
  private externalAt(date: string, external: ExternalValues | undefined): (number | null)[] {
    const row = external?.get(date);
    return this.externals.map((c) => {
      const v = row?.[c];
      return v !== undefined && Number.isFinite(v) ? v : null;
    });
  }

  /**
   * Feed the full series (ascending, ≤ as-of), and the external (`av_*`) values by date when the plan has
   * such columns: row t takes the values dated t only. Returns all complete rows so far plus the unlabelled last row.
   */
  extend(bars: readonly Bar[], external?: ExternalValues): FeatureRow[] {
    const n = this.seen.length;
    let sameHistory = bars.length >= n;
    // Compare every bar already consumed (cheap next to the indicators) so a revised bar anywhere restarts.
    for (let i = n - 1; sameHistory && i >= 0; i--) sameHistory = sameBar(bars[i] as Bar, this.seen[i] as Bar);
    // Likewise a revised external value (the provider recomputed its history).
    for (let i = n - 1; sameHistory && this.externals.length > 0 && i >= 0; i--)
      sameHistory = sameValues(this.externalAt((bars[i] as Bar).date, external), this.seenExternal[i] as (number | null)[]);
    if (!sameHistory) this.reset();
    for (let i = this.seen.length; i < bars.length; i++) this.push(bars[i] as Bar, this.externalAt((bars[i] as Bar).date, external));
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
    const base: (number | null)[] = [];
    for (const ind of this.indicators) for (const v of ind.update(bar)) base.push(v === null || Number.isFinite(v) ? v : null);
    base.push(...ext);
    const lags: (number | null)[] = [];
    const count = this.spec.lags?.count ?? 0;
    this.lagSources.forEach((src, k) => {
      const hist = this.lagHistory[k] as number[];
      for (let i = 1; i <= count; i++) lags.push(hist.length >= i ? (hist[hist.length - i] as number) : null);
      const v = base[src.index];
      // A null source value breaks the lag chain: restart so lags never straddle a gap.
      if (v === null || v === undefined) hist.length = 0;
      else {
        hist.push(v);
        if (hist.length > count) hist.shift();
      }
    });
    this.pending = { date: bar.date, close: bar.close, features: [...base, ...lags] };
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

/** Batch form: the whole matrix for one series (with its external values, when the plan has such columns). */
export function buildFeatureMatrix(symbol: string, bars: readonly Bar[], spec: FeatureSpec, plan?: FeaturePlan, external?: ExternalValues): FeatureRow[] {
  const p = plan ?? planFeatures(spec, availableFields([{ bars }]), [], { external: external !== undefined });
  return new FeatureMatrixBuilder(symbol, spec, p).extend(bars, external);
}

/** CSV exactly as the model sees it: date, features, then target_* columns (empty on the last row). */
export function featureMatrixCsv(rows: readonly FeatureRow[], columns: readonly string[]): string {
  const header = ['date', ...columns, 'target_return', 'target_close', 'target_direction'];
  const lines = [header.join(',')];
  for (const r of rows) {
    const t = r.targets;
    lines.push([r.date, ...r.features.map(String), t ? String(t.return) : '', t ? String(t.close) : '', t ? String(t.direction) : ''].join(','));
  }
  return lines.join('\n') + '\n';
}
