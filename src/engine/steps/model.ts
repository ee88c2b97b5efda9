/**
 * model: retrain (walk-forward evaluation, baselines, gate, registry, tracker) when the policy
 * says so, otherwise reload the champion. A retrain whose registry key already exists (a cycle
 * killed after registering) reuses the stored version instead of training again.
 */
import { createHash } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { CODE_VERSION } from '../../config/env.ts';
import { errorMessage } from '../../core/errors.ts';
import { countTradingDays } from '../../domain/calendar/nyse.ts';
import type { FeatureRow } from '../../domain/features/matrix.ts';
import type { CloseHistory } from '../../domain/models/baselines.ts';
import { buildSamples, inputIndices } from '../../domain/models/dataset.ts';
import { gateDecision, gateFailures, NotEnoughHistory, walkForward, walkForwardTestStart } from '../../domain/models/evaluate.ts';
import { IMPORTANCE_DEFAULTS } from '../../domain/models/importance.ts';
import type { VersionStatus } from '../../domain/models/model.ts';
import { shouldRetrain, type RetrainDecision } from '../../domain/models/policy.ts';
import { hyperSearch, type SearchResult } from '../../domain/models/search.ts';
import type { ModelSpec } from '../../domain/models/spec.ts';
import type { ModelCard } from '../../adapters/models/registry.ts';
import { logTrainingRun } from '../../adapters/tracking/training-run.ts';
import type { CycleRequest, RunDirs, TeamContext } from '../context.ts';
import { need, type StepDef } from '../cycle-state.ts';
import { PluginModelError } from '../plugin-model.ts';
import type { ModelRecord, MonitorSummary, TrainedVersion } from '../records.ts';

/**
 * `arena retrain` from another process (e.g. while `arena run` sleeps) leaves this file in the
 * workspace; the next model step retrains and removes it. The daemon's own POST /retrain passes
 * `retrain` in the cycle's request instead.
 */
export const retrainRequestFile = (dirs: Pick<RunDirs, 'state'>): string => path.join(dirs.state, 'retrain-request.json');

/** What earlier cycles of this team saw, read from the journal (so a restart knows it too). */
function history(ctx: TeamContext, date: string): { lastTraining: string | null; lastDriftRetrain: string | null; lastMonitor: MonitorSummary | null } {
  const { journal } = ctx.services;
  let lastTraining: string | null = null;
  let lastDriftRetrain: string | null = null;
  for (const d of journal.datesWith('model')) {
    if (d >= date) break;
    const rec = journal.get(d, 'model');
    if (rec?.attempted) lastTraining = d;
    if (rec?.drift_retrain) lastDriftRetrain = d;
  }
  return { lastTraining, lastDriftRetrain, lastMonitor: journal.latest('monitor', date)?.record.summary ?? null };
}

const daysSince = (from: string | null, to: string): number | null => (from === null ? null : countTradingDays(from, to) - 1);

export function closeHistories(rows: ReadonlyMap<string, readonly FeatureRow[]>): Map<string, CloseHistory> {
  const out = new Map<string, CloseHistory>();
  for (const [symbol, r] of rows) out.set(symbol, { dates: r.map((x) => x.date), closes: r.map((x) => x.close) });
  return out;
}

/** The gate's verdict becomes the version's status (champion, pending_approval or rejected); idempotent. */
async function settle(ctx: TeamContext, version: string, card: ModelCard, at: string): Promise<VersionStatus> {
  const { registry, tracker, reports } = ctx.services;
  const gate = card.gate;
  const status: VersionStatus = !gate.passed ? 'rejected' : ctx.team.lifecycle.gate.approval === 'manual' ? 'pending_approval' : 'champion';
  await registry.setStatus(version, status, at, gate.passed ? undefined : gateFailures(gate).join('; '));
  if (status === 'champion' && card.run_id) await tracker.promote({ modelName: `${ctx.team.team}-${ctx.team.model.name ?? 'model'}`, runId: card.run_id, version });
  await reports.training(card, status);
  return status;
}

