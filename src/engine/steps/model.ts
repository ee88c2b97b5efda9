/**
 * model: retrain (walk-forward evaluation, baselines, gate, registry, tracker) when the policy
 * says so, otherwise reload the champion. A retrain whose registry key already exists (a cycle
 * killed after registering) reuses the stored version instead of training again.
 */
import { createHash } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { countTradingDays } from '../../domain/calendar/nyse.ts';
import type { FeatureRow } from '../../domain/features/matrix.ts';
import type { CloseHistory } from '../../domain/models/baselines.ts';
import { buildSamples, inputIndices } from '../../domain/models/dataset.ts';
import { gateDecision, NotEnoughHistory, walkForward, walkForwardTestStart, type GateVerdict } from '../../domain/models/evaluate.ts';
import { IMPORTANCE_DEFAULTS } from '../../domain/models/importance.ts';
import { shouldRetrain, type RetrainDecision } from '../../domain/models/policy.ts';
import type { ModelCard, VersionStatus } from '../../adapters/models/registry.ts';
import { hyperSearch, type SearchResult } from '../../domain/models/search.ts';
import type { ModelSpec } from '../../domain/models/spec.ts';
import type { TrainedModel } from '../../domain/models/model.ts';
import { CODE_VERSION } from '../../core/paths.ts';
import { writeTrainingReport } from '../../adapters/reports/training.ts';
import { need, type StepDef } from '../cycle.ts';
import type { TeamRuntime } from '../runtime.ts';

/**
 * `arena retrain` from another process (e.g. while `arena run` sleeps) leaves this file in the
 * workspace; the next model step retrains and removes it. The daemon's own POST /retrain sets
 * `rt.retrainRequested` instead.
 */
export const retrainRequestFile = (rt: Pick<TeamRuntime, 'dirs'>): string => path.join(rt.dirs.state, 'retrain-request.json');

async function emitTrainingReport(rt: TeamRuntime, version: string): Promise<void> {
  const card = await rt.registry.card(version);
  if (card) await writeTrainingReport(rt.reportDir, card, (await rt.registry.status(version)) ?? 'candidate');
}

export interface ModelOutput {
  /** The champion used for today's predictions (null: nothing may trade). */
  version: string | null;
  model: TrainedModel | null;
  decision: RetrainDecision;
  /** The version trained in this cycle (champion or not), with its gate verdict. */
  trained: { version: string; status: string; gate: GateVerdict } | null;
  notes: string[];
}

interface ModelRecord {
  version: string | null;
  decision: RetrainDecision;
  trained: ModelOutput['trained'];
  /** A training attempt happened (even one that failed for lack of history). */
  attempted: boolean;
  drift_retrain: boolean;
  notes: string[];
}

interface MonitorSummary {
  dataset_drift: boolean;
  drift_share: number;
  live_directional_accuracy: number | null;
}

/** What earlier cycles of this team saw, read from the journal (so a restart knows it too). */
function history(rt: TeamRuntime, date: string): { lastTraining: string | null; lastDriftRetrain: string | null; lastMonitor: MonitorSummary | null } {
  let lastTraining: string | null = null;
  let lastDriftRetrain: string | null = null;
  for (const d of rt.journal.datesWith('model')) {
    if (d >= date) break;
    const rec = rt.journal.get(d, 'model')?.record as ModelRecord | undefined;
    if (rec?.attempted) lastTraining = d;
    if (rec?.drift_retrain) lastDriftRetrain = d;
  }
  const monitorDates = rt.journal.datesWith('monitor').filter((d) => d < date);
  const prev = monitorDates[monitorDates.length - 1];
  const lastMonitor = prev ? ((rt.journal.get(prev, 'monitor')?.record as { summary?: MonitorSummary } | undefined)?.summary ?? null) : null;
  return { lastTraining, lastDriftRetrain, lastMonitor };
}

const daysSince = (from: string | null, to: string): number | null => (from === null ? null : countTradingDays(from, to) - 1);

