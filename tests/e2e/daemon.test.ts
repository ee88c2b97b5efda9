/** `arena cycle`, `arena run` and `arena doctor` as a user runs them (real processes, bundled data). */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { pageDay } from '../../src/adapters/reports/monitoring.ts';
import type { MonitoringPageData } from '../../src/adapters/reports/types.ts';
import { REPO_ROOT } from '../../src/testing/services.ts';

const BIN = path.join(REPO_ROOT, 'bin', 'arena.mjs');

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

function arena(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 300_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

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
    expect(mon?.model_version).not.toBeNull();
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
    const child = spawn(process.execPath, [BIN, 'run', '--team', 'teams/red.yml', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ARENA_API_TOKEN: token } });
    let logs = '';
    child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
    const address = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no listen line in: ${logs}`)), 60_000);
      child.stderr.on('data', (d: Buffer) => {
        logs += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(logs);
        if (m) {
          clearTimeout(t);
          resolve(m[1] as string);
        }
      });
    });
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

    // The start-up cycle runs (catch_up: run); wait for it.
    let last: string | null = null;
    for (let i = 0; i < 120 && !last; i++) {
      last = ((await (await get('/health')).json()) as { last_cycle: string | null }).last_cycle;
      if (!last) await new Promise((r) => setTimeout(r, 500));
    }
    expect(last).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const metrics = await (await get('/metrics')).text();
    const families = parsePrometheusTextFormat(metrics) as { name: string; metrics: { labels?: Record<string, string>; value?: string }[] }[];
    const names = families.map((f) => f.name);
    for (const n of ['arena_cycles_total', 'arena_cycle_duration_seconds', 'arena_step_duration_seconds', 'arena_equity_usd', 'arena_cash_usd', 'arena_drift_share', 'arena_model_info', 'arena_stale_symbols']) expect(names, n).toContain(n);
    expect(families.find((f) => f.name === 'arena_equity_usd')?.metrics[0]?.labels?.team).toBe('red');

    const latest = await get('/predictions/latest');
    expect([200, 404]).toContain(latest.status);
    const probe = await post('/predict', { features: {} });
    if (probe.status === 400) {
      const { expected } = (await probe.json()) as { expected: string[] };
      const served = (await (await post('/predict', { features: Object.fromEntries(expected.map((c) => [c, 0])), close: 100 })).json()) as { model_version: string; value: number };
      expect(served.model_version).toMatch(/^v\d{4}$/);
      expect(Number.isFinite(served.value)).toBe(true);
    } else expect(probe.status).toBe(409); // no champion (gate failed on the stale default data)
    expect((await post('/pause', {}, token)).status).toBe(200);
    expect(((await (await get('/status')).json()) as { paused: boolean }).paused).toBe(true);

    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const t0 = Date.now();
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(logs).toMatch(/stopped/);
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
  it('exits 0 within 10 s, and the next start resumes from the journal without redoing finished steps', { timeout: 300_000 }, async () => {
    const dir = project();
    const team = path.join(dir, 'teams', 'red.yml');
    const original = readFileSync(team, 'utf8');
    // Long enough training to be inside it when the signal comes.
    writeFileSync(team, original.replace(/epochs: \d+/, 'epochs: 5000').replace(/early_stopping_patience: \d+/, 'early_stopping_patience: 0'));
    const start = () => {
      const child = spawn(process.execPath, [BIN, 'run', '--team', 'teams/red.yml', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      const out = { logs: '' };
      child.stdout.on('data', (d: Buffer) => (out.logs += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out.logs += d.toString()));
      const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      return { child, out, exit };
    };
    const until = async (out: { logs: string }, re: RegExp, ms: number) => {
      for (const t0 = Date.now(); !re.test(out.logs); ) {
        if (Date.now() - t0 > ms) throw new Error(`no ${re} in: ${out.logs.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const journalSteps = () => readFileSync(path.join(dir, 'workspaces', 'red', 'state', 'journal.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { step: string }).step);

    const first = start();
    await until(first.out, /features done in/, 120_000);
    await new Promise((r) => setTimeout(r, 1500)); // the model step is now training
    const t0 = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(journalSteps()).toEqual(['fetch', 'features']);

    writeFileSync(team, original);
    const second = start();
    await until(second.out, /version done in/, 240_000);
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
    // fetch and features came back from the journal; the rest ran once.
    expect(second.out.logs).not.toMatch(/fetch done in|features done in/);
    expect(journalSteps()).toEqual(['fetch', 'features', 'model', 'predict', 'monitor', 'trade.plan', 'trade', 'version']);
  });
});
