/**
 * What each cycle step writes to the journal, as zod schemas: the journal is the program's database
 * (the API, metrics, reports, reconcile, lineage and the next cycle all read it), so every record is
 * validated when it is read back and typed for whoever reads it. Shapes are the journal's file format:
 * fields may be added, never renamed; records written by earlier versions still parse.
 */
import { z } from 'zod';
import { FINDING_CODES } from '../domain/market/quality.ts';
import { gateVerdictSchema } from '../domain/models/evaluate.ts';
import { VERSION_STATUSES } from '../domain/models/model.ts';
import { RETRAIN_TRIGGERS, type RetrainTrigger } from '../domain/models/policy.ts';

const metricValues = z.record(z.string(), z.number().nullable());

// ---- fetch

export const findingSchema = z.object({
  symbol: z.string(),
  code: z.enum(FINDING_CODES),
  severity: z.enum(['error', 'warn', 'info']),
  date: z.string().optional(),
  message: z.string(),
});

const indicatorRecordSchema = z.object({
  /** Last date with a value (≤ the cycle date), null when nothing could be fetched. */
  last: z.string().nullable(),
  stale: z.boolean(),
  staleReason: z.string().optional(),
});
export type IndicatorRecord = z.infer<typeof indicatorRecordSchema>;

export const fetchRecordSchema = z.object({
  dataVersion: z.string(),
  symbols: z.record(z.string(), z.object({ bars: z.number(), last: z.string().nullable(), stale: z.boolean(), staleReason: z.string().optional() })),
  findings: z.array(findingSchema),
  /** Symbol → why it must not be traded today. */
  blocked: z.record(z.string(), z.string()),
  /** Symbol → indicator key (e.g. RSI_14_close) → outcome; only with features.alphavantage. */
  indicators: z.record(z.string(), z.record(z.string(), indicatorRecordSchema)).optional(),
});
export type FetchRecord = z.infer<typeof fetchRecordSchema>;

// ---- features

export const featuresRecordSchema = z.object({
  columns: z.number(),
  dropped: z.array(z.object({ feature: z.string(), columns: z.array(z.string()), reason: z.string() })),
  rows: z.record(z.string(), z.number()),
});
export type FeaturesRecord = z.infer<typeof featuresRecordSchema>;

// ---- model

/** Records written before the trigger was structured carry only the sentence: read the trigger from it. */
function triggerOf(reason: string, retrain: boolean): RetrainTrigger {
  if (reason === 'requested by hand') return 'manual';
  if (reason.startsWith('manual mode')) return 'manual_mode';
  if (reason === 'no model yet') return 'first_model';
  if (reason.startsWith('scheduled')) return 'schedule';
  if (reason.startsWith('dataset drift')) return 'drift';
  if (reason.startsWith('degradation')) return 'degradation';
  return retrain ? 'schedule' : reason.startsWith('no champion') ? 'waiting' : 'reload';
}

export const retrainDecisionSchema = z.preprocess(
  (v) => (typeof v === 'object' && v !== null && !('trigger' in v) ? { ...v, trigger: triggerOf(String((v as { reason?: unknown }).reason ?? ''), Boolean((v as { retrain?: unknown }).retrain)) } : v),
  z.object({ retrain: z.boolean(), trigger: z.enum(RETRAIN_TRIGGERS), reason: z.string() }),
);

export const trainedSchema = z.object({ version: z.string(), status: z.enum(VERSION_STATUSES), gate: gateVerdictSchema });
export type TrainedVersion = z.infer<typeof trainedSchema>;

export const modelRecordSchema = z.object({
  version: z.string().nullable(),
  decision: retrainDecisionSchema,
  /** The version trained in this cycle (champion or not), with its gate verdict. */
  trained: trainedSchema.nullable(),
  /** A training attempt happened (even one that failed for lack of history). */
  attempted: z.boolean(),
  drift_retrain: z.boolean(),
  notes: z.array(z.string()),
});
export type ModelRecord = z.infer<typeof modelRecordSchema>;

// ---- predict

export const predictionSchema = z.object({
  /** `<date>:<symbol>`: what orders and lineage records point at. */
  id: z.string(),
  date: z.string(),
  symbol: z.string(),
  close: z.number(),
  /** In the output's units: a return, a close, or P(up). */
  value: z.number(),
  expectedReturn: z.number().nullable(),
  probabilityUp: z.number().nullable(),
  model_version: z.string(),
});
export type Prediction = z.infer<typeof predictionSchema>;

export const predictRecordSchema = z.object({ predictions: z.array(predictionSchema), skipped: z.record(z.string(), z.string()) });
export type PredictRecord = z.infer<typeof predictRecordSchema>;

