/** `arena cycle`, `arena run` and `arena doctor` as a user runs them (real processes, bundled data). */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { runArena, startArena } from '../../src/testing/processes.ts';
import { pageDay } from '../../src/adapters/reports/monitoring.ts';
import type { MonitoringPageData } from '../../src/adapters/reports/types.ts';
import { REPO_ROOT } from '../../src/testing/services.ts';

function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-daemon-'));
  cpSync(path.join(REPO_ROOT, 'teams'), path.join(dir, 'teams'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
  // These daemons run on the wall clock: orders right after the close, so a test never waits for 09:00
  // New York (the next-session schedule is tested on a replayed exchange clock in compete.test.ts).
  for (const t of ['red', 'blue']) {
    const f = path.join(dir, 'teams', `${t}.yml`);
    const text = readFileSync(f, 'utf8');
    if (!/trade_at: "09:00"/.test(text)) throw new Error(`${f}: expected trade_at: "09:00" to rewrite`);
    writeFileSync(f, text.replace('trade_at: "09:00"', 'trade_at: after_close'));
  }
  return dir;
}

const arena = (cwd: string, args: string[]) => runArena(cwd, args);

describe('arena cycle', () => {
  it('runs one dated cycle, writes its reports and ledger, and is idempotent', { timeout: 300_000 }, async () => {
    const dir = project();
    const first = await arena(dir, ['cycle', '--team', 'teams/blue.yml', '--date', '2017-11-09']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^blue 2017-11-09: ran fetch, features, model, predict, monitor, trade, version; equity \$100,?000\.00/);
    const journal = readFileSync(path.join(dir, 'workspaces', 'blue', 'state', 'journal.jsonl'), 'utf8');
    expect(journal.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { step: string }).step)).toEqual(['fetch', 'features', 'model', 'predict', 'monitor', 'trade.plan', 'trade', 'version']);
    expect(existsSync(path.join(dir, 'reports', 'blue', 'monitoring.html'))).toBe(true);
    expect(existsSync(path.join(dir, 'reports', 'index.html'))).toBe(true);
    const ledgerBefore = readFileSync(path.join(dir, 'workspaces', 'blue', 'state', 'ledger.jsonl'), 'utf8');

    const again = await arena(dir, ['cycle', '--team', 'teams/blue.yml', '--date', '2017-11-09']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already done/);
    expect(readFileSync(path.join(dir, 'workspaces', 'blue', 'state', 'ledger.jsonl'), 'utf8')).toBe(ledgerBefore);

    // The next day's predictions meet their truth: the monitoring report compares them.
    const next = await arena(dir, ['cycle', '--team', 'teams/blue.yml', '--date', '2017-11-10']);
    expect(next.code, next.stderr).toBe(0);
    const page = JSON.parse(readFileSync(path.join(dir, 'reports', 'blue', 'monitoring.json'), 'utf8')) as MonitoringPageData;
    expect(page.dates).toEqual(['2017-11-09', '2017-11-10']);
    const mon = pageDay(page, '2017-11-10');
    expect(mon?.comparisons).toBe(3);
    // Drift covers every feature, the target and the prediction (champion on its reference window vs served).
    expect(mon?.model_version).toBe('v0001'); // trained on 2017-11-09 (gate passed), reloaded on 2017-11-10
    expect(mon?.drift?.columns.prediction?.test).toBe('ks');
    expect(mon?.drift?.columns.target_return?.test).toBe('ks');
    expect(Number.isFinite(mon?.drift?.columns.prediction?.score)).toBe(true);

    const back = await arena(dir, ['cycle', '--team', 'teams/blue.yml', '--date', '2017-11-08']);
    expect(back.code).toBe(2);
    expect(back.stderr).toMatch(/run in date order/);
  });
});

