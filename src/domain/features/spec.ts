/**
 * Which features a team's model sees, as written in the team YAML under `features:`.
 * Every key is optional; an empty section means no features of that kind.
 */
import { z } from 'zod';
import { avColumns, avIndicatorSchema } from './alphavantage.ts';

const period = z.number().int().min(1).max(500);
const periods = z.array(period).min(1);

export const featureSpecSchema = z
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
    /**
     * Indicators computed by Alpha Vantage's technical endpoints (only with `data.provider: alphavantage`),
     * e.g. `- { function: RSI, time_period: 14 }` → column `av_rsi_14`; see features/alphavantage.ts.
     */
    alphavantage: z
      .array(avIndicatorSchema)
      .min(1)
      .max(20)
      .superRefine((list, ctx) => {
        // Two entries giving the same columns would spend the request budget twice for one column.
        const seen = new Map<string, number>();
        list.forEach((ind, i) => {
          const cols = avColumns(ind).map((c) => c.column);
          const clash = cols.find((c) => seen.has(c));
          if (clash !== undefined) ctx.addIssue({ code: 'custom', path: [i], message: `an indicator not already listed (entry [${seen.get(clash)}] gives ${clash} too)`, input: ind });
          for (const c of cols) if (!seen.has(c)) seen.set(c, i);
        });
      })
      .optional(),
  })
  .strict();

export type FeatureSpec = z.infer<typeof featureSpecSchema>;

/** The default set: every indicator family at common periods. */
export const DEFAULT_FEATURES: FeatureSpec = {
  rsi: [14],
  ema: [12, 26],
  sma: [10, 50],
  macd: { fast: 12, slow: 26, signal: 9 },
  bollinger: { period: 20, stddev: 2 },
  atr: [14],
  stochastic: { period: 14, signal: 3 },
  obv: [20],
  returns: [1, 5, 20],
  volatility: [20],
  volume_z: [20],
  calendar: ['day_of_week', 'month'],
  lags: { columns: ['ret_1'], count: 5 },
};

/** Labels, one per row: all three are computed; the model's output picks one. */
export const TARGET_COLUMNS = ['target_return', 'target_close', 'target_direction'] as const;
export type TargetColumn = (typeof TARGET_COLUMNS)[number];
