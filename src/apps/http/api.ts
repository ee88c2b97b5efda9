/**
 * The daemon's HTTP API (fastify): health and status, Prometheus metrics, the latest predictions,
 * the champion served for a posted feature row, read-only reports, and the mutating endpoints
 * (retrain, pause, resume) behind the bearer token from `.env.secrets` (ARENA_API_TOKEN).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Gauge, Histogram, Registry, collectDefaultMetrics, Counter } from 'prom-client';
import { z } from 'zod';
import type { TeamConfig } from '../../config/load.ts';
import { predictVector } from '../../domain/models/predictor.ts';
import type { ModelRegistry } from '../../adapters/models/registry.ts';
import type { Journal } from '../../engine/journal.ts';

export interface DaemonState {
  lastCycle: string | null;
  /** The last date whose after-close steps (through monitor) are done; its orders may still be due. */
  lastPrepared: string | null;
  lastError: string | null;
  running: boolean;
  paused: boolean;
  nextCycle: string | null;
  retrainRequested: boolean;
  startedAt: string;
}

export interface DaemonMetrics {
  registry: Registry;
  cycles: Counter;
  cycleSeconds: Histogram;
  stepSeconds: Histogram;
  /** Refresh the gauges from the journal after a cycle. */
  refresh(journal: Journal): Promise<void>;
}

export function daemonMetrics(team: string, provider = 'unknown'): DaemonMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ team });
  collectDefaultMetrics({ register: registry });
  const g = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const equity = g('arena_equity_usd', 'account equity after the last cycle');
  const cash = g('arena_cash_usd', 'cash after the last cycle');
  const position = g('arena_position_qty', 'shares held after the last cycle', ['symbol']);
  const drift = g('arena_drift_share', 'share of drifted columns in the last monitoring report');
  const model = g('arena_model_info', 'the champion that predicted in the last cycle (value 1)', ['version']);
  const stale = g('arena_stale_symbols', 'symbols whose data was stale or blocked by the quality gate in the last cycle');
  const lastStatus = g('arena_last_cycle_success', '1 when the last cycle completed, 0 when it failed');
  const lastDate = g('arena_last_cycle_timestamp_seconds', 'trading date of the last completed cycle (midnight UTC)');
  const barAge = g('arena_data_age_days', 'calendar days between the last cycle date and the oldest last bar among its symbols (data staleness)');
  const providerErrors = new Counter({ name: 'arena_provider_errors_total', help: 'symbol fetches that failed at the data provider (served stale from the cache), by provider', labelNames: ['provider'], registers: [registry] });
  // Totals are recounted from the journal (durable across restarts); the counter moves by the difference.
  let counted = 0;
  return {
    registry,
    cycles: new Counter({ name: 'arena_cycles_total', help: 'daily cycles by outcome', labelNames: ['outcome'], registers: [registry] }),
    cycleSeconds: new Histogram({ name: 'arena_cycle_duration_seconds', help: 'wall time of a daily cycle', buckets: [1, 2, 5, 10, 30, 60, 120, 300], registers: [registry] }),
    stepSeconds: new Histogram({ name: 'arena_step_duration_seconds', help: 'wall time per cycle step', labelNames: ['step'], buckets: [0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60], registers: [registry] }),
    async refresh(journal) {
      await journal.load();
      const date = journal.datesWith('trade').pop();
      if (!date) return;
      const trade = journal.get(date, 'trade');
      if (trade) {
        equity.set(trade.equity);
        cash.set(trade.cash);
        position.reset();
        for (const [sym, q] of Object.entries(trade.positions)) position.set({ symbol: sym }, q);
      }
      const mon = journal.get(date, 'monitor');
      if (mon) drift.set(mon.summary.drift_share);
      const m = journal.get(date, 'model');
      model.reset();
      if (m?.version) model.set({ version: m.version }, 1);
      const f = journal.get(date, 'fetch');
      stale.set(Object.keys(f?.blocked ?? {}).length);
      const lasts = Object.values(f?.symbols ?? {}).map((x) => x.last).filter((x): x is string => x !== null).sort();
      if (lasts[0]) barAge.set(Math.max(0, (Date.parse(`${date}T00:00:00Z`) - Date.parse(`${lasts[0]}T00:00:00Z`)) / 86_400_000));
      let failures = 0;
      for (const d of journal.datesWith('fetch')) failures += Object.values(journal.get(d, 'fetch')?.symbols ?? {}).filter((x) => x.stale && x.staleReason).length;
      if (failures > counted) providerErrors.inc({ provider }, failures - counted);
      counted = failures;
      lastStatus.set(1);
      lastDate.set(Date.parse(`${date}T00:00:00Z`) / 1000);
    },
  };
}

const predictBody = z.object({
  symbol: z.string().default('POSTED'),
  close: z.number().positive().optional(),
  /** By column name (any order), or in the model's column order. */
  features: z.union([z.record(z.string(), z.number()), z.array(z.number())]),
});

export interface ApiDeps {
  team: TeamConfig;
  state: DaemonState;
  metrics: DaemonMetrics;
  journal: Journal;
  registry: ModelRegistry;
  /** This team's reports directory (`reports/<team>`), served read-only under /reports/. */
  reportsDir: string;
  token: string | undefined;
  /** A daemon following its team's branch: the config commit in force, adopted or rejected head, and why. */
  config?: () => object | null;
}

