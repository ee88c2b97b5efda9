/**
 * Training runs to a real MLflow server over its REST API (PROTOCOLS.md): an experiment per team,
 * a run per training (found again by its key after a restart, never duplicated), log-batch for
 * params/metrics/per-epoch series, model files through the artifact proxy, and a registered model
 * version per promotion with the `champion` alias. Runs are always recorded locally first; a dead
 * MLflow costs a warning, not the cycle.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ArenaError, errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { redact } from '../../core/redact.ts';
import { isTransientNetworkError, withRetry } from '../../core/retry.ts';
import type { LocalTracker } from './local.ts';
import type { RunRecord, Tracker } from '../../ports.ts';

export class MlflowError extends ArenaError {
  constructor(
    message: string,
    readonly status: number | null,
    readonly errorCode: string | null,
  ) {
    super(message, { hint: 'check MLFLOW_TRACKING_URI (and MLFLOW_TRACKING_TOKEN) or run `arena doctor`; runs stay recorded locally' });
  }
}

const errorBody = z.object({ error_code: z.string(), message: z.string() }).partial();
const experimentBody = z.object({ experiment: z.object({ experiment_id: z.string() }) });
const runBody = z.object({ run: z.object({ info: z.object({ run_id: z.string(), experiment_id: z.string() }) }) });
const runsBody = z.object({ runs: z.array(runBody.shape.run).optional() });
const versionBody = z.object({ model_version: z.object({ version: z.string() }) });

export interface MlflowOptions {
  uri: string;
  token?: string;
  team: string;
  local: LocalTracker;
  logger: Logger;
  timeoutMs?: number;
}

export class MlflowTracker implements Tracker {
  readonly kind = 'mlflow' as const;
  private experimentId: string | null = null;
  /** Local run id → MLflow run ids (for artifacts and promotion). */
  private readonly runs = new Map<string, { runId: string; experimentId: string }>();

  constructor(private readonly opts: MlflowOptions) {}

  private async call<T>(method: 'GET' | 'POST' | 'PUT', route: string, body: unknown, schema: z.ZodType<T>, raw?: Uint8Array): Promise<T> {
    const url = new URL(route, this.opts.uri.endsWith('/') ? this.opts.uri : `${this.opts.uri}/`);
    return withRetry(
      async () => {
        const res = await fetch(url, {
          method,
          headers: { ...(raw ? { 'content-type': 'application/octet-stream' } : { 'content-type': 'application/json' }), ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}) },
          ...(raw ? { body: raw } : body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
        });
        const text = await res.text();
        const json: unknown = text ? JSON.parse(text) : {};
        if (!res.ok) {
          const e = errorBody.safeParse(json);
          throw new MlflowError(redact(`MLflow ${method} ${url.pathname}: HTTP ${res.status} ${e.data?.error_code ?? ''} ${e.data?.message ?? text.slice(0, 200)}`.trim()), res.status, e.data?.error_code ?? null);
        }
        const parsed = schema.safeParse(json);
        if (!parsed.success) throw new MlflowError(`MLflow ${url.pathname}: unexpected answer (${parsed.error.issues[0]?.message ?? 'invalid'})`, res.status, null);
        return parsed.data;
      },
      { attempts: 4, baseMs: 300, maxMs: 4000, retryable: (err) => isTransientNetworkError(err) || (err instanceof MlflowError && err.status !== null && err.status >= 500) || (err as Error).name === 'TimeoutError' },
    );
  }

  private async experiment(): Promise<string> {
    if (this.experimentId) return this.experimentId;
    const name = `paper-arena/${this.opts.team}`;
    try {
      this.experimentId = (await this.call('GET', `api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`, undefined, experimentBody)).experiment.experiment_id;
    } catch (err) {
      if (!(err instanceof MlflowError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST')) throw err;
      this.experimentId = (await this.call('POST', 'api/2.0/mlflow/experiments/create', { name }, z.object({ experiment_id: z.string() }))).experiment_id;
    }
    return this.experimentId;
  }

  async logRun(run: Omit<RunRecord, 'run_id'> & { run_id?: string }): Promise<string> {
    const localId = await this.opts.local.logRun(run);
    try {
      await this.remoteRun(localId, run);
    } catch (err) {
      this.opts.logger.warn(redact(`MLflow: run ${localId} kept locally only (${errorMessage(err)})`), { team: this.opts.team });
    }
    return localId;
  }

  private async remoteRun(localId: string, run: Omit<RunRecord, 'run_id'>): Promise<void> {
    const experimentId = await this.experiment();
    // A restarted cycle logs the same run again: find it by its key instead of creating a twin.
    const found = await this.call('POST', 'api/2.0/mlflow/runs/search', { experiment_ids: [experimentId], filter: `tags.arena_run_id = '${localId}'`, max_results: 1 }, runsBody);
    const existing = found.runs?.[0]?.info.run_id;
    if (existing) {
      this.runs.set(localId, { runId: existing, experimentId });
      return;
    }
    const start = Date.parse(run.started_at);
    // A search trial names its training run: MLflow shows it nested under it (the parent is logged first).
    const parent = run.tags.arena_parent_run_id ? this.runs.get(run.tags.arena_parent_run_id)?.runId : undefined;
    const created = await this.call('POST', 'api/2.0/mlflow/runs/create', {
      experiment_id: experimentId,
      start_time: start,
      run_name: run.name,
      tags: [{ key: 'arena_run_id', value: localId }, { key: 'team', value: run.team }, ...Object.entries(run.tags).map(([key, value]) => ({ key, value })), ...(parent ? [{ key: 'mlflow.parentRunId', value: parent }] : [])],
    }, runBody);
    const runId = created.run.info.run_id;
    this.runs.set(localId, { runId, experimentId });
    const metrics = [
      ...Object.entries(run.metrics).map(([key, value]) => ({ key, value, timestamp: start, step: 0 })),
      ...Object.entries(run.series).flatMap(([key, pts]) => pts.map((p) => ({ key, value: p.value, timestamp: start, step: p.step }))),
    ];
    const params = Object.entries(run.params).map(([key, value]) => ({ key, value: value.slice(0, 6000) }));
    // log-batch limits: 1000 metrics and 100 params + tags per request.
    const batch = (b: { metrics?: unknown[]; params?: unknown[] }) => this.call('POST', 'api/2.0/mlflow/runs/log-batch', { run_id: runId, ...b }, z.unknown());
    for (let i = 0; i < params.length; i += 100) await batch({ params: params.slice(i, i + 100) });
    for (let i = 0; i < metrics.length; i += 1000) await batch({ metrics: metrics.slice(i, i + 1000) });
    await this.call('POST', 'api/2.0/mlflow/runs/update', { run_id: runId, status: run.status, end_time: run.ended_at ? Date.parse(run.ended_at) : Date.now() }, z.unknown());
  }

  async logArtifacts(localRunId: string, dir: string, artifactPath: string): Promise<void> {
    const r = this.runs.get(localRunId);
    if (!r) return;
    try {
      for (const f of (await readdir(dir)).sort()) {
        const body = new Uint8Array(await readFile(path.join(dir, f)));
        await this.call('PUT', `api/2.0/mlflow-artifacts/artifacts/${r.experimentId}/${r.runId}/artifacts/${artifactPath}/${encodeURIComponent(f)}`, undefined, z.unknown(), body);
      }
    } catch (err) {
      this.opts.logger.warn(redact(`MLflow: artifacts of run ${localRunId} not uploaded (${errorMessage(err)})`), { team: this.opts.team });
    }
  }

  async promote(args: { modelName: string; runId: string; version: string }): Promise<void> {
    await this.opts.local.promote(args);
    const r = this.runs.get(args.runId);
    if (!r) return;
    try {
      await this.call('POST', 'api/2.0/mlflow/registered-models/create', { name: args.modelName }, z.unknown()).catch((err: unknown) => {
        if (!(err instanceof MlflowError && err.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw err;
      });
      const mv = await this.call('POST', 'api/2.0/mlflow/model-versions/create', {
        name: args.modelName,
        source: `mlflow-artifacts:/${r.experimentId}/${r.runId}/artifacts/model`,
        run_id: r.runId,
        tags: [{ key: 'arena_version', value: args.version }],
      }, versionBody);
      await this.call('POST', 'api/2.0/mlflow/registered-models/alias', { name: args.modelName, alias: 'champion', version: mv.model_version.version }, z.unknown());
    } catch (err) {
      this.opts.logger.warn(redact(`MLflow: ${args.version} promoted locally, not in the MLflow registry (${errorMessage(err)})`), { team: this.opts.team });
    }
  }
}