async function train(ctx: TeamContext, date: string, rows: Map<string, FeatureRow[]>, columns: string[], dataVersion: string, decision: RetrainDecision): Promise<TrainedVersion & { notes: string[] }> {
  const { registry, tracker, clock, logger, backendFor, reports } = ctx.services;
  const { team } = ctx;
  const spec = team.model;
  const key = createHash('sha256').update(JSON.stringify({ team: team.team, date, spec, lifecycle: team.lifecycle, columns, dataVersion })).digest('hex').slice(0, 24);
  const existing = await registry.findByKey(key);
  if (existing) {
    const card = (await registry.card(existing)) as ModelCard;
    // Killed between registering and deciding: finish the decision now, exactly as it would have been.
    const current = (await registry.status(existing)) ?? 'candidate';
    const status = current === 'candidate' ? await settle(ctx, existing, card, card.created_at) : current;
    if (current !== 'candidate') await reports.training(card, current);
    return { version: existing, status, gate: card.gate, notes: ['reused the version registered before a restart'] };
  }
  const samples = buildSamples(rows, inputIndices(columns, spec), spec);
  const modelColumns = spec.input_features === 'all' ? columns : spec.input_features;
  const championVersion = await registry.champion();
  const championCard = championVersion ? await registry.card(championVersion) : null;
  const champion = championVersion && championCard ? { model: await registry.loadVersion(championVersion), trainTo: championCard.train_to } : null;
  const startedAt = clock.now().toISO() as string;
  const t0 = performance.now();
  let search: SearchResult | null = null;
  let evalSpec: ModelSpec = spec;
  if (spec.search) {
    const before = walkForwardTestStart(samples, team.lifecycle.evaluation);
    if (before === null) throw new NotEnoughHistory(`not enough history for the walk-forward test window (${team.lifecycle.evaluation.folds} × ${team.lifecycle.evaluation.test_trading_days} days) and a search before it`);
    search = await hyperSearch({
      spec,
      backend: backendFor(spec),
      samplesFor: (s) => buildSamples(rows, inputIndices(columns, s), s),
      before,
      window: team.lifecycle.training_window,
      columns: modelColumns,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onTrial: (t) => logger.info(`search trial ${t.trial} rung ${t.rung} (${t.epochs} epochs): score ${t.score ?? 'n/a'}`, { team: team.team, date }),
    });
    evalSpec = search.best;
  }
  const ev = await walkForward({
    backend: backendFor(evalSpec),
    samples: evalSpec === spec ? samples : buildSamples(rows, inputIndices(columns, evalSpec), evalSpec),
    spec: evalSpec,
    columns: modelColumns,
    window: team.lifecycle.training_window,
    evaluation: team.lifecycle.evaluation,
    strategy: team.strategy,
    closes: closeHistories(rows),
    champion,
    ...(spec.trainer.warm_start && champion ? { warmStart: champion.model } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    importance: { repeats: IMPORTANCE_DEFAULTS.repeats, maxFeatures: IMPORTANCE_DEFAULTS.maxFeatures, seed: spec.seed },
  });
  const gate = gateDecision(team.lifecycle.gate, spec, ev.metrics, ev.baselines, ev.champion_metrics);
  const notes = [...(search?.notes ?? []), ...ev.notes];
  const t = ev.trained;
  const { runId, trialRunIds } = await logTrainingRun(tracker, {
    team: team.team,
    name: `${team.team}-${spec.name ?? 'model'}-${date}`,
    date,
    startedAt,
    endedAt: clock.now().toISO() as string,
    spec,
    evaluated: evalSpec,
    evaluation: ev,
    search,
    trainingWindow: team.lifecycle.training_window,
    dataVersion,
    features: modelColumns.length,
    gatePassed: gate.passed,
    reason: decision.reason,
  });
  const backendRule = backendFor(evalSpec).describe?.(evalSpec, { samples: t.trainSamples + t.validationSamples, inputs: modelColumns.length });
  const card: Omit<ModelCard, 'version'> = {
    key,
    team: team.team,
    created_at: startedAt,
    trained_for: date,
    train_from: t.trainFrom,
    train_to: t.trainTo,
    test_from: ev.test_from,
    test_to: ev.test_to,
    spec: evalSpec,
    feature_columns: modelColumns,
    backend: t.model.backend,
    ...(backendRule ? { backend_rule: backendRule } : {}),
    data_version: dataVersion,
    code_version: CODE_VERSION,
    reason: decision.reason,
    metrics: ev.metrics,
    baselines: ev.baselines,
    champion_metrics: ev.champion_metrics,
    gate,
    training: { epochs_run: t.history.length, best_epoch: t.bestEpoch, seconds: (performance.now() - t0) / 1000, samples: t.trainSamples + t.validationSamples, history: t.history },
    run_id: runId,
    ...(search
      ? {
          search: {
            metric: search.metric,
            best_trial: search.bestTrial,
            fit_from: search.fit_from,
            fit_to: search.fit_to,
            validation_from: search.validation_from,
            validation_to: search.validation_to,
            trials: search.trials.map((x, i) => ({ ...x, run_id: trialRunIds[i] ?? null })),
          },
        }
      : {}),
    importance: ev.importance
      ? { ...ev.importance, baseline: Number.isFinite(ev.importance.baseline) ? ev.importance.baseline : null, features: ev.importance.features.filter((f) => Number.isFinite(f.mean) && Number.isFinite(f.std)) }
      : null,
  };
  const version = await registry.register(t.model, card, startedAt);
  await tracker.logArtifacts?.(runId, registry.versionDir(version), 'model');
  const status = await settle(ctx, version, { ...card, version }, startedAt);
  logger.info(`trained ${version} for ${date}: ${status} (${gateFailures(gate).join('; ') || 'gate passed'})`, { team: team.team, date });
  return { version, status, gate, notes };
}

async function decide(ctx: TeamContext, date: string, request: CycleRequest, fileRequest: boolean): Promise<RetrainDecision> {
  const h = history(ctx, date);
  return shouldRetrain({
    policy: ctx.team.lifecycle.retrain,
    hasChampion: (await ctx.services.registry.champion()) !== null,
    tradingDaysSinceLastTraining: daysSince(h.lastTraining, date),
    tradingDaysSinceDriftRetrain: daysSince(h.lastDriftRetrain, date),
    lastDrift: h.lastMonitor ? { dataset_drift: h.lastMonitor.dataset_drift, drift_share: h.lastMonitor.drift_share } : null,
    liveDirectionalAccuracy: h.lastMonitor?.live_directional_accuracy ?? null,
    manualRequest: (request.retrain ?? false) || fileRequest,
  });
}

export const modelStep: StepDef<'model'> = {
  name: 'model',
  async run(ctx, date, state, request) {
    const fetched = need(state, 'fetch');
    const { plan, rows } = need(state, 'features');
    const { registry, logger } = ctx.services;
    const requestFile = retrainRequestFile(ctx.dirs);
    const fileRequest = (await stat(requestFile).catch(() => null)) !== null;
    const decision = await decide(ctx, date, request, fileRequest);
    const notes: string[] = [];
    let trained: TrainedVersion | null = null;
    if (decision.retrain) {
      try {
        const r = await train(ctx, date, rows, plan.columns, fetched.dataVersion, decision);
        trained = { version: r.version, status: r.status, gate: r.gate };
        notes.push(...r.notes);
      } catch (err) {
        // A shutdown stops the step (the journal resumes it); so does any failure of the daemon's own
        // (disk, registry, tracker). Only a team's own model family failing in its own code (fit, load,
        // predict) is that team's problem for the day: it keeps its champion.
        if (ctx.signal?.aborted || !(err instanceof NotEnoughHistory || err instanceof PluginModelError)) throw err;
        const why = err instanceof NotEnoughHistory ? err.message : `model plug-in ${err.kind} failed: ${errorMessage(err)}`;
        notes.push(why);
        logger.warn(`${ctx.team.team} ${date}: ${why}`);
      }
      // Consumed only once a training is registered: a kill before this line, or a training that
      // failed, leaves the request for the next model step.
      if (fileRequest && trained) await rm(requestFile, { force: true });
    }
    const version = await registry.champion();
    const model = version ? await registry.loadVersion(version) : null;
    if (!version) notes.push('no champion model: nothing will be traded');
    const record: ModelRecord = { version, decision, trained, attempted: decision.retrain, drift_retrain: decision.retrain && decision.trigger === 'drift', notes };
    return { output: { version, model, decision, trained, notes }, record };
  },
  async restore(ctx, _date, _state, rec) {
    return { version: rec.version, model: rec.version ? await ctx.services.registry.loadVersion(rec.version) : null, decision: rec.decision, trained: rec.trained, notes: rec.notes };
  },
};