export function closeHistories(rows: ReadonlyMap<string, readonly FeatureRow[]>): Map<string, CloseHistory> {
  const out = new Map<string, CloseHistory>();
  for (const [symbol, r] of rows) out.set(symbol, { dates: r.map((x) => x.date), closes: r.map((x) => x.close) });
  return out;
}

/** The gate's verdict becomes the version's status (champion, pending_approval or rejected); idempotent. */
async function settle(rt: TeamRuntime, version: string, card: ModelCard, at: string): Promise<VersionStatus> {
  const gate = card.gate;
  const status: VersionStatus = !gate.passed ? 'rejected' : rt.team.lifecycle.gate.approval === 'manual' ? 'pending_approval' : 'champion';
  await rt.registry.setStatus(version, status, at, gate.passed ? undefined : gate.reasons.filter((r) => r.startsWith('FAIL')).join('; '));
  if (status === 'champion' && card.run_id) await rt.tracker.promote({ modelName: `${rt.team.team}-${rt.team.model.name ?? 'model'}`, runId: card.run_id, version });
  await emitTrainingReport(rt, version);
  return status;
}

async function train(rt: TeamRuntime, date: string, rows: Map<string, FeatureRow[]>, columns: string[], dataVersion: string, decision: RetrainDecision): Promise<{ version: string; status: string; gate: GateVerdict; notes: string[] }> {
  const spec = rt.team.model;
  const key = createHash('sha256').update(JSON.stringify({ team: rt.team.team, date, spec, lifecycle: rt.team.lifecycle, columns, dataVersion })).digest('hex').slice(0, 24);
  const existing = await rt.registry.findByKey(key);
  if (existing) {
    const card = (await rt.registry.card(existing)) as ModelCard;
    // Killed between registering and deciding: finish the decision now, exactly as it would have been.
    const current = (await rt.registry.status(existing)) ?? 'candidate';
    const status = current === 'candidate' ? await settle(rt, existing, card, card.created_at) : current;
    if (current !== 'candidate') await emitTrainingReport(rt, existing);
    return { version: existing, status, gate: card.gate, notes: ['reused the version registered before a restart'] };
  }
  const samples = buildSamples(rows, inputIndices(columns, spec), spec);
  const modelColumns = spec.input_features === 'all' ? columns : spec.input_features;
  const championVersion = await rt.registry.champion();
  const championCard = championVersion ? await rt.registry.card(championVersion) : null;
  const champion = championVersion && championCard ? { model: await rt.registry.loadVersion(championVersion), trainTo: championCard.train_to } : null;
  const startedAt = rt.clock.now().toISO() as string;
  const t0 = performance.now();
  let search: SearchResult | null = null;
  let evalSpec: ModelSpec = spec;
  if (spec.search) {
    const before = walkForwardTestStart(samples, rt.team.lifecycle.evaluation);
    if (before === null) throw new NotEnoughHistory(`not enough history for the walk-forward test window (${rt.team.lifecycle.evaluation.folds} × ${rt.team.lifecycle.evaluation.test_trading_days} days) and a search before it`);
    search = await hyperSearch({
      spec,
      backend: rt.backendFor(spec),
      samplesFor: (s) => buildSamples(rows, inputIndices(columns, s), s),
      before,
      window: rt.team.lifecycle.training_window,
      columns: modelColumns,
      ...(rt.signal ? { signal: rt.signal } : {}),
      onTrial: (t) => rt.logger.info(`search trial ${t.trial} rung ${t.rung} (${t.epochs} epochs): score ${t.score ?? 'n/a'}`, { team: rt.team.team, date }),
    });
    evalSpec = search.best;
  }
  const ev = await walkForward({
    backend: rt.backendFor(evalSpec),
    samples: evalSpec === spec ? samples : buildSamples(rows, inputIndices(columns, evalSpec), evalSpec),
    spec: evalSpec,
    columns: modelColumns,
    window: rt.team.lifecycle.training_window,
    evaluation: rt.team.lifecycle.evaluation,
    strategy: rt.team.strategySpec,
    closes: closeHistories(rows),
    champion,
    ...(spec.trainer.warm_start && champion ? { warmStart: champion.model } : {}),
    ...(rt.signal ? { signal: rt.signal } : {}),
    importance: { repeats: IMPORTANCE_DEFAULTS.repeats, maxFeatures: IMPORTANCE_DEFAULTS.maxFeatures, seed: spec.seed },
  });
  const gate = gateDecision(rt.team.lifecycle.gate, spec, ev.metrics, ev.baselines, ev.champion_metrics);
  const notes = [...(search?.notes ?? []), ...ev.notes];
  const t = ev.trained;
  const runId = await rt.tracker.logRun({
    team: rt.team.team,
    name: `${rt.team.team}-${spec.name ?? 'model'}-${date}`,
    started_at: startedAt,
    ended_at: rt.clock.now().toISO() as string,
    status: 'FINISHED',
    params: {
      encoder: JSON.stringify(evalSpec.encoder),
      output: spec.output.feature,
      epochs: String(evalSpec.trainer.epochs),
      batch_size: String(evalSpec.trainer.batch_size),
      learning_rate: String(evalSpec.trainer.learning_rate),
      seed: String(evalSpec.seed),
      ...(search && spec.search
        ? {
            'search.trials': String(spec.search.trials),
            'search.eta': String(spec.search.eta),
            'search.best_trial': String(search.bestTrial),
            'search.metric': search.metric,
            ...stringParams(search.trials.find((t) => t.trial === search.bestTrial)?.params ?? {}, 'best.'),
          }
        : {}),
      backend: t.model.backend,
      training_window: JSON.stringify(rt.team.lifecycle.training_window),
      data_version: dataVersion,
      features: String(modelColumns.length),
    },
    metrics: Object.fromEntries(Object.entries(ev.metrics).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]))),
    series: {
      loss: t.history.map((h) => ({ step: h.epoch, value: h.loss })),
      val_loss: t.history.filter((h) => h.val_loss !== null).map((h) => ({ step: h.epoch, value: h.val_loss as number })),
      // One point per trial training (step = its order), so the parent run shows the search at a glance.
      ...(search ? { search_score: search.trials.flatMap((x, i) => (x.score === null ? [] : [{ step: i + 1, value: x.score }])) } : {}),
    },
    tags: { gate: gate.passed ? 'passed' : 'failed', reason: decision.reason, cycle_date: date },
    artifacts: [],
  });
  const trialRuns = search ? await logTrials(rt, date, runId, startedAt, search) : [];
  const card: Omit<ModelCard, 'version'> = {
    key,
    team: rt.team.team,
    created_at: startedAt,
    trained_for: date,
    train_from: t.trainFrom,
    train_to: t.trainTo,
    test_from: ev.test_from,
    test_to: ev.test_to,
    spec: evalSpec,
    feature_columns: modelColumns,
    backend: t.model.backend,
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
            trials: search.trials.map((x, i) => ({ ...x, run_id: trialRuns[i] ?? null })),
          },
        }
      : {}),
    importance: ev.importance
      ? { ...ev.importance, baseline: Number.isFinite(ev.importance.baseline) ? ev.importance.baseline : null, features: ev.importance.features.filter((f) => Number.isFinite(f.mean) && Number.isFinite(f.std)) }
      : null,
  };
  const version = await rt.registry.register(t.model, card, startedAt);
  await rt.tracker.logArtifacts?.(runId, rt.registry.versionDir(version), 'model');
  const status = await settle(rt, version, { ...card, version }, startedAt);
  rt.logger.info(`trained ${version} for ${date}: ${status} (${gate.reasons.filter((r) => r.startsWith('FAIL')).join('; ') || 'gate passed'})`, { team: rt.team.team, date });
  return { version, status, gate, notes };
}