// ---- monitor

export const monitorSummarySchema = z.object({ dataset_drift: z.boolean(), drift_share: z.number(), live_directional_accuracy: z.number().nullable() });
export type MonitorSummary = z.infer<typeof monitorSummarySchema>;

export const monitorRecordSchema = z.object({ summary: monitorSummarySchema, comparisons: z.number(), pooled: metricValues });
export type MonitorRecord = z.infer<typeof monitorRecordSchema>;

// ---- trade

/** Strategy intents are `buy_*` / `sell_*` (the built-ins' and a plug-in's own). */
export const intentSchema = z.string().regex(/^(buy|sell)_[a-z0-9_]+$/) as z.ZodType<`buy_${string}` | `sell_${string}`>;

export const plannedOrderSchema = z.object({
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  qty: z.number(),
  intent: intentSchema,
  predicted: z.number().nullable(),
  threshold: z.number().nullable(),
  refPrice: z.number(),
  reason: z.string(),
  client_order_id: z.string(),
  prediction_id: z.string().nullable(),
  model_version: z.string().nullable(),
});
export type PlannedOrder = z.infer<typeof plannedOrderSchema>;

export const tradePlanSchema = z.object({ session: z.string(), orders: z.array(plannedOrderSchema), notes: z.array(z.string()), refused: z.string().nullable() });
export type TradePlan = z.infer<typeof tradePlanSchema>;

export const placedOrderSchema = z.object({
  client_order_id: z.string(),
  order_id: z.string().nullable(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  qty: z.number(),
  /** The broker's order status, `rejected` (refused at submission) or `not_submitted` (plan refused, dry run). */
  status: z.string(),
  intent: intentSchema,
  reason: z.string(),
  predicted: z.number().nullable(),
  threshold: z.number().nullable(),
  prediction_id: z.string().nullable(),
  model_version: z.string().nullable(),
  /** Why the broker refused it (buying power, quantity), if it did. */
  error: z.string().nullable(),
});
export type PlacedOrder = z.infer<typeof placedOrderSchema>;

export const tradeRecordSchema = z.object({
  equity: z.number(),
  cash: z.number(),
  positions: z.record(z.string(), z.number()),
  orders: z.array(placedOrderSchema),
  refused: z.string().nullable(),
  notes: z.array(z.string()),
});
export type TradeRecord = z.infer<typeof tradeRecordSchema>;

// ---- version

export const versionRecordSchema = z.object({
  commit: z.string().nullable(),
  pushed: z.boolean(),
  notes: z.array(z.string()),
  /** DVC md5 of each versioned path (directories end in `.dir`), as in its `.dvc` file. */
  md5: z.record(z.string(), z.string()).optional(),
});
export type VersionRecord = z.infer<typeof versionRecordSchema>;

// ---- config (a daemon following its team's git branch: written before the date's first step)

export const configChangeSchema = z.object({ field: z.string(), from: z.string(), to: z.string() });

export const configEventSchema = z.object({
  kind: z.enum(['adopted', 'rejected']),
  commit: z.string(),
  /** Why a commit was rejected: `file: field: expected …`. */
  reason: z.string().nullable(),
  changes: z.array(configChangeSchema),
  /** The change reaches the features or the model: this date's model step retrains (through the gate). */
  retrain: z.boolean(),
});
export type ConfigEvent = z.infer<typeof configEventSchema>;

export const configRecordSchema = z.object({
  /** The config commit this date's cycle ran with (what `arena lineage` names for its orders). */
  commit: z.string(),
  repo: z.string(),
  branch: z.string(),
  path: z.string(),
  /** What this date's look at the branch found: a commit adopted or rejected, or null (nothing new). */
  event: configEventSchema.nullable(),
});
export type ConfigRecord = z.infer<typeof configRecordSchema>;

/** Every journal key and its record. `trade.plan` is the trade step's plan, journaled before its first order. */
export const RECORD_SCHEMAS = {
  fetch: fetchRecordSchema,
  features: featuresRecordSchema,
  model: modelRecordSchema,
  predict: predictRecordSchema,
  monitor: monitorRecordSchema,
  'trade.plan': tradePlanSchema,
  trade: tradeRecordSchema,
  version: versionRecordSchema,
  config: configRecordSchema,
} as const;

export type JournalKey = keyof typeof RECORD_SCHEMAS;
export type RecordOf<K extends JournalKey> = z.output<(typeof RECORD_SCHEMAS)[K]>;
export const isJournalKey = (k: string): k is JournalKey => k in RECORD_SCHEMAS;
