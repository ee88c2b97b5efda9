/**
 * Training runs reach a real MLflow server (scripts/services.sh): the experiment, the run with its
 * params, metrics and per-epoch losses, the model files through the artifact proxy, and the
 * `champion` alias — all read back through MLflow's own REST API. A cycle restarted after logging
 * finds its run again instead of creating a twin. A search logs one nested run per trial.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/ports.ts';
import { runArena } from '../../src/testing/processes.ts';
import { needServices, REPO_ROOT } from '../../src/testing/services.ts';

const env = needServices('MLflow', ['MLFLOW_TRACKING_URI']);

describe.skipIf(!env)('MLflow tracking (real server)', () => {
  const uri = (env ?? {}).MLFLOW_TRACKING_URI as string;
  const api = async (route: string, body?: unknown) => {
    const res = await fetch(`${uri}/api/2.0/${route}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.ok, `${route}: ${res.status}`).toBe(true);
    return res.json() as Promise<Record<string, unknown>>;
  };
  type Run = { info: { run_id: string; status: string; artifact_uri: string }; data: { metrics?: { key: string; value: number }[]; params?: { key: string; value: string }[]; tags?: { key: string; value: string }[] } };

  it('a cycle that trains logs the run, its artifacts and the champion alias', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-mlflow-'));
    cpSync(path.join(REPO_ROOT, 'teams'), path.join(dir, 'teams'), { recursive: true });
    cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
    // Blue under a fresh name: MLflow is shared and keeps every run (and a run is found again by its id).
    const team = `blue-${Date.now().toString(36)}`;
    writeFileSync(path.join(dir, 'teams', 'blue.yml'), readFileSync(path.join(dir, 'teams', 'blue.yml'), 'utf8').replace(/^team: blue$/m, `team: ${team}`));
    const cycle = await runArena(dir, ['cycle', '--team', 'teams/blue.yml', '--date', '2017-11-09'], { env: { ...process.env, MLFLOW_TRACKING_URI: uri } });
    expect(cycle.code, cycle.stderr.slice(-2000)).toBe(0);

    const exp = (await api(`mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(`paper-arena/${team}`)}`)) as { experiment: { experiment_id: string } };
    const search = (await api('mlflow/runs/search', { experiment_ids: [exp.experiment.experiment_id], max_results: 50 })) as { runs: Run[] };
    const locals = localRuns(dir, team);
    expect(locals).toHaveLength(1);
    const local = locals[0] as RunRecord;
    // The server outlives one test run (an earlier run of this test logged to the same experiment): this run's by its id.
    const mine = search.runs.filter((r) => r.data.tags?.some((t) => t.key === 'arena_run_id' && t.value === local.run_id));
    expect(mine).toHaveLength(1);
    const r = mine[0] as Run;
    expect(r.info.status).toBe('FINISHED');
    expect(r.data.tags?.find((t) => t.key === 'cycle_date')?.value).toBe('2017-11-09');
    // teams/blue.yml: trainer.epochs 40 (the issue's "25" is red's), batch 64, learning rate 0.003, seed 11; no search.
    const params = Object.fromEntries((r.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params).toMatchObject({ epochs: '40', batch_size: '64', learning_rate: '0.003', seed: '11', output: 'direction' });
    expect(params).toEqual(local.params);
    const metrics = Object.fromEntries((r.data.metrics ?? []).filter((m) => m.key in local.metrics).map((m) => [m.key, m.value]));
    expect(metrics).toEqual(local.metrics);
    expect(Object.keys(local.metrics)).toContain('directional_accuracy');
    // Every epoch's loss as the run recorded it; early stopping (patience 5) ends before the 40 epochs.
    const history = (await api(`mlflow/metrics/get-history?run_id=${r.info.run_id}&metric_key=loss`)) as { metrics: { step: number; value: number }[] };
    const losses = history.metrics.map((m) => [m.step, m.value]).sort((a, b) => (a[0] as number) - (b[0] as number));
    expect(losses).toEqual((local.series.loss ?? []).map((p) => [p.step, p.value]));
    expect(losses.length).toBeGreaterThan(5);
    expect(losses.length).toBeLessThan(40);

    const files = (await api(`mlflow/artifacts/list?run_id=${r.info.run_id}&path=model`)) as { files?: { path: string }[] };
    expect(files.files?.map((f) => f.path).sort()).toEqual(expect.arrayContaining(['model/model.json', 'model/weights.bin']));

    const gate = r.data.tags?.find((t) => t.key === 'gate')?.value;
    expect(gate).toBe('passed'); // blue's first model on this date passes its gate (deterministic data and seed)
    {
      const alias = (await api(`mlflow/registered-models/alias?name=${encodeURIComponent(`${team}-blue-logit`)}&alias=champion`)) as { model_version: { run_id: string } };
      expect(alias.model_version.run_id).toBe(r.info.run_id);
    }
  });

  it('a search: the training run and one run per trial, tagged with its parent, with params and the validation score', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-mlflow-search-'));
    cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
    mkdirSync(path.join(dir, 'teams'));
    // A fresh experiment per run of this test (MLflow is shared and keeps every run).
    const name = `srch-${Date.now().toString(36)}`;
    writeFileSync(path.join(dir, 'teams', `${name}.yml`), `team: ${name}
symbols: [AAPL, MSFT]
data: { provider: sample, benchmark: SPX }
features: { returns: [1, 5], rsi: [14], volatility: [10] }
model:
  name: tiny
  output: { feature: return }
  encoder: { type: linear }
  trainer: { epochs: 4, batch_size: 256, learning_rate: 0.01, early_stopping_patience: 0, validation_split: 0.2 }
  seed: 3
  search: { trials: 3, space: { 'trainer.learning_rate': { log_uniform: [0.001, 0.05] } } }
lifecycle:
  retrain: { every_trading_days: 0, on_drift: false }
  training_window: { kind: rolling, trading_days: 300 }
  evaluation: { test_trading_days: 21, folds: 1 }
  gate: {}
strategy: strategies/best-gain-worst-loss.yml
broker: { kind: local }
versioning: { enabled: false }
server: { port: 0 }
`);
    const trained = await runArena(dir, ['retrain', '--team', `teams/${name}.yml`, '--date', '2017-11-10'], { env: { ...process.env, MLFLOW_TRACKING_URI: uri } });
    expect(trained.code, trained.stderr.slice(-2000)).toBe(0);
    const training = localRuns(dir, name).filter((x) => !x.tags.arena_parent_run_id);
    expect(training).toHaveLength(1);
    const parentId = (training[0] as RunRecord).run_id;

    const exp = (await api(`mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(`paper-arena/${name}`)}`)) as { experiment: { experiment_id: string } };
    const ids = [exp.experiment.experiment_id];
    const parents = (await api('mlflow/runs/search', { experiment_ids: ids, filter: `tags.arena_run_id = '${parentId}'` })) as { runs?: Run[] };
    expect(parents.runs).toHaveLength(1);
    expect(parents.runs?.[0]?.data.params?.find((p) => p.key === 'search.trials')?.value).toBe('3');
    const trials = (await api('mlflow/runs/search', { experiment_ids: ids, filter: `tags.arena_parent_run_id = '${parentId}'` })) as { runs?: Run[] };
    expect(trials.runs).toHaveLength(3);
    // The trials' learning rates are drawn log-uniformly in [0.001, 0.05] from the team's seed (3), so
    // they are the same on every machine; each trial's validation score is the one recorded locally.
    const byTrial = (tags: { key: string; value: string }[] | undefined) => tags?.find((t) => t.key === 'search_trial')?.value ?? '';
    const got = (trials.runs ?? []).sort((a, b) => byTrial(a.data.tags).localeCompare(byTrial(b.data.tags)));
    expect(got.map((t) => Number(t.data.params?.find((p) => p.key === 'trainer.learning_rate')?.value))).toEqual([0.014842685089076062, 0.011403667830848212, 0.01938768555003232]);
    const localTrials = localRuns(dir, name).filter((x) => x.tags.arena_parent_run_id === parentId).sort((a, b) => (a.tags.search_trial ?? '').localeCompare(b.tags.search_trial ?? ''));
    expect(got.map((t) => t.data.metrics?.find((m) => m.key === 'validation_mae')?.value)).toEqual(localTrials.map((x) => x.metrics.validation_mae));
  });
});

/** The runs recorded in a workspace (`runs/*.json`): the training run and its search trials. */
function localRuns(dir: string, team: string): RunRecord[] {
  const runs = path.join(dir, 'workspaces', team, 'runs');
  return readdirSync(runs)
    .filter((f) => f.endsWith('.json') && f !== 'champion.json')
    .map((f) => JSON.parse(readFileSync(path.join(runs, f), 'utf8')) as RunRecord);
}

