/** `arena cycle`, `arena run` and `arena doctor` as a user runs them (real processes, bundled data). */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/services.ts';

const BIN = path.join(REPO_ROOT, 'bin', 'arena.mjs');

function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-daemon-'));
  cpSync(path.join(REPO_ROOT, 'teams'), path.join(dir, 'teams'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
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
    expect(existsSync(path.join(dir, 'reports', 'blue', '2017-11-09', 'monitoring.html'))).toBe(true);
    expect(existsSync(path.join(dir, 'reports', 'index.html'))).toBe(true);
    const ledgerBefore = readFileSync(path.join(dir, 'workspaces', 'blue', 'state', 'ledger.jsonl'), 'utf8');

    const again = await arena(dir, ['cycle', '--team', 'teams/blue.yml', '--date', '2017-11-09']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already done/);
    expect(readFileSync(path.join(dir, 'workspaces', 'blue', 'state', 'ledger.jsonl'), 'utf8')).toBe(ledgerBefore);

    // The next day's predictions meet their truth: the monitoring report compares them.
    const next = await arena(dir, ['cycle', '--team', 'teams/blue.yml', '--date', '2017-11-10']);
    expect(next.code, next.stderr).toBe(0);
    const mon = JSON.parse(readFileSync(path.join(dir, 'reports', 'blue', '2017-11-10', 'monitoring.json'), 'utf8')) as { comparisons: number };
    expect(mon.comparisons).toBe(3);

    const back = await arena(dir, ['cycle', '--team', 'teams/blue.yml', '--date', '2017-11-08']);
    expect(back.code).toBe(2);
    expect(back.stderr).toMatch(/run in date order/);
  });
});

describe('arena run', () => {
  it('serves /health, /status, /metrics and POST /retrain, and stops cleanly on SIGTERM', { timeout: 300_000 }, async () => {
    const dir = project();
    const child = spawn(process.execPath, [BIN, 'run', '--team', 'teams/red.yml', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const health = (await (await fetch(`${address}/health`)).json()) as { status: string; team: string };
    expect(health).toEqual({ status: 'ok', team: 'red' });
    const retrain = await fetch(`${address}/retrain`, { method: 'POST' });
    expect(retrain.status).toBe(202);
    const status = (await (await fetch(`${address}/status`)).json()) as { team: string; retrain_requested: boolean };
    expect(status.team).toBe('red');
    const metrics = await (await fetch(`${address}/metrics`)).text();
    expect(metrics).toContain('arena_cycle_duration_seconds');
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(logs).toMatch(/stopped/);
  });
});

describe('arena doctor', () => {
  it('prints one line per check and passes on the embedded default', { timeout: 120_000 }, async () => {
    const dir = project();
    const r = await arena(dir, ['doctor', '--team', 'teams/red.yml']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const check of ['config', 'secrets', 'data', 'broker', 'minio', 'dvc', 'git', 'mlflow']) expect(r.stdout).toMatch(new RegExp(`^(ok|warn) +${check} `, 'm'));
    expect(r.stdout).toMatch(/^warn +data .*history only/m);
  });
});