/** Tracker params are strings. */
const stringParams = (params: Record<string, number | string>, prefix = ''): Record<string, string> => Object.fromEntries(Object.entries(params).map(([k, v]) => [prefix + k, String(v)]));

/**
 * Each trial is a run of its own (params, score, epochs), tagged with the training run it belongs
 * to (`arena_parent_run_id`, the local id of that run), logged after it so the parent exists first.
 */
async function logTrials(rt: TeamRuntime, date: string, parentRunId: string, at: string, search: SearchResult): Promise<string[]> {
  const base = `${rt.team.team}-${rt.team.model.name ?? 'model'}-${date}`;
  const ids: string[] = [];
  for (const x of search.trials) {
    ids.push(
      await rt.tracker.logRun({
        team: rt.team.team,
        name: `${base}-trial-${String(x.trial).padStart(3, '0')}-rung-${x.rung}`,
        started_at: at,
        ended_at: at,
        status: x.score === null ? 'FAILED' : 'FINISHED',
        params: { ...stringParams(x.params), epochs: String(x.epochs), rung: String(x.rung) },
        metrics: { ...(x.score === null ? {} : { [`validation_${search.metric}`]: x.score }), epochs_run: x.epochs_run, seconds: x.seconds },
        series: {},
        tags: { arena_parent_run_id: parentRunId, search_trial: String(x.trial), search_rung: String(x.rung), best: String(x.trial === search.bestTrial), cycle_date: date },
        artifacts: [],
      }),
    );
  }
  return ids;
}

