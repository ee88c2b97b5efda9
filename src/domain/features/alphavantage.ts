/**
 * Alpha Vantage technical indicators as feature columns (team YAML `features.alphavantage`).
 *
 * The provider computes these server-side; we only name their columns and join their values by date.
 * No look-ahead by construction: row t takes the value the provider dated t, nothing later. Dates the
 * provider has no value for (its warm-up, or a day it has not published yet) leave the columns null,
 * so the matrix drops those rows like any other warm-up row — never zero-filled.
 *
 * Price-level indicators (EMA, SMA, BBANDS) stay in price units, as Alpha Vantage sends them.
 */
import { z } from 'zod';
import { formatCsv, parseCsvRecords } from '../../core/csv.ts';

const period = z.number().int().min(1).max(500);
const seriesType = z.enum(['close', 'open', 'high', 'low']).default('close');
/** Only the daily interval: the matrix has one row per trading day. */
const interval = z.literal('daily').default('daily');
const nbdev = z.number().positive().max(10);

/** One indicator the team asks Alpha Vantage for; the keys follow the API's own parameter names. */
export const avIndicatorSchema = z.discriminatedUnion('function', [
  z.strictObject({ function: z.literal('RSI'), interval, time_period: period, series_type: seriesType }),
  z.strictObject({ function: z.literal('EMA'), interval, time_period: period, series_type: seriesType }),
  z.strictObject({ function: z.literal('SMA'), interval, time_period: period, series_type: seriesType }),
  z.strictObject({
    function: z.literal('MACD'),
    interval,
    series_type: seriesType,
    fastperiod: period.default(12),
    slowperiod: period.default(26),
    signalperiod: period.default(9),
  }),
  z.strictObject({
    function: z.literal('BBANDS'),
    interval,
    time_period: period,
    series_type: seriesType,
    nbdevup: nbdev.default(2),
    nbdevdn: nbdev.default(2),
    /** Moving-average type (0 = SMA, Alpha Vantage's default). */
    matype: z.number().int().min(0).max(8).default(0),
  }),
]);
export type AvIndicator = z.infer<typeof avIndicatorSchema>;

/** The value keys of each function's rows in the Alpha Vantage body, and our column stem for each. */
const VALUE_STEMS: Record<AvIndicator['function'], readonly (readonly [avKey: string, stem: string])[]> = {
  RSI: [['RSI', 'av_rsi']],
  EMA: [['EMA', 'av_ema']],
  SMA: [['SMA', 'av_sma']],
  MACD: [
    ['MACD', 'av_macd'],
    ['MACD_Signal', 'av_macd_signal'],
    ['MACD_Hist', 'av_macd_hist'],
  ],
  BBANDS: [
    ['Real Upper Band', 'av_bbands_upper'],
    ['Real Middle Band', 'av_bbands_middle'],
    ['Real Lower Band', 'av_bbands_lower'],
  ],
};

/** `2.5` → `2p5`: column names stay plain identifiers (CSV headers, drift reports). */
const num = (x: number): string => String(x).replace('.', 'p').replace('-', 'm');

/** The parameter suffix of a column; the common defaults are left out so names stay short. */
function suffix(ind: AvIndicator): string {
  const parts: string[] = [];
  switch (ind.function) {
    case 'RSI':
    case 'EMA':
    case 'SMA':
      parts.push(String(ind.time_period));
      break;
    case 'MACD':
      if (ind.fastperiod !== 12 || ind.slowperiod !== 26 || ind.signalperiod !== 9) parts.push(`${ind.fastperiod}`, `${ind.slowperiod}`, `${ind.signalperiod}`);
      break;
    case 'BBANDS':
      parts.push(String(ind.time_period));
      if (ind.nbdevup !== 2 || ind.nbdevdn !== 2) parts.push(`u${num(ind.nbdevup)}`, `d${num(ind.nbdevdn)}`);
      if (ind.matype !== 0) parts.push(`ma${ind.matype}`);
      break;
  }
  if (ind.series_type !== 'close') parts.push(ind.series_type);
  return parts.length ? `_${parts.join('_')}` : '';
}

export interface AvColumn {
  /** Feature column name, e.g. `av_rsi_14`, `av_macd_signal`, `av_bbands_upper_20`. */
  column: string;
  /** Key of the value in the Alpha Vantage row, e.g. `RSI`, `MACD_Signal`, `Real Upper Band`. */
  avKey: string;
}

/** The columns one indicator contributes, in a fixed order. */
export function avColumns(ind: AvIndicator): AvColumn[] {
  const sfx = suffix(ind);
  return VALUE_STEMS[ind.function].map(([avKey, stem]) => ({ column: `${stem}${sfx}`, avKey }));
}

/** Per symbol: date → column → value. The shape the fetch step hands to the matrix. */
export type ExternalValues = ReadonlyMap<string, Readonly<Record<string, number>>>;

/** One indicator's answer for one symbol: date → Alpha Vantage row. */
export interface AvAnswer {
  indicator: AvIndicator;
  values: ReadonlyMap<string, Readonly<Record<string, number>>>;
}

/**
 * Join one symbol's indicator answers (date → Alpha Vantage row) into date → column values.
 * Non-finite values are left out (the column is then missing for that date and the row is dropped).
 */
export function joinAvValues(answers: readonly AvAnswer[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const { indicator, values } of answers) {
    const cols = avColumns(indicator);
    for (const [date, row] of values) {
      for (const { column, avKey } of cols) {
        const v = row[avKey];
        if (v === undefined || !Number.isFinite(v)) continue;
        let cell = out.get(date);
        if (!cell) out.set(date, (cell = {}));
        // "-0.0000" parses to -0, which a CSV snapshot writes as "0": store +0 so a resumed cycle sees the same bits.
        cell[column] = v + 0;
      }
    }
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** CSV of the joined values (the fetch step's snapshot, read back when a cycle resumes). */
export function externalValuesCsv(values: ExternalValues, columns: readonly string[]): string {
  return formatCsv([['date', ...columns], ...[...values].map(([date, row]) => [date, ...columns.map((c) => row[c])])]);
}

export function parseExternalValuesCsv(text: string, file: string): Map<string, Record<string, number>> {
  const [head, ...records] = parseCsvRecords(text, file);
  const cols = head?.record ?? [];
  if (cols[0] !== 'date') throw new Error(`${file}: expected a header starting with "date"`);
  const out = new Map<string, Record<string, number>>();
  for (const { record: cells } of records) {
    const row: Record<string, number> = {};
    cols.forEach((c, i) => {
      const cell = cells[i];
      if (i > 0 && cell !== undefined && cell !== '') row[c] = Number(cell);
    });
    out.set(cells[0] as string, row);
  }
  return out;
}
