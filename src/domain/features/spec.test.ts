import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { avIndicatorSchema } from './alphavantage.ts';
import { DEFAULT_FEATURES, featureSpecSchema } from './spec.ts';

/** `features:` as it was written by hand before the registry derived it (commit 8899912), plus `custom` (a team's own families, added since). */
const period = z.number().int().min(1).max(500);
const periods = z.array(period).min(1);
const handWritten = z
  .object({
    rsi: periods.optional(),
    ema: periods.optional(),
    sma: periods.optional(),
    macd: z.strictObject({ fast: period, slow: period, signal: period }).optional(),
    bollinger: z.strictObject({ period, stddev: z.number().positive().max(10) }).optional(),
    atr: periods.optional(),
    stochastic: z.strictObject({ period, signal: period }).optional(),
    obv: periods.optional(),
    returns: periods.optional(),
    volatility: z.array(z.number().int().min(2).max(500)).min(1).optional(),
    volume_z: z.array(z.number().int().min(2).max(500)).min(1).optional(),
    calendar: z.array(z.enum(['day_of_week', 'month'])).optional(),
    lags: z.strictObject({ columns: z.array(z.string().min(1)).min(1), count: z.number().int().min(1).max(60) }).optional(),
    alphavantage: z.array(avIndicatorSchema).min(1).max(20).optional(),
    custom: z.array(z.looseObject({ module: z.string().min(1) })).min(1).max(20).optional(),
  })
  .strict();

describe('feature spec schema (derived from the registry)', () => {
  it('has the YAML shape it had when written by hand: same keys, in the same order, same value shapes', () => {
    expect(z.toJSONSchema(featureSpecSchema)).toEqual(z.toJSONSchema(handWritten));
  });

  it.each([
    ['rsi: []', { rsi: [] }],
    ['rsi: [0]', { rsi: [0] }],
    ['ema: [1.5]', { ema: [1.5] }],
    ['macd missing signal', { macd: { fast: 12, slow: 26 } }],
    ['macd extra key', { macd: { fast: 12, slow: 26, signal: 9, smooth: 2 } }],
    ['bollinger stddev 0', { bollinger: { period: 20, stddev: 0 } }],
    ['volatility: [1]', { volatility: [1] }],
    ['calendar: [week]', { calendar: ['week'] }],
    ['lags count 61', { lags: { columns: ['ret_1'], count: 61 } }],
    ['unknown key', { rsii: [14] }],
    ['a string for periods', { sma: '10' }],
  ])('gives the same errors as before: %s', (_name, input) => {
    const now = featureSpecSchema.safeParse(input);
    const before = handWritten.safeParse(input);
    expect(now.success).toBe(false);
    expect(now.error?.issues).toEqual(before.error?.issues);
  });

  it('parses the default set (and types it: e.g. lags.columns is a string list)', () => {
    const spec = featureSpecSchema.parse(DEFAULT_FEATURES);
    expect(spec).toEqual(DEFAULT_FEATURES);
    const lagged: string[] | undefined = spec.lags?.columns;
    expect(lagged).toEqual(['ret_1']);
  });
});
