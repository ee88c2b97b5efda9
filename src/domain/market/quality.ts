/**
 * The data quality gate: pure checks over one DailySeries. Findings with severity `error` block trading
 * that symbol for the day; `warn` and `info` are recorded in the report only.
 *
 * Per-bar checks run over the whole series (a bad bar anywhere feeds the model); the calendar-gap check
 * runs only over the tail window actually used, so a known old gap in a 20-year history does not fire
 * every day. Default severities can be overridden per code (`off` drops the code).
 */
import { CALENDAR_RANGE, addTradingDays, isTradingDay, nextTradingDay, previousTradingDay, tradingDays } from '../calendar/nyse.ts';
import type { Bar, DailySeries } from './types.ts';

export type Severity = 'error' | 'warn' | 'info';
export type SeverityOverride = Severity | 'off';

export const FINDING_CODES = [
  'duplicate_date',
  'out_of_order',
  'future_bar',
  'calendar_gap',
  'non_trading_day',
  'non_positive_price',
  'high_below_low',
  'close_outside_range',
  'open_outside_range',
  'zero_volume',
  'missing_value',
  'close_only',
  'stale',
  'suspicious_jump',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export const isFindingCode = (value: string): value is FindingCode => (FINDING_CODES as readonly string[]).includes(value);

/**
 * Turn the team file's `data.quality.severities` (string keys) into typed overrides; an unknown code
 * is an error naming it, so a typo never silently disables nothing.
 */
export function severityOverrides(raw: Readonly<Record<string, SeverityOverride>>): Partial<Record<FindingCode, SeverityOverride>> {
  const out: Partial<Record<FindingCode, SeverityOverride>> = {};
  for (const [code, sev] of Object.entries(raw)) {
    if (!isFindingCode(code)) throw new RangeError(`unknown quality finding code "${code}" (expected one of ${FINDING_CODES.join(', ')})`);
    out[code] = sev;
  }
  return out;
}

export interface Finding {
  symbol: string;
  code: FindingCode;
  severity: Severity;
  date?: string;
  message: string;
}

/**
 * Defaults. Two codes are milder in their milder form: `stale` is `warn` when only the provider's
 * stale flag is set (last bar still recent enough), and `suspicious_jump` is `warn` unless the move
 * looks like an unadjusted split. An override replaces the severity of every finding of its code.
 */
export const DEFAULT_SEVERITIES: Readonly<Record<FindingCode, Severity>> = {
  duplicate_date: 'error',
  out_of_order: 'error',
  future_bar: 'error',
  calendar_gap: 'warn',
  non_trading_day: 'warn',
  non_positive_price: 'error',
  high_below_low: 'error',
  close_outside_range: 'error',
  open_outside_range: 'warn',
  zero_volume: 'warn',
  missing_value: 'error',
  close_only: 'info',
  stale: 'error',
  suspicious_jump: 'error',
};

export interface QualityOptions {
  /** The trading date the data is used for; later bars are look-ahead (`future_bar`). */
  asOf: string;
  severities?: Partial<Record<FindingCode, SeverityOverride>>;
  /** |close/prev − 1| above this is a suspicious jump. Default 0.35. */
  jumpThreshold?: number;
  /** The last bar may lag asOf by this many trading days. Default 1 (yesterday's bar before today's close). */
  staleAfterTradingDays?: number;
  /** Check calendar gaps from this date on (overrides gapWindowTradingDays). */
  gapCheckFrom?: string;
  /** Otherwise check the last N trading days up to the last bar. Default 60. */
  gapWindowTradingDays?: number;
  /** Findings per code kept individually; the rest are folded into one summary finding. Default 20. */
  maxFindingsPerCode?: number;
}

/** The calendar covers CALENDAR_RANGE only; outside it calendar checks are skipped, not failed. */
const inCalendar = (date: string): boolean => date >= CALENDAR_RANGE.first && date <= CALENDAR_RANGE.last;

// isTradingDay over a 20-year series is called often by a replay: memoise (the calendar is fixed).
const tradingDayMemo = new Map<string, boolean>();
function isOpen(date: string): boolean {
  let v = tradingDayMemo.get(date);
  if (v === undefined) {
    v = inCalendar(date) ? isTradingDay(date) : true;
    tradingDayMemo.set(date, v);
  }
  return v;
}

const fmt = (x: number): string => (Number.isFinite(x) ? String(Number(x.toPrecision(8))) : String(x));

/** Common split ratios (shares after : before). Forward n:1 divides the price by n. */
const SPLITS: readonly { label: string; factor: number }[] = [
  { label: '3:2', factor: 1.5 },
  { label: '2:1', factor: 2 },
  { label: '5:2', factor: 2.5 },
  { label: '3:1', factor: 3 },
  { label: '4:1', factor: 4 },
  { label: '5:1', factor: 5 },
  { label: '6:1', factor: 6 },
  { label: '7:1', factor: 7 },
  { label: '8:1', factor: 8 },
  { label: '10:1', factor: 10 },
  { label: '15:1', factor: 15 },
  { label: '20:1', factor: 20 },
];
/** A split-day move on top of the ratio itself: within ±6 % of the exact ratio still reads as a split. */
const SPLIT_TOLERANCE = 0.06;

/** `3:1 split` for a ratio near 1/3, `1:3 reverse split` for one near 3; undefined otherwise. */
export function likelySplit(ratio: number): string | undefined {
  if (!(ratio > 0) || !Number.isFinite(ratio)) return undefined;
  let best: { label: string; err: number; reverse: boolean } | undefined;
  for (const s of SPLITS) {
    const fwd = Math.abs(Math.log(ratio * s.factor));
    const rev = Math.abs(Math.log(ratio / s.factor));
    if (!best || fwd < best.err) best = { label: s.label, err: fwd, reverse: false };
    // Reverse splits are 1:n with whole n in practice; a +50 % day is not a "2:3 reverse split".
    if (Number.isInteger(s.factor) && rev < best.err) best = { label: s.label, err: rev, reverse: true };
  }
  if (!best || best.err > Math.log(1 + SPLIT_TOLERANCE)) return undefined;
  if (!best.reverse) return `${best.label} split`;
  const [a, b] = best.label.split(':');
  return `${b}:${a} reverse split`;
}

function outside(x: number, lo: number, hi: number): boolean {
  // Half a unit of the 4th decimal plus a relative hair: rounding in vendors' adjusted data is not an error.
  const tol = 5e-5 + 1e-6 * Math.abs(hi);
  return x > hi + tol || x < lo - tol;
}

export function checkQuality(series: DailySeries, opts: QualityOptions): Finding[] {
  const symbol = series.symbol;
  const raw: Finding[] = [];
  const add = (code: FindingCode, message: string, date?: string, severity?: Severity): void => {
    raw.push({ symbol, code, severity: severity ?? DEFAULT_SEVERITIES[code], ...(date !== undefined ? { date } : {}), message });
  };
  const jumpThreshold = opts.jumpThreshold ?? 0.35;
  const staleAfter = opts.staleAfterTradingDays ?? 1;

  const future = series.bars.filter((b) => b.date > opts.asOf);
  if (future.length > 0) {
    add('future_bar', `${future.length} bar(s) after asOf ${opts.asOf} (first ${future[0]?.date}): look-ahead, the provider must not return them`, future[0]?.date);
  }
  const bars = series.bars.filter((b) => b.date <= opts.asOf);

  if (bars.length === 0) {
    add('stale', `no bars on or before ${opts.asOf}`);
    return finish(raw, opts);
  }

  // Which optional fields does the series carry at all? A field absent everywhere is not "missing".
  const has = { open: false, high: false, low: false, volume: false };
  for (const b of bars) {
    if (b.open !== null && !Number.isNaN(b.open)) has.open = true;
    if (b.high !== null && !Number.isNaN(b.high)) has.high = true;
    if (b.low !== null && !Number.isNaN(b.low)) has.low = true;
    if (b.volume !== null && !Number.isNaN(b.volume)) has.volume = true;
  }
  const closeOnly = !has.open && !has.high && !has.low && !has.volume;
  if (closeOnly) add('close_only', 'close-only series: no open/high/low/volume (features that need them are dropped)');

  const seen = new Map<string, number>();
  let prev: Bar | undefined;
  for (const b of bars) {
    const d = b.date;

    const count = (seen.get(d) ?? 0) + 1;
    seen.set(d, count);
    if (count === 2) add('duplicate_date', `more than one bar dated ${d}`, d);
    if (prev && d < prev.date) add('out_of_order', `bar ${d} comes after ${prev.date}: the series must be ascending`, d);

    if (!isOpen(d)) add('non_trading_day', `bar on ${d}, which is not an NYSE trading day`, d);

    if (!Number.isFinite(b.close)) add('missing_value', `close is ${String(b.close)} on ${d}`, d);
    else if (b.close <= 0) add('non_positive_price', `close ${fmt(b.close)} on ${d} is not positive`, d);

    for (const f of ['open', 'high', 'low', 'volume'] as const) {
      const v = b[f];
      if (v === null || Number.isNaN(v)) {
        if (has[f]) add('missing_value', `${f} is ${v === null ? 'empty' : 'NaN'} on ${d} while the series has ${f} values elsewhere`, d);
        continue;
      }
      if (f === 'volume') {
        if (v < 0) add('non_positive_price', `volume ${fmt(v)} on ${d} is negative`, d);
        else if (v === 0) add('zero_volume', `volume is 0 on ${d}`, d);
      } else if (v <= 0) add('non_positive_price', `${f} ${fmt(v)} on ${d} is not positive`, d);
    }

    const { open, high, low, close } = b;
    if (high !== null && low !== null && Number.isFinite(high) && Number.isFinite(low)) {
      if (high < low) add('high_below_low', `high ${fmt(high)} < low ${fmt(low)} on ${d}`, d);
      else {
        if (Number.isFinite(close) && outside(close, low, high)) add('close_outside_range', `close ${fmt(close)} outside [low ${fmt(low)}, high ${fmt(high)}] on ${d}`, d);
        if (open !== null && Number.isFinite(open) && outside(open, low, high)) add('open_outside_range', `open ${fmt(open)} outside [low ${fmt(low)}, high ${fmt(high)}] on ${d}`, d);
      }
    }

    if (prev && prev.date !== d && Number.isFinite(prev.close) && prev.close > 0 && Number.isFinite(close) && close > 0) {
      const ratio = close / prev.close;
      if (Math.abs(ratio - 1) > jumpThreshold) {
        const split = likelySplit(ratio);
        const move = `${ratio > 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;
        add(
          'suspicious_jump',
          `close ${fmt(close)} on ${d} vs ${fmt(prev.close)} on ${prev.date} (${move}, ratio ${ratio.toFixed(4)})` +
            (split ? `: looks like an unadjusted ${split}` : ''),
          d,
          split ? 'error' : 'warn',
        );
      }
    }
    prev = b;
  }

  // Freshness: how many trading days after the last bar, up to asOf, have no bar?
  const last = bars.reduce((m, b) => (b.date > m ? b.date : m), bars[0]?.date ?? opts.asOf);
  const calendarOk = inCalendar(last) && inCalendar(opts.asOf) && last < CALENDAR_RANGE.last;
  const next = calendarOk ? nextTradingDay(last) : last;
  const lag = calendarOk && next <= opts.asOf ? tradingDays(next, opts.asOf).length : 0;
  if (lag > staleAfter) {
    add('stale', `last bar ${last} is ${lag} trading days behind asOf ${opts.asOf} (allowed ${staleAfter})${series.stale ? `; provider: ${series.staleReason ?? 'stale'}` : ''}`, last);
  } else if (series.stale) {
    add('stale', `served from the provider's cache: ${series.staleReason ?? 'refresh failed'}`, last, 'warn');
  }

  // Calendar gaps, only over the tail window the caller uses.
  const lastOpen = !calendarOk || isOpen(last) ? last : previousTradingDay(last);
  const back = Math.max(0, (opts.gapWindowTradingDays ?? 60) - 1);
  const windowStart = opts.gapCheckFrom ?? (calendarOk ? addTradingDaysClamped(lastOpen, -back) : CALENDAR_RANGE.first);
  const first = bars.reduce((m, b) => (b.date < m ? b.date : m), last);
  const from = [windowStart, first, CALENDAR_RANGE.first].reduce((a, b) => (a > b ? a : b));
  if (calendarOk && from <= lastOpen) {
    let run: string[] = [];
    const flush = () => {
      if (run.length === 0) return;
      const a = run[0] as string;
      const z = run[run.length - 1] as string;
      add('calendar_gap', run.length === 1 ? `no bar for trading day ${a}` : `no bars for ${run.length} trading days ${a}..${z}`, a);
      run = [];
    };
    for (const day of tradingDays(from, lastOpen)) {
      if (seen.has(day)) flush();
      else run.push(day);
    }
    flush();
  }

  return finish(raw, opts);
}

function addTradingDaysClamped(date: string, n: number): string {
  try {
    return addTradingDays(date, n);
  } catch (err) {
    if (err instanceof RangeError) return n < 0 ? CALENDAR_RANGE.first : CALENDAR_RANGE.last;
    throw err;
  }
}

/** Apply severity overrides and fold long runs of one code into a summary finding. */
function finish(raw: Finding[], opts: QualityOptions): Finding[] {
  const max = opts.maxFindingsPerCode ?? 20;
  const out: Finding[] = [];
  const byCode = new Map<FindingCode, Finding[]>();
  for (const f of raw) {
    const override = opts.severities?.[f.code];
    if (override === 'off') continue;
    const g = byCode.get(f.code) ?? [];
    g.push(override ? { ...f, severity: override } : f);
    byCode.set(f.code, g);
  }
  for (const code of FINDING_CODES) {
    const g = byCode.get(code);
    if (!g) continue;
    out.push(...g.slice(0, max));
    if (g.length > max) {
      const rest = g.slice(max);
      const worst = rest.some((f) => f.severity === 'error') ? 'error' : rest.some((f) => f.severity === 'warn') ? 'warn' : 'info';
      const firstDate = rest[0]?.date;
      out.push({
        symbol: rest[0]?.symbol ?? '',
        code,
        severity: worst,
        ...(firstDate !== undefined ? { date: firstDate } : {}),
        message: `…and ${rest.length} more ${code} findings (${firstDate ?? '?'}..${rest[rest.length - 1]?.date ?? '?'})`,
      });
    }
  }
  return out;
}

/** True when any finding is an error: the symbol is not traded that day. */
export function blocksTrading(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/** One line per symbol, e.g. `MSFT: 2 errors (duplicate_date, non_positive_price); 1 warning (zero_volume)` or `MSFT: ok`. */
export function summarizeFindings(findings: readonly Finding[], symbols: readonly string[] = []): string {
  const bySymbol = new Map<string, Finding[]>();
  for (const s of symbols) bySymbol.set(s, []);
  for (const f of findings) bySymbol.set(f.symbol, [...(bySymbol.get(f.symbol) ?? []), f]);
  if (bySymbol.size === 0) return 'ok';
  const lines: string[] = [];
  for (const [symbol, fs] of bySymbol) {
    const parts: string[] = [];
    for (const sev of ['error', 'warn', 'info'] as const) {
      const of = fs.filter((f) => f.severity === sev);
      if (of.length === 0) continue;
      const codes = [...new Set(of.map((f) => f.code))].join(', ');
      const noun = sev === 'info' ? 'info' : `${sev === 'error' ? 'error' : 'warning'}${of.length === 1 ? '' : 's'}`;
      parts.push(`${of.length} ${noun} (${codes})`);
    }
    lines.push(`${symbol}: ${parts.length ? parts.join('; ') : 'ok'}`);
  }
  return lines.join('\n');
}

/**
 * The bars later steps can compute on: date order, one bar per date (the last one seen wins, as a
 * provider's correction would), and no bar with a non-positive or inconsistent price. The findings
 * still name every defect and still block trading; this only keeps features from crashing on them.
 */
export function usableBars(bars: readonly Bar[]): Bar[] {
  const byDate = new Map<string, Bar>();
  for (const b of bars) byDate.set(b.date, b);
  const ok = (b: Bar) =>
    Number.isFinite(b.close) && b.close > 0 &&
    [b.open, b.high, b.low].every((v) => v === null || (Number.isFinite(v) && v > 0)) &&
    (b.high === null || b.low === null || (b.high >= b.low && b.close <= b.high && b.close >= b.low));
  return [...byDate.values()].filter(ok).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}
