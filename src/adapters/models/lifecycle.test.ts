/**
 * The lifecycle decisions as pure functions: the retrain policy (schedule, drift with its
 * cool-down, degradation, manual mode), the promotion gate against persistence and the champion,
 * and the registry's champion surviving a restart (a new registry object on the same directory).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initBackend } from './tfjs/backend.ts';
import { gateDecision } from '../../domain/models/evaluate.ts';
import { buildNetwork } from './tfjs/network.ts';
import { DEFAULT_DRIFT_COOLDOWN_TRADING_DAYS, shouldRetrain, type RetrainContext, type RetrainPolicy } from '../../domain/models/policy.ts';
import { ModelRegistry, type ModelCard } from './registry.ts';
import { modelSpecSchema } from '../../domain/models/spec.ts';
import type { TrainedModel } from '../../domain/models/model.ts';
import { TfjsModel } from './tfjs/model.ts';
import { builtinBackendFor } from './index.ts';

const ctx = (over: Omit<Partial<RetrainContext>, 'policy'> & { policy?: Partial<RetrainPolicy> } = {}): RetrainContext => ({
  hasChampion: true,
  tradingDaysSinceLastTraining: 3,
  tradingDaysSinceDriftRetrain: null,
  lastDrift: null,
  liveDirectionalAccuracy: null,
  manualRequest: false,
  ...over,
  policy: { every_trading_days: 21, on_drift: true, drift_cooldown_trading_days: 5, mode: 'auto', ...over.policy },
});
const drift = { dataset_drift: true, drift_share: 0.75 };

describe('retrain policy', () => {
  it('retrains on drift only when on_drift is true and the monitor said drifted', () => {
    expect(shouldRetrain(ctx({ lastDrift: drift }))).toEqual({ retrain: true, trigger: 'drift', reason: 'dataset drift (share 0.75)' });
    expect(shouldRetrain(ctx({ lastDrift: drift, policy: { on_drift: false } }))).toEqual({ retrain: false, trigger: 'reload', reason: 'reload the champion' });
    expect(shouldRetrain(ctx({ lastDrift: { dataset_drift: false, drift_share: 0.2 } })).retrain).toBe(false);
    expect(shouldRetrain(ctx({ lastDrift: null })).retrain).toBe(false);
  });

  it('respects drift_cooldown_trading_days after a drift retrain (default 10)', () => {
    expect(shouldRetrain(ctx({ lastDrift: drift, tradingDaysSinceDriftRetrain: 4 })).retrain).toBe(false);
    expect(shouldRetrain(ctx({ lastDrift: drift, tradingDaysSinceDriftRetrain: 5 })).retrain).toBe(true);
    const noCooldown = (days: number) => ctx({ lastDrift: drift, tradingDaysSinceDriftRetrain: days, policy: { drift_cooldown_trading_days: undefined } });
    expect(shouldRetrain(noCooldown(DEFAULT_DRIFT_COOLDOWN_TRADING_DAYS - 1)).retrain).toBe(false);
    expect(shouldRetrain(noCooldown(DEFAULT_DRIFT_COOLDOWN_TRADING_DAYS)).retrain).toBe(true);
  });

  it('schedule, degradation, manual mode and a manual request', () => {
    expect(shouldRetrain(ctx({ tradingDaysSinceLastTraining: 21 }))).toEqual({ retrain: true, trigger: 'schedule', reason: 'scheduled: every 21 trading days' });
    expect(shouldRetrain(ctx({ tradingDaysSinceLastTraining: 20 })).retrain).toBe(false);
    expect(shouldRetrain(ctx({ tradingDaysSinceLastTraining: 500, policy: { every_trading_days: 0 } })).retrain).toBe(false);
    const deg = { min_directional_accuracy: 0.5, window_trading_days: 20 };
    expect(shouldRetrain(ctx({ liveDirectionalAccuracy: 0.42, policy: { on_degradation: deg } })).reason).toMatch(/^degradation: live directional accuracy 0\.420 < 0\.5$/);
    expect(shouldRetrain(ctx({ liveDirectionalAccuracy: 0.55, policy: { on_degradation: deg } })).retrain).toBe(false);
    expect(shouldRetrain(ctx({ lastDrift: drift, tradingDaysSinceLastTraining: 99, policy: { mode: 'manual' } }))).toEqual({ retrain: false, trigger: 'manual_mode', reason: 'manual mode: reload the champion' });
    expect(shouldRetrain(ctx({ manualRequest: true, policy: { mode: 'manual' } }))).toEqual({ retrain: true, trigger: 'manual', reason: 'requested by hand' });
    expect(shouldRetrain(ctx({ hasChampion: false, tradingDaysSinceLastTraining: null }))).toEqual({ retrain: true, trigger: 'first_model', reason: 'no model yet' });
  });
});

describe('promotion gate', () => {
  const spec = { output: { feature: 'return' as const } };
  const baselines = { persistence: { mae: 0.0085, directional_accuracy: 0.5 }, moving_average: { mae: 0.0095, directional_accuracy: 0.49 } };

  it('a candidate that does not beat persistence fails, naming persistence', () => {
    const v = gateDecision({ beat_best_baseline_by: 0 }, spec, { n: 60, mae: 0.009, directional_accuracy: 0.55 }, baselines, null);
    expect(v.passed).toBe(false);
    expect(v.reasons).toContain('FAIL: mae 0.0090 did not beat the best baseline (persistence: 0.0085) by 0 (relative)');
    const ok = gateDecision({ beat_best_baseline_by: 0.05 }, spec, { n: 60, mae: 0.008, directional_accuracy: 0.55 }, baselines, null);
    expect(ok.passed).toBe(true);
    expect(ok.reasons).toContain('pass: mae 0.0080 beats the best baseline (persistence: 0.0085) by 0.05 (relative)');
    // 0.0082 is better than persistence, but not by 5%.
    expect(gateDecision({ beat_best_baseline_by: 0.05 }, spec, { n: 60, mae: 0.0082 }, baselines, null).passed).toBe(false);
  });

  it('accuracy margins are absolute; a worse champion comparison fails; no rows fails', () => {
    const cls = { output: { feature: 'direction' as const } };
    const b = { majority_class: { accuracy: 0.53 }, yesterday_direction: { accuracy: 0.5 } };
    expect(gateDecision({ beat_best_baseline_by: 0.02 }, cls, { n: 40, accuracy: 0.56, directional_accuracy: 0.56 }, b, null).passed).toBe(true);
    expect(gateDecision({ beat_best_baseline_by: 0.02 }, cls, { n: 40, accuracy: 0.54, directional_accuracy: 0.54 }, b, null).reasons[0]).toMatch(/^FAIL: accuracy 0\.5400 did not beat the best baseline \(majority_class: 0\.5300\) by 0\.02$/);
    const worse = gateDecision({}, spec, { n: 60, mae: 0.009 }, {}, { mae: 0.008 });
    expect(worse).toEqual({
      passed: false,
      checks: [{ name: 'beat_champion', passed: false, value: 0.009, threshold: 0.008, message: "mae 0.0090 is worse than the champion's 0.0080 on the same test window" }],
      reasons: ["FAIL: mae 0.0090 is worse than the champion's 0.0080 on the same test window"],
    });
    expect(gateDecision({}, spec, { n: 0 }, {}, null).passed).toBe(false);
  });
});

describe('registry', () => {
  const spec = modelSpecSchema.parse({ output: { feature: 'return' }, encoder: { type: 'linear' }, trainer: { epochs: 1 } });
  const model = async (seed: number): Promise<TrainedModel> => {
    const backend = await initBackend(); // before any tensor is made
    return new TfjsModel(buildNetwork(spec.encoder, 3, 1, 'numerical', seed), spec, ['a', 'b', 'c'], { mean: [0, 0, 0], std: [1, 1, 1] }, { mean: 0, std: 1 }, backend);
  };
  const card = (key: string, passed: boolean): Omit<ModelCard, 'version'> => ({
    key, team: 't', created_at: '2020-01-01T00:00:00Z', trained_for: '2020-01-02', train_from: '2019-01-01', train_to: '2019-12-31', test_from: null, test_to: null, spec, feature_columns: ['a', 'b', 'c'], backend: 'cpu', data_version: 'd', code_version: 'c', reason: 'test',
    metrics: {}, baselines: {}, champion_metrics: null, gate: { passed, checks: [], reasons: [] }, training: { epochs_run: 1, best_epoch: 1, seconds: 0, samples: 0, history: [] }, run_id: null,
  });

  it('versions are immutable per key; the champion survives a restart and predicts the same', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-registry-'));
    const reg = new ModelRegistry(dir, builtinBackendFor);
    const v1 = await reg.register(await model(1), card('k1', true), '2020-01-02T00:00:00Z');
    expect(await reg.register(await model(9), card('k1', true), '2020-01-03T00:00:00Z')).toBe(v1);
    await reg.setStatus(v1, 'champion', '2020-01-02T00:00:00Z');
    const v2 = await reg.register(await model(2), card('k2', false), '2020-01-03T00:00:00Z');
    await reg.setStatus(v2, 'rejected', '2020-01-03T00:00:00Z', 'FAIL: did not beat persistence');
    expect(await reg.champion()).toBe(v1);

    const after = new ModelRegistry(dir, builtinBackendFor); // a new process
    expect(await after.champion()).toBe(v1);
    expect(await after.status(v2)).toBe('rejected');
    const x = [{ symbol: 'S', date: '2020-01-03', close: 1, x: [0.5, -1, 2], y: null }];
    expect((await after.loadVersion(v1)).predict(x)).toEqual((await reg.loadVersion(v1)).predict(x));

    await after.approve(v2, '2020-01-04T00:00:00Z');
    expect(await after.champion()).toBe(v2);
    expect(await after.status(v1)).toBe('retired');
  });
});
