/**
 * The team file (`teams/*.yml`). Strict objects everywhere: an unknown key is an error, so a typo
 * never passes silently. Secrets are not accepted here — only their variable names.
 */
import { z } from 'zod';
import { featureSpecSchema, DEFAULT_FEATURES } from '../domain/features/spec.ts';
import { modelSpecSchema } from '../domain/models/spec.ts';

const symbol = z.string().regex(/^[A-Z][A-Z0-9.-]{0,9}$/, 'an upper-case ticker such as MSFT');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time HH:MM (America/New_York)');
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name');

const severity = z.enum(['error', 'warn', 'info', 'off']);

/** A plug-in module named in the team file: its path, and its own parameters beside it (checked by its schema). */
export const pluginRefSchema = z.looseObject({ module: z.string().min(1) });

const isPluginRef = (v: unknown): v is { module: unknown } => typeof v === 'object' && v !== null && !Array.isArray(v) && 'module' in v;

export const dataSchema = z.strictObject({
  /** A built-in source, or `plugin` with `module` (set for you when only `module` is given). */
  provider: z.enum(['sample', 'csv', 'alphavantage', 'alpaca', 'plugin']),
  /** A team's own data provider module (README "Write your own … data provider"). */
  module: z.string().min(1).optional(),
  /** The plug-in provider's parameters (checked by its schema). */
  params: z.record(z.string(), z.unknown()).optional(),
  /** Directory of SYMBOL.csv files (provider csv). */
  dir: z.string().min(1).optional(),
  /** Alpha Vantage free tier: 25 requests a day. */
  requests_per_day: z.number().int().min(1).max(100_000).optional(),
  /** After a fetch that still lacked the day's bar, wait this long before asking again (spares the budget). */
  refresh_interval_minutes: z.number().min(0).max(1440).default(15),
  /**
   * One deadline for the whole fetch step of a cycle (every symbol, indicator and retry): when it is
   * spent, nothing more is sent or retried, the cache is served as stale and the cycle goes on.
   */
  fetch_deadline_seconds: z.number().positive().max(3600).default(60),
  /** Benchmark symbol for reports (bought and held). */
  benchmark: symbol.default('SPX'),
  quality: z
    .strictObject({
      jump_threshold: z.number().positive().max(10).default(0.35),
      stale_after_trading_days: z.number().int().min(0).max(30).default(1),
      gap_window_trading_days: z.number().int().min(1).max(10_000).default(60),
      severities: z.record(z.string(), severity).default({}),
    })
    .prefault({}),
});

export const lifecycleSchema = z.strictObject({
  retrain: z
    .strictObject({
      /** Retrain every N trading days (0 = never by schedule). */
      every_trading_days: z.number().int().min(0).max(2520).default(21),
      on_drift: z.boolean().default(false),
      /** Drift persists for days: after a drift-triggered training, wait this long before the next one. */
      drift_cooldown_trading_days: z.number().int().min(1).max(252).default(10),
      /** Retrain when the champion's live directional accuracy over the window falls below this. */
      on_degradation: z
        .strictObject({ min_directional_accuracy: z.number().min(0).max(1), window_trading_days: z.number().int().min(5).max(500).default(20) })
        .optional(),
      /** manual: only `arena retrain` trains (the seeds' human in the loop). */
      mode: z.enum(['auto', 'manual']).default('auto'),
    })
    .prefault({}),
  training_window: z
    .strictObject({
      kind: z.enum(['expanding', 'rolling']).default('expanding'),
      /** Trading days of history for a rolling window. */
      trading_days: z.number().int().min(50).max(20_000).default(750),
    })
    .prefault({}),
  evaluation: z
    .strictObject({
      /** Out-of-sample days per walk-forward fold (the candidate never trains on them). */
      test_trading_days: z.number().int().min(5).max(2520).default(21),
      folds: z.number().int().min(1).max(20).default(1),
      /** After passing the gate, refit on all data including the test window. */
      refit_on_full: z.boolean().default(false),
    })
    .prefault({}),
  gate: z
    .strictObject({
      min_directional_accuracy: z.number().min(0).max(1).optional(),
      min_cumulative_return: z.number().min(-1).max(100).optional(),
      /** The candidate's error (or accuracy) must beat the best baseline by this margin. */
      beat_best_baseline_by: z.number().min(-1).max(1).optional(),
      /** manual: a candidate that passes waits for `arena models approve`. */
      approval: z.enum(['auto', 'manual']).default('auto'),
    })
    .prefault({}),
});

