/**
 * Training runs reach a real MLflow server (scripts/services.sh): the experiment, the run with its
 * params, metrics and per-epoch losses, the model files through the artifact proxy, and the
 * `champion` alias — all read back through MLflow's own REST API. A cycle restarted after logging
 * finds its run again instead of creating a twin.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { needServices, REPO_ROOT } from '../../src/testing/services.ts';

const run = promisify(execFile);
const env = needServices('MLflow', ['MLFLOW_TRACKING_URI']);
const BIN = path.join(REPO_ROOT, 'bin', 'arena.mjs');

describe.skipIf(!env)('MLflow tracking (real server)', () => {
  const uri = (env ?? {}).MLFLOW_TRACKING_URI as string;
  const api = async (route: string, body?: unknown) => {
    const res = await fetch(`${uri}/api/2.0/${route}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.ok, `${route}: ${res.status}`).toBe(true);
    return res.json() as Promise<Record<string, unknown>>;
  };

  it('a cycle that trains logs the run, its artifacts and the champion alias', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-mlflow-'));
    cpSync(path.join(REPO_ROOT, 'teams'), path.join(dir, 'teams'), { recursive: true });
    cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
    await run(process.execPath, [BIN, 'cycle', '--team', 'teams/blue.yml', '--date', '2017-11-09'], { cwd: dir, env: { ...process.env, MLFLOW_TRACKING_URI: uri }, timeout: 240_000 });

    const exp = (await api(`mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent('paper-arena/blue')}`)) as { experiment: { experiment_id: string } };
    const search = (await api('mlflow/runs/search', { experiment_ids: [exp.experiment.experiment_id], max_results: 50 })) as { runs: { info: { run_id: string; status: string; artifact_uri: string }; data: { metrics?: { key: string; value: number }[]; params?: { key: string; value: string }[]; tags?: { key: string; value: string }[] } }[] };
    const mine = search.runs.filter((r) => r.data.tags?.some((t) => t.key === 'cycle_date' && t.value === '2017-11-09'));
    expect(mine).toHaveLength(1);
    const r = mine[0] as (typeof mine)[number];
    expect(r.info.status).toBe('FINISHED');
    expect(r.data.params?.find((p) => p.key === 'epochs')).toBeDefined();
    expect(r.data.metrics?.some((m) => m.key === 'directional_accuracy')).toBe(true);
    const history = (await api(`mlflow/metrics/get-history?run_id=${r.info.run_id}&metric_key=loss`)) as { metrics: { step: number }[] };
    expect(history.metrics.length).toBeGreaterThan(1);

    const files = (await api(`mlflow/artifacts/list?run_id=${r.info.run_id}&path=model`)) as { files?: { path: string }[] };
    expect(files.files?.map((f) => f.path).sort()).toEqual(expect.arrayContaining(['model/model.json', 'model/weights.bin']));

    const gate = r.data.tags?.find((t) => t.key === 'gate')?.value;
    expect(gate).toBe('passed'); // blue's first model on this date passes its gate (deterministic data and seed)
    {
      const alias = (await api(`mlflow/registered-models/alias?name=${encodeURIComponent('blue-blue-logit')}&alias=champion`)) as { model_version: { run_id: string } };
      expect(alias.model_version.run_id).toBe(r.info.run_id);
    }
  });
});