/**
 * The bearer token compared in constant time: both sides are hashed to 32 bytes first, so neither the
 * content nor the length of the expected token leaks through the comparison's timing.
 */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(header ?? ''), digest(`Bearer ${token}`));
}

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.json': 'application/json', '.png': 'image/png' };

/**
 * The file under `root` that `rel` names, or null when it would leave `root`: `..` segments, a NUL, or a
 * symbolic link (anywhere on the path) that resolves outside it. Both sides are real paths, so a
 * reports folder that is itself reached through a link still serves its own files.
 */
export async function confinedFile(root: string, rel: string): Promise<{ file: string } | { error: 'outside' | 'missing' }> {
  if (rel.includes('\0')) return { error: 'outside' };
  const base = path.resolve(root);
  const file = path.resolve(base, rel || 'trading.html');
  if (file !== base && !file.startsWith(base + path.sep)) return { error: 'outside' };
  let realBase: string;
  let real: string;
  try {
    realBase = await realpath(base);
    real = await realpath(file);
  } catch {
    return { error: 'missing' };
  }
  if (real !== realBase && !real.startsWith(realBase + path.sep)) return { error: 'outside' };
  return { file: real };
}

export function buildApi(d: ApiDeps): FastifyInstance {
  const app = Fastify({ logger: false });

  const guard = async (req: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    if (!d.token) {
      await reply.code(401).send({ error: 'mutating endpoints are disabled: set ARENA_API_TOKEN in .env.secrets and send it as a bearer token' });
      return false;
    }
    if (!tokenMatches(req.headers.authorization, d.token)) {
      await reply.code(401).send({ error: 'missing or wrong bearer token' });
      return false;
    }
    return true;
  };

  app.get('/health', async () => {
    const config = d.config?.() ?? null;
    return { status: 'ok', team: d.team.team, last_cycle: d.state.lastCycle, last_prepared: d.state.lastPrepared, paused: d.state.paused, started_at: d.state.startedAt, ...(config ? { config } : {}) };
  });
  app.get('/status', async () => ({
    team: d.team.team,
    last_cycle: d.state.lastCycle,
    last_prepared: d.state.lastPrepared,
    next_cycle: d.state.nextCycle,
    running: d.state.running,
    paused: d.state.paused,
    last_error: d.state.lastError,
    retrain_requested: d.state.retrainRequested,
  }));
  app.get('/metrics', async (_req, reply) => reply.type(d.metrics.registry.contentType).send(await d.metrics.registry.metrics()));

  app.get('/predictions/latest', async (_req, reply) => {
    // The cycles append to the journal file through their own Journal: read what they added since.
    await d.journal.refresh();
    const date = d.journal.datesWith('predict').pop();
    if (!date) return reply.code(404).send({ error: 'no prediction yet' });
    const rec = d.journal.get(date, 'predict');
    return { date, predictions: rec?.predictions ?? [], skipped: rec?.skipped ?? {} };
  });

  app.post('/predict', async (req, reply) => {
    const body = predictBody.safeParse(req.body);
    if (!body.success) return reply.code(400).send({ error: `body.${body.error.issues[0]?.path.join('.') ?? ''}: ${body.error.issues[0]?.message ?? 'invalid'}; expected {"features": {"<column>": number, ...}}` });
    const version = await d.registry.champion();
    if (!version) return reply.code(409).send({ error: 'no champion model yet' });
    const model = await d.registry.loadVersion(version);
    if (model.spec.encoder.type === 'lstm') return reply.code(422).send({ error: 'the champion is an LSTM: it needs a window of rows, not one' });
    const f = body.data.features;
    let x: number[];
    if (Array.isArray(f)) x = f;
    else {
      const missing = model.columns.filter((c) => f[c] === undefined);
      if (missing.length) return reply.code(400).send({ error: `missing features: ${missing.join(', ')}`, expected: model.columns });
      x = model.columns.map((c) => f[c] as number);
    }
    if (x.length !== model.columns.length) return reply.code(400).send({ error: `expected ${model.columns.length} features, got ${x.length}`, expected: model.columns });
    return { model_version: version, ...predictVector(model, body.data.symbol, x, body.data.close ?? 1) };
  });

  app.get('/reports/*', async (req, reply) => {
    // The router has already percent-decoded the wildcard once; decoding again turned `%25` into a 500.
    const rel = (req.params as { '*'?: string })['*'] ?? '';
    const found = await confinedFile(d.reportsDir, rel);
    if ('error' in found) {
      return found.error === 'outside' ? reply.code(403).send({ error: 'outside the reports directory' }) : reply.code(404).send({ error: 'no such report' });
    }
    try {
      const body = await readFile(found.file);
      return reply.type(CONTENT_TYPES[path.extname(found.file)] ?? 'application/octet-stream').send(body);
    } catch {
      return reply.code(404).send({ error: 'no such report' });
    }
  });

  app.post('/retrain', async (req, reply) => {
    if (!(await guard(req, reply))) return reply;
    d.state.retrainRequested = true;
    return reply.code(202).send({ accepted: true, note: 'the next cycle retrains' });
  });
  app.post('/pause', async (req, reply) => {
    if (!(await guard(req, reply))) return reply;
    d.state.paused = true;
    return { paused: true };
  });
  app.post('/resume', async (req, reply) => {
    if (!(await guard(req, reply))) return reply;
    d.state.paused = false;
    return { paused: false };
  });
  return app;
}