export const brokerSchema = z.strictObject({
  kind: z.enum(['local', 'alpaca']),
  /** Market orders fill at the next session's open, or at the close of the session. */
  fill: z.enum(['next_open', 'close']).default('next_open'),
  starting_cash: z.number().positive().max(1e12).default(100_000),
  slippage_bps: z.number().min(0).max(1000).default(5),
  commission_per_share: z.number().min(0).max(10).default(0),
  commission_min: z.number().min(0).max(1000).default(0),
  /** Reg-T style buying power multiple for the local engine (Alpaca paper accounts allow 2). */
  margin_multiplier: z.number().min(1).max(4).default(1),
  /** Live trading needs this and ARENA_CONFIRM_LIVE=yes in the environment. */
  live: z.boolean().default(false),
  dry_run: z.boolean().default(false),
  /** Environment variable names holding this team's Alpaca keys (defaults: ALPACA_KEY_ID_<TEAM>, then ALPACA_KEY_ID). */
  key_id_env: envName.optional(),
  secret_key_env: envName.optional(),
});

export const storageSchema = z.strictObject({
  kind: z.enum(['fs', 'minio']).default('fs'),
  endpoint: z.string().url().optional(),
  bucket_prefix: z.string().regex(/^[a-z0-9][a-z0-9-]{1,40}$/).default('arena'),
  region: z.string().default('us-east-1'),
});

export const versioningSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** DVC remote: none, or the MinIO configured under storage. */
  dvc_remote: z.enum(['none', 'minio']).default('none'),
  git_remote: z.string().min(1).optional(),
  git_push: z.boolean().default(false),
});

export const scheduleSchema = z.strictObject({
  timezone: z.literal('America/New_York').default('America/New_York'),
  /** Data, model, predict and monitor steps run this long after the close. */
  after_close: hhmm.default('16:30'),
  /**
   * `arena run` places the day's orders at this time on the next session (before 09:30 they fill at
   * the open); `after_close` places them right after the monitor step (queued for the open).
   */
  trade_at: z.union([hhmm, z.literal('after_close')]).default('09:00'),
  catch_up: z.enum(['run', 'skip']).default('run'),
});

const driftTest = z.enum(['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi', 'perc_text_content_drift', 'abs_text_content_drift']);

export const monitoringSchema = z.strictObject({
  /** Trading days of the current window compared with the champion's training window. */
  current_window_trading_days: z.number().int().min(5).max(2520).default(21),
  /** Trading days per point of the rolling metric charts. */
  rolling_window_trading_days: z.number().int().min(2).max(2520).default(20),
  /** The reference is the last N trading days of the champion's training window (an expanding window spans years). */
  reference_window_trading_days: z.number().int().min(20).max(5040).default(252),
  /** Dataset drift when this share of columns drifted (Evidently's default 0.5). */
  drift_share: z.number().gt(0).max(1).default(0.5),
  /** Per-column test (and threshold) instead of Evidently's automatic choice. */
  overrides: z.record(z.string(), z.strictObject({ test: driftTest, threshold: z.number().positive().optional() })).default({}),
  /** Drift needs a few hundred ms per team and day; a season may compute it every N trading days. */
  season_drift_every_trading_days: z.number().int().min(1).max(252).default(1),
});

