/**
 * zod schemas for the Alpha Vantage JSON bodies we read (PROTOCOLS.md, "Alpha Vantage"), and their
 * conversion to our types. Values arrive as strings; a non-numeric value is a malformed body, not a NaN.
 */
import { z } from 'zod';
import type { Bar } from '../../../domain/market/types.ts';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a YYYY-MM-DD date');
const numeric = z.string().regex(/^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/, 'a decimal number as a string');
/** Open/high/low/volume: our emulator sends "" for close-only data (real Alpha Vantage never does). */
const optionalNumeric = z.union([numeric, z.literal('')]);

export const dailyRowSchema = z.object({
  '1. open': optionalNumeric,
  '2. high': optionalNumeric,
  '3. low': optionalNumeric,
  '4. close': numeric,
  '5. volume': optionalNumeric,
});

export const dailyBodySchema = z.object({
  'Meta Data': z.looseObject({
    '2. Symbol': z.string(),
    '3. Last Refreshed': z.string(),
  }),
  'Time Series (Daily)': z.record(isoDate, dailyRowSchema),
});
export type DailyBody = z.infer<typeof dailyBodySchema>;

const num = (s: string): number | null => (s === '' ? null : Number(s));

/** Rows come newest first in a JSON object; return them ascending by date. */
export function barsFromDailyBody(body: DailyBody): Bar[] {
  return Object.entries(body['Time Series (Daily)'])
    .map(([date, row]): Bar => ({
      date,
      open: num(row['1. open']),
      high: num(row['2. high']),
      low: num(row['3. low']),
      close: Number(row['4. close']),
      volume: num(row['5. volume']),
    }))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

export const INDICATOR_FUNCTIONS = ['RSI', 'EMA', 'SMA', 'MACD', 'BBANDS'] as const;
export type IndicatorFunction = (typeof INDICATOR_FUNCTIONS)[number];

/** The value keys of each indicator's rows. */
export const INDICATOR_COLUMNS: Record<IndicatorFunction, readonly string[]> = {
  RSI: ['RSI'],
  EMA: ['EMA'],
  SMA: ['SMA'],
  MACD: ['MACD', 'MACD_Signal', 'MACD_Hist'],
  BBANDS: ['Real Upper Band', 'Real Middle Band', 'Real Lower Band'],
};

export function indicatorBodySchema(fn: IndicatorFunction) {
  const row = z.object(Object.fromEntries(INDICATOR_COLUMNS[fn].map((k) => [k, numeric])) as Record<string, typeof numeric>);
  return z.object({
    'Meta Data': z.looseObject({ '1: Symbol': z.string() }),
    [`Technical Analysis: ${fn}`]: z.record(isoDate, row),
  });
}

/** Date → values, ascending by date. */
export function valuesFromIndicatorBody(fn: IndicatorFunction, body: Record<string, unknown>): Map<string, Record<string, number>> {
  const rows = body[`Technical Analysis: ${fn}`] as Record<string, Record<string, string>>;
  const out = new Map<string, Record<string, number>>();
  for (const date of Object.keys(rows).sort()) {
    const row = rows[date] as Record<string, string>;
    const values: Record<string, number> = {};
    for (const k of INDICATOR_COLUMNS[fn]) values[k] = Number(row[k]);
    out.set(date, values);
  }
  return out;
}

/** What we store under `cache/alphavantage/<SYMBOL>.json`. */
export const cachedSeriesSchema = z.object({
  version: z.literal(1),
  provider: z.literal('alphavantage'),
  symbol: z.string(),
  /** When the last successful fetch happened (ISO instant). */
  fetchedAt: z.string(),
  /** When the last `full` fetch happened. */
  fullFetchedAt: z.string(),
  lastRefreshed: z.string(),
  bars: z.array(
    z.object({
      date: isoDate,
      open: z.number().nullable(),
      high: z.number().nullable(),
      low: z.number().nullable(),
      close: z.number(),
      volume: z.number().nullable(),
    }),
  ),
});
export type CachedSeries = z.infer<typeof cachedSeriesSchema>;

export const cachedIndicatorSchema = z.object({
  version: z.literal(1),
  symbol: z.string(),
  key: z.string(),
  fetchedAt: z.string(),
  rows: z.array(z.tuple([isoDate, z.record(z.string(), z.number())])),
});
export type CachedIndicator = z.infer<typeof cachedIndicatorSchema>;
