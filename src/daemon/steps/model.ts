/**
 * model: retrain (walk-forward evaluation, baselines, gate, registry, tracker) when the policy
 * says so, otherwise reload the champion. A retrain whose registry key already exists (a cycle
 * killed after registering) reuses the stored version instead of training again.
 */
import { createHash } from 'node:crypto';
import { countTradingDays } from '../../calendar/nyse.ts';
import type { FeatureRow } from '../../features/matrix.ts';
import type { CloseHistory } from '../../models/baselines.ts';
import { buildSamples, inputIndices } from '../../models/dataset.ts';
import { gateDecision, NotEnoughHistory, walkForward, type GateVerdict } from '../../models/evaluate.ts';
import { shouldRetrain, type RetrainDecision } from '../../models/policy.ts';
import type { ModelCard, VersionStatus } from '../../models/registry.ts';
import type { TrainedModel } from '../../models/train.ts';
import { CODE_VERSION } from '../../core/paths.ts';
import { need, type StepDef } from '../cycle.ts';
import type { TeamRuntime } from '../runtime.ts';
import { emitTrainingReport } from '../reporting.ts';

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
  const ev = await walkForward({
    samples,
    spec,
    columns: modelColumns,
    window: rt.team.lifecycle.training_window,
    evaluation: rt.team.lifecycle.evaluation,
    strategy: rt.team.strategySpec,
    closes: closeHistories(rows),
    champion,
    ...(spec.trainer.warm_start && champion ? { warmStart: champion.model } : {}),
    ...(rt.signal ? { signal: rt.signal } : {}),
  });
  const gate = gateDecision(rt.team.lifecycle.gate, spec, ev.metrics, ev.baselines, ev.champion_metrics);
  const t = ev.trained;
  const runId = await rt.tracker.logRun({
    team: rt.team.team,
    name: `${rt.team.team}-${spec.name ?? 'model'}-${date}`,
    started_at: startedAt,
    ended_at: rt.clock.now().toISO() as string,
    status: 'FINISHED',
    params: {
      encoder: JSON.stringify(spec.encoder),
      output: spec.output.feature,
      epochs: String(spec.trainer.epochs),
      batch_size: String(spec.trainer.batch_size),
      learning_rate: String(spec.trainer.learning_rate),
      seed: String(spec.seed),
      backend: t.model.backend,
      training_window: JSON.stringify(rt.team.lifecycle.training_window),
      data_version: dataVersion,
      features: String(modelColumns.length),
    },
    metrics: Object.fromEntries(Object.entries(ev.metrics).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]))),
    series: {
      loss: t.history.map((h) => ({ step: h.epoch, value: h.loss })),
      val_loss: t.history.filter((h) => h.val_loss !== null).map((h) => ({ step: h.epoch, value: h.val_loss as number })),
    },
    tags: { gate: gate.passed ? 'passed' : 'failed', reason: decision.reason, cycle_date: date },
    artifacts: [],
  });
  const card: Omit<ModelCard, 'version'> = {
    key,
    team: rt.team.team,
    created_at: startedAt,
    trained_for: date,
    train_from: t.trainFrom,
    train_to: t.trainTo,
    test_from: ev.test_from,
    test_to: ev.test_to,
    spec,
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
  };
  const version = await rt.registry.register(t.model, card, startedAt);
  await rt.tracker.logArtifacts?.(runId, rt.registry.versionDir(version), 'model');
  const status = await settle(rt, version, { ...card, version }, startedAt);
  rt.logger.info(`trained ${version} for ${date}: ${status} (${gate.reasons.filter((r) => r.startsWith('FAIL')).join('; ') || 'gate passed'})`, { team: rt.team.team, date });
  return { version, status, gate, notes: ev.notes };
}

export const modelStep: StepDef<'model'> = {
  name: 'model',
  async run(rt, date, state) {
    const fetched = need(state, 'fetch');
    const { plan, rows } = need(state, 'features');
    const h = history(rt, date);
    const champion = await rt.registry.champion();
    const policy = rt.team.lifecycle.retrain;
    const decision = shouldRetrain({
      policy,
      hasChampion: champion !== null,
      tradingDaysSinceLastTraining: daysSince(h.lastTraining, date),
      tradingDaysSinceDriftRetrain: daysSince(h.lastDriftRetrain, date),
      lastDrift: h.lastMonitor ? { dataset_drift: h.lastMonitor.dataset_drift, drift_share: h.lastMonitor.drift_share } : null,
      liveDirectionalAccuracy: h.lastMonitor?.live_directional_accuracy ?? null,
      manualRequest: rt.retrainRequested,
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