describe('arena run', () => {
  it('serves health, metrics, predictions, reports and guarded controls; stops cleanly on SIGTERM', { timeout: 300_000 }, async () => {
    const dir = project();
    const token = 'test-token-0123456789';
    const daemon = startArena(dir, ['run', '--team', 'teams/red.yml', '--port', '0'], { env: { ...process.env, ARENA_API_TOKEN: token } });
    const address = (await daemon.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1] as string;
    const get = async (p: string) => fetch(`${address}${p}`);
    const post = (p: string, body?: unknown, auth?: string) => fetch(`${address}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) }, body: JSON.stringify(body ?? {}) });

    expect(await (await get('/health')).json()).toMatchObject({ status: 'ok', team: 'red' });
    // Mutating endpoints: 401 without the token or with a wrong one.
    expect((await post('/retrain')).status).toBe(401);
    expect((await post('/pause', {}, 'wrong')).status).toBe(401);
    expect((await post('/retrain', {}, token)).status).toBe(202);
    // Read-only reports, confined to the team's directory.
    expect((await get('/reports/..%2F..%2F..%2Fetc%2Fpasswd')).status).toBe(403);
    expect((await get('/reports/../../etc/passwd')).status).not.toBe(200);

    // The start-up cycle runs (catch_up: run); wait for its summary line, then /health reports it.
    const ran = (await daemon.waitFor(/red (\d{4}-\d{2}-\d{2}): ran fetch/))[1] as string;
    expect(((await (await get('/health')).json()) as { last_cycle: string | null }).last_cycle).toBe(ran);
    const metrics = await (await get('/metrics')).text();
    const families = parsePrometheusTextFormat(metrics) as { name: string; metrics: { labels?: Record<string, string>; value?: string }[] }[];
    const names = families.map((f) => f.name);
    for (const n of ['arena_cycles_total', 'arena_cycle_duration_seconds', 'arena_step_duration_seconds', 'arena_equity_usd', 'arena_cash_usd', 'arena_drift_share', 'arena_model_info', 'arena_stale_symbols']) expect(names, n).toContain(n);
    expect(families.find((f) => f.name === 'arena_equity_usd')?.metrics[0]?.labels?.team).toBe('red');

    // The journal the API reads is appended to by the cycles: the start-up cycle's predictions are served
    // during this daemon's life, not only after a restart.
    const latest = await get('/predictions/latest');
    expect(latest.status).toBe(200);
    expect(((await latest.json()) as { date: string }).date).toBe(ran);
    expect((await get('/reports/%25')).status).toBe(404);
    const probe = await post('/predict', { features: {} });
    if (probe.status === 400) {
      const { expected } = (await probe.json()) as { expected: string[] };
      const served = (await (await post('/predict', { features: Object.fromEntries(expected.map((c) => [c, 0])), close: 100 })).json()) as { model_version: string; value: number };
      expect(served.model_version).toMatch(/^v\d{4}$/);
      expect(Number.isFinite(served.value)).toBe(true);
    } else expect(probe.status).toBe(409); // no champion (gate failed on the stale default data)
    expect((await post('/pause', {}, token)).status).toBe(200);
    expect(((await (await get('/status')).json()) as { paused: boolean }).paused).toBe(true);

    // SIGTERM: exit 0 after saying so; the time it takes is a bench line (bench/latency.ts), not a test.
    daemon.kill('SIGTERM');
    const exit = await daemon.exited;
    expect(exit.code, exit.stderr.slice(-2000)).toBe(0);
    expect(exit.stderr).toMatch(/stopping: the current step finishes[\s\S]*\bstopped\b/);
  });
});

describe('arena doctor', () => {
  it('prints one line per check and passes on the embedded default', { timeout: 120_000 }, async () => {
    const dir = project();
    const r = await arena(dir, ['doctor', '--team', 'teams/red.yml']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const check of ['config', 'secrets', 'data', 'broker', 'minio', 'dvc', 'git', 'engine', 'mlflow']) expect(r.stdout).toMatch(new RegExp(`^(ok|warn) +${check} `, 'm'));
    // The engine rule's verdict for the team's model (engineFor), and whether native TensorFlow is here.
    expect(r.stdout).toMatch(/^ok +engine +\S+ \((linear|mlp), \d+ inputs.*\): js dense kernel: [\d,]+ weights ≤ 100,000 .*; tfjs-node (not )?installed/m);
    expect(r.stdout).toMatch(/^warn +data .*history only/m);
  });
});

describe('arena run: SIGTERM during training', () => {
  it('exits 0 with the interrupted step unjournaled, and the next start resumes from the journal without redoing finished steps', { timeout: 300_000 }, async () => {
    const dir = project();
    const team = path.join(dir, 'teams', 'red.yml');
    const original = readFileSync(team, 'utf8');
    // Training that would take many minutes: the signal comes while the model step runs it.
    writeFileSync(team, original.replace(/epochs: \d+/, 'epochs: 5000').replace(/early_stopping_patience: \d+/, 'early_stopping_patience: 0'));
    const journalSteps = () => readFileSync(path.join(dir, 'workspaces', 'red', 'state', 'journal.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { step: string }).step);

    const first = startArena(dir, ['run', '--team', 'teams/red.yml', '--port', '0']);
    // The model step starts as soon as features is journaled; give it a moment to be inside training.
    await first.waitFor(/features done in/);
    await new Promise((r) => setTimeout(r, 1500));
    first.kill('SIGTERM');
    const stopped = await first.exited;
    expect(stopped.code, stopped.stderr.slice(-2000)).toBe(0);
    expect(stopped.stderr).toMatch(/stopping: the current step finishes[\s\S]*\bstopped\b/);
    // The model step was abandoned: not journaled, no model registered, no summary line.
    expect(journalSteps()).toEqual(['fetch', 'features']);
    expect(stopped.stderr).not.toMatch(/model done in|trained v\d+/);
    expect(existsSync(path.join(dir, 'workspaces', 'red', 'models', 'v0001'))).toBe(false);

    writeFileSync(team, original);
    const second = startArena(dir, ['run', '--team', 'teams/red.yml', '--port', '0']);
    await second.waitFor(/version done in/);
    second.kill('SIGTERM');
    const again = await second.exited;
    expect(again.code, again.stderr.slice(-2000)).toBe(0);
    // fetch and features came back from the journal; the rest ran once.
    expect(again.stderr).not.toMatch(/fetch done in|features done in/);
    expect(again.stderr).toMatch(/model done in/);
    expect(journalSteps()).toEqual(['fetch', 'features', 'model', 'predict', 'monitor', 'trade.plan', 'trade', 'version']);
  });
});
