/**
 * The lifecycle checks of the model issue, through the real model step on the bundled data with a
 * tiny linear model: a candidate that does not beat persistence is not promoted and the report says
 * so; a restart reloads the champion without training; a retrain on drift happens when the policy
 * says so and not otherwise (cool-down included). Each cycle gets a fresh runtime, as after a restart.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nyDateTime, ReplayClock } from '../../src/adapters/clock.ts';
import { loadTeam } from '../../src/config/load.ts';
import { closeLogger, createLogger } from '../../src/core/log.ts';
import { loadEnv, processEnvironment } from '../../src/config/env.ts';
import type { RunDirs } from '../../src/engine/context.ts';
import { runCycle } from '../../src/engine/cycle.ts';
import type { AnyStep, ModelOutput } from '../../src/engine/cycle-state.ts';
import type { Journal } from '../../src/engine/journal.ts';
import { liveContext } from '../../src/engine/wiring.ts';
import type { ModelRegistry } from '../../src/adapters/models/registry.ts';
import { fetchStep } from '../../src/engine/steps/fetch.ts';
import { featuresStep } from '../../src/engine/steps/features.ts';
import { modelStep, retrainRequestFile } from '../../src/engine/steps/model.ts';
import { predictStep } from '../../src/engine/steps/predict.ts';
import type { TrainingReport } from '../../src/adapters/reports/training.ts';
import { runArena } from '../../src/testing/processes.ts';
import { REPO_ROOT } from '../../src/testing/services.ts';

const arena = (args: string[]) => runArena(root, args, { env: { ...process.env, MLFLOW_TRACKING_URI: '' } });

const STEPS: readonly AnyStep[] = [fetchStep, featuresStep, modelStep, predictStep];
const D1 = '2017-11-10';
const D2 = '2017-11-13';
const D3 = '2017-11-14';
const D4 = '2017-11-15';

interface TeamOptions {
  gate?: string;
  retrain?: string;
  search?: string;
  output?: string;
  symbols?: string;
}

function teamYaml(name: string, o: TeamOptions): string {
  return `team: ${name}
symbols: [${o.symbols ?? 'AAPL, MSFT'}]
data: { provider: sample, benchmark: SPX }
features: { returns: [1, 5], rsi: [14], volatility: [10] }
model:
  name: tiny
  output: { feature: ${o.output ?? 'return'} }
  encoder: { type: linear }
  trainer: { epochs: 4, batch_size: 256, learning_rate: 0.01, early_stopping_patience: 0, validation_split: 0.2 }
  seed: 3
${o.search ?? ''}
lifecycle:
  retrain: ${o.retrain ?? '{ every_trading_days: 0, on_drift: false }'}
  training_window: { kind: rolling, trading_days: 300 }
  evaluation: { test_trading_days: 21, folds: 1 }
  gate: ${o.gate ?? '{}'}
strategy: strategies/best-gain-worst-loss.yml
broker: { kind: local }
versioning: { enabled: false }
server: { port: 0 }
`;
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'arena-lifecycle-'));
  cpSync(path.join(REPO_ROOT, 'strategies'), path.join(root, 'strategies'), { recursive: true });
  mkdirSync(path.join(root, 'teams'));
});

/** What these checks read of a team's workspace after a cycle. */
interface Rt {
  journal: Journal;
  registry: ModelRegistry;
  dirs: RunDirs;
}

/** One cycle (fetch → predict) of `name` for `date` with a brand-new runtime, like a restarted process. */
async function cycle(name: string, date: string, o: TeamOptions, prepare?: (rt: Rt) => Promise<void>, env: Record<string, string> = {}): Promise<{ model: ModelOutput; rt: Rt; predictions: { model_version: string | null }[] }> {
  const file = path.join(root, 'teams', `${name}.yml`);
  writeFileSync(file, teamYaml(name, o));
  const team = await loadTeam(file, { root, checkSecrets: false });
  const logger = createLogger({ console: false });
  try {
    const ctx = await liveContext(team, { env: loadEnv({ cwd: root, env: { ...processEnvironment(), MLFLOW_TRACKING_URI: '', ...env } }), clock: new ReplayClock({ start: nyDateTime(date, '16:30') }), logger, asOf: date, reportsOut: path.join(root, 'reports') });
    const rt: Rt = { journal: ctx.services.journal, registry: ctx.services.registry, dirs: ctx.dirs };
    await rt.journal.load();
    await prepare?.(rt);
    const out = await runCycle(ctx, date, STEPS);
    return { model: out.state.model as ModelOutput, rt, predictions: out.state.predict?.predictions ?? [] };
  } finally {
    await closeLogger(logger);
  }
}