export const modelStep: StepDef<'model'> = {
  name: 'model',
  async run(rt, date, state) {
    const fetched = need(state, 'fetch');
    const { plan, rows } = need(state, 'features');
    const h = history(rt, date);
    const champion = await rt.registry.champion();
    const requestFile = retrainRequestFile(rt);
    const fileRequest = (await stat(requestFile).catch(() => null)) !== null;
    const policy = rt.team.lifecycle.retrain;
    const decision = shouldRetrain({
      policy,
      hasChampion: champion !== null,
      tradingDaysSinceLastTraining: daysSince(h.lastTraining, date),
      tradingDaysSinceDriftRetrain: daysSince(h.lastDriftRetrain, date),
      lastDrift: h.lastMonitor ? { dataset_drift: h.lastMonitor.dataset_drift, drift_share: h.lastMonitor.drift_share } : null,
      liveDirectionalAccuracy: h.lastMonitor?.live_directional_accuracy ?? null,
      manualRequest: rt.retrainRequested || fileRequest,
    });
    const notes: string[] = [];
    let trained: ModelOutput['trained'] = null;
    if (decision.retrain) {
      try {
        const r = await train(rt, date, rows, plan.columns, fetched.dataVersion, decision);
        trained = { version: r.version, status: r.status, gate: r.gate };
        notes.push(...r.notes);
      } catch (err) {
        if (!(err instanceof NotEnoughHistory)) throw err;
        notes.push(err.message);
        rt.logger.warn(`${rt.team.team} ${date}: ${err.message}`);
      }
      rt.retrainRequested = false;
      // Consumed only once the training is registered: a kill before this line retrains (or reuses) again.
      if (fileRequest) await rm(requestFile, { force: true });
    }
    const version = await rt.registry.champion();
    const model = version ? await rt.registry.loadVersion(version) : null;
    if (!version) notes.push('no champion model: nothing will be traded');
    const record: ModelRecord = { version, decision, trained, attempted: decision.retrain, drift_retrain: decision.retrain && decision.reason.startsWith('dataset drift'), notes };
    return { output: { version, model, decision, trained, notes }, record };
  },
  async restore(rt, _date, _state, raw) {
    const rec = raw as ModelRecord;
    return { version: rec.version, model: rec.version ? await rt.registry.loadVersion(rec.version) : null, decision: rec.decision, trained: rec.trained, notes: rec.notes };
  },
};