export const serverSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535),
});

/** What a notification can be about (a team's daemon; the coordinator sends daily_summary, config and errors). */
export const NOTIFY_EVENTS = ['fills', 'refused', 'gate', 'drift', 'retrain', 'config', 'errors', 'daily_summary'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/**
 * `notify:` (a team file, or the coordinator's competition.yml): incoming webhooks and what they get. A webhook URL
 * carries its own credential, so the file names the variable that holds it (`.env.secrets` or the environment).
 */
export const notifySchema = z.strictObject({
  webhooks: z
    .array(
      z.strictObject({
        /** The body each platform's incoming webhook accepts: Slack `{text, blocks}`, Discord `{content, embeds}`, Teams an Adaptive Card (Workflows) or a legacy MessageCard (connector). */
        platform: z.enum(['slack', 'discord', 'teams', 'teams_message_card']),
        /** The variable holding the webhook URL, e.g. SLACK_WEBHOOK_URL_RED (never the URL itself). */
        url_env: envName,
        events: z.array(z.enum(NOTIFY_EVENTS)).min(1).default([...NOTIFY_EVENTS]),
      }),
    )
    .min(1),
  /** Messages per minute per webhook at most (Slack allows about one a second, Discord 30 a minute per channel); events waiting meanwhile go out together. */
  per_minute: z.number().int().min(1).max(120).default(20),
  /** Events waiting at most; beyond it the oldest are dropped (a dead webhook never holds up a cycle). */
  queue_size: z.number().int().min(1).max(10_000).default(200),
});
export type NotifyConfig = z.infer<typeof notifySchema>;

export const teamSchema = z.strictObject({
  team: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'a lower-case name such as red'),
  description: z.string().optional(),
  symbols: z.array(symbol).min(1).max(500),
  data: z.preprocess((v) => (isPluginRef(v) && !('provider' in v) ? { ...v, provider: 'plugin' } : v), dataSchema),
  features: featureSpecSchema.default(DEFAULT_FEATURES),
  model: modelSpecSchema,
  lifecycle: lifecycleSchema.prefault({}),
  monitoring: monitoringSchema.prefault({}),
  /**
   * A strategy file relative to the repository root (e.g. strategies/best-gain-worst-loss.yml), or
   * a team's own module with its parameters: `{ module: ./teams/green/strategy.ts, ...params }`.
   */
  strategy: z.union([z.string().min(1), pluginRefSchema]),
  broker: brokerSchema,
  storage: storageSchema.prefault({}),
  versioning: versioningSchema.prefault({}),
  schedule: scheduleSchema.prefault({}),
  server: serverSchema,
  /** Workspace directory (default workspaces/<team>). */
  workspace: z.string().min(1).optional(),
  /** Webhooks for this team's events (fills, refusals, gate, drift, retrain, config changes, errors, daily summary). */
  notify: notifySchema.optional(),
})
  .superRefine((team, ctx) => {
    if (team.data.provider === 'plugin' && !team.data.module)
      ctx.addIssue({ code: 'custom', path: ['data', 'module'], message: 'a module file (data.provider plugin needs one), e.g. ./teams/green/provider.ts', input: team.data.module });
    if (team.data.module && team.data.provider !== 'plugin')
      ctx.addIssue({ code: 'custom', path: ['data', 'provider'], message: 'plugin (or no provider) when data.module is given', input: team.data.provider });
    // features.alphavantage lists Alpha Vantage technical endpoints: only that provider can serve them.
    if (team.features.alphavantage && team.data.provider !== 'alphavantage')
      ctx.addIssue({
        code: 'custom',
        path: ['features', 'alphavantage'],
        message: "data.provider: alphavantage to go with it (these columns come from Alpha Vantage's technical-indicator endpoints)",
        input: team.data.provider,
      });
  });

export type TeamFile = z.infer<typeof teamSchema>;