const runRecords = (rt: Rt) =>
  readdirSync(rt.dirs.runs)
    .filter((f) => f.endsWith('.json') && f !== 'champion.json')
    .map((f) => JSON.parse(readFileSync(path.join(rt.dirs.runs, f), 'utf8')) as { run_id: string; name: string; tags: Record<string, string> });

describe('model lifecycle through the model step', () => {
  it('a candidate that does not beat persistence is not promoted, and the gate and report say so (with a search)', { timeout: 60_000 }, async () => {
    const o: TeamOptions = {
      output: 'close',
      // Half the error of "tomorrow's close = today's" is out of reach for daily prices.
      gate: '{ beat_best_baseline_by: 0.5 }',
      search: "  search: { trials: 2, space: { 'trainer.learning_rate': { log_uniform: [0.001, 0.05] } } }",
    };
    const { model, rt, predictions } = await cycle('gate', D1, o);
    expect(model.trained?.status).toBe('rejected');
    expect(model.version).toBeNull();
    expect(predictions).toEqual([]);
    expect(await rt.registry.champion()).toBeNull();
    const fail = model.trained?.gate.reasons.find((r) => r.startsWith('FAIL'));
    expect(fail).toMatch(/^FAIL: mae \S+ did not beat the best baseline \(persistence: \S+\) by 0\.5 \(relative\)$/);
    const version = model.trained?.version as string;
    expect(model.trained?.gate.passed).toBe(false);
    const report = JSON.parse(readFileSync(path.join(root, 'reports', 'gate', 'training', `${version}.json`), 'utf8')) as TrainingReport;
    expect(report.status).toBe('rejected');
    expect(report.gate.reasons).toContain(fail);
    const html = readFileSync(path.join(root, 'reports', 'gate', 'training', `${version}.html`), 'utf8');
    expect(html).toContain('<span class="badge fail">failed</span> → status rejected');
    expect(html).toContain('did not beat the best baseline (persistence:');
    // The search ran before the test window, each trial tracked as a run under the training run.
    expect(report.trials).toHaveLength(2);
    expect((report.search?.validation_to ?? '') < (report.test_from ?? '')).toBe(true);
    const runs = runRecords(rt);
    const parent = runs.filter((r) => !r.tags.arena_parent_run_id);
    expect(parent).toHaveLength(1);
    const trials = runs.filter((r) => r.tags.arena_parent_run_id === parent[0]?.run_id);
    expect(trials.map((r) => r.tags.search_trial).sort()).toEqual(['1', '2']);
    expect(report.trials.map((t) => t.run_id).sort()).toEqual(trials.map((r) => r.run_id).sort());
    // Permutation importance on the test window, one row per input feature.
    expect(report.importance?.metric).toBe('mae');
    expect(report.importance?.features.map((f) => f.feature).sort()).toEqual([...report.feature_columns].sort());
    expect(html).toContain('Permutation feature importance');
  });

  it('a restart reloads the champion without training, and predicts with the same version', { timeout: 60_000 }, async () => {
    const o: TeamOptions = { retrain: '{ every_trading_days: 21, on_drift: false }' };
    const first = await cycle('restart', D1, o);
    expect(first.model.decision).toEqual({ retrain: true, trigger: 'first_model', reason: 'no model yet' });
    const v = first.model.version as string;
    expect(v).toBe(first.model.trained?.version);
    expect(first.predictions.map((p) => p.model_version)).toEqual([v, v]);
    const runsAfterFirst = runRecords(first.rt).length;
    expect(runsAfterFirst).toBe(1);

    const second = await cycle('restart', D2, o);
    expect(second.model.decision).toEqual({ retrain: false, trigger: 'reload', reason: 'reload the champion' });
    expect(second.model.trained).toBeNull();
    expect(second.model.version).toBe(v);
    // MSFT's bundled history ends on D1, so only AAPL has a row to predict from on D2.
    expect(second.predictions.map((p) => p.model_version)).toEqual([v]);
    expect(runRecords(second.rt)).toHaveLength(runsAfterFirst);
    expect((await second.rt.registry.list()).map((x) => x.version)).toEqual([v]);
  });

  const drifted = (share: number) => async (rt: Rt) => {
    // What the monitor step of the previous cycle would have journaled.
    const prev = rt.journal.datesWith('model').pop() as string;
    if (!rt.journal.has(prev, 'monitor')) await rt.journal.record(prev, 'monitor', { summary: { dataset_drift: share >= 0.5, drift_share: share, live_directional_accuracy: null }, comparisons: 0, pooled: {} });
  };

  it('retrains on drift when on_drift is true, respecting the cool-down; not when no drift', { timeout: 60_000 }, async () => {
    const o: TeamOptions = { retrain: '{ every_trading_days: 0, on_drift: true, drift_cooldown_trading_days: 2 }' };
    await cycle('drift', D1, o); // no model yet: trains
    const noDrift = await cycle('drift', D2, o, drifted(0.1));
    expect(noDrift.model.decision.retrain).toBe(false);
    const onDrift = await cycle('drift', D3, o, drifted(0.8));
    expect(onDrift.model.decision).toEqual({ retrain: true, trigger: 'drift', reason: 'dataset drift (share 0.80)' });
    expect(onDrift.model.trained?.version).toBe('v0002'); // v0001 was D1's first model
    // Drift again the next day, but the last drift retrain was 1 trading day ago (< 2).
    const cooling = await cycle('drift', D4, o, drifted(0.9));
    expect(cooling.model.decision).toEqual({ retrain: false, trigger: 'reload', reason: 'reload the champion' });
    expect(runRecords(cooling.rt)).toHaveLength(2);
  });

  it('does not retrain on drift when on_drift is false', { timeout: 60_000 }, async () => {
    const o: TeamOptions = { retrain: '{ every_trading_days: 0, on_drift: false }' };
    await cycle('nodrift', D1, o);
    const r = await cycle('nodrift', D2, o, drifted(0.9));
    expect(r.model.decision).toEqual({ retrain: false, trigger: 'reload', reason: 'reload the champion' });
    expect(runRecords(r.rt)).toHaveLength(1);
  });

  it('a retrain request left by `arena retrain` is honoured once by the next cycle', { timeout: 60_000 }, async () => {
    const o: TeamOptions = { retrain: '{ every_trading_days: 0, on_drift: false }' };
    const first = await cycle('manual', D1, o);
    writeFileSync(retrainRequestFile(first.rt.dirs), JSON.stringify({ requested_at: 'test' }));
    const second = await cycle('manual', D2, o);
    expect(second.model.decision).toEqual({ retrain: true, trigger: 'manual', reason: 'requested by hand' });
    expect(existsSync(retrainRequestFile(second.rt.dirs))).toBe(false);
    const third = await cycle('manual', D3, o);
    expect(third.model.decision.retrain).toBe(false);
  });

  it('`arena retrain`: trains and gates now (exit 0), asks the next cycle when the day is done, exit 2 on bad usage, 1 on failure', { timeout: 120_000 }, async () => {
    writeFileSync(path.join(root, 'teams', 'cli.yml'), teamYaml('cli', { retrain: '{ every_trading_days: 0, on_drift: false, mode: manual }' }));
    const now = await arena(['retrain', '--team', 'teams/cli.yml', '--date', D1]);
    expect(now.code, now.stderr).toBe(0);
    expect(now.stdout).toMatch(new RegExp(`^cli ${D1}: trained v0001 → champion \\(gate passed\\); champion v0001; report `));
    const again = await arena(['retrain', '--team', 'teams/cli.yml', '--date', D1]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already ran its model step; the next cycle retrains \(request saved in workspaces\/cli\/state\/retrain-request\.json\)/);
    expect(existsSync(path.join(root, 'workspaces', 'cli', 'state', 'retrain-request.json'))).toBe(true);

    const usage = await arena(['retrain']);
    expect(usage.code).toBe(2);
    const badDate = await arena(['retrain', '--team', 'teams/cli.yml', '--date', '2017-13-01']);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toMatch(/^arena: --date: expected a calendar date YYYY-MM-DD, got "2017-13-01", which does not exist$/m);
    const missing = await arena(['retrain', '--team', 'teams/nope.yml']);
    expect(missing.code).toBe(2);
    // Weeks after AAPL's bundled history starts: nothing to train on.
    writeFileSync(path.join(root, 'teams', 'early.yml'), teamYaml('early', { symbols: 'AAPL' }));
    const early = await arena(['retrain', '--team', 'teams/early.yml', '--date', '2013-07-01']);
    expect(early.code, early.stdout).toBe(1);
    expect(early.stderr).toMatch(/early 2013-07-01: no candidate was trained \(not enough history/);
  });
});
