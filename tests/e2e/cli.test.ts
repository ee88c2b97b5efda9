/** The CLI's contract: exit codes and one-line errors, through the real `bin/arena.mjs`. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runArena } from '../../src/testing/processes.ts';
import { REPO_ROOT } from '../../src/testing/services.ts';

/** The CLI with a bare environment (PATH and HOME only), as on a fresh machine. */
const arena = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) => runArena(cwd, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });

function project(edit?: (yaml: string) => string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-cli-'));
  cpSync(path.join(REPO_ROOT, 'teams'), path.join(dir, 'teams'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
  if (edit) writeFileSync(path.join(dir, 'teams', 'red.yml'), edit(readFileSync(path.join(dir, 'teams', 'red.yml'), 'utf8')));
  return dir;
}

const season = ['season', '--teams', 'teams/red.yml,teams/blue.yml'];

function edit(dir: string, change: (yaml: string) => string): void {
  const f = path.join(dir, 'teams', 'red.yml');
  writeFileSync(f, change(readFileSync(f, 'utf8')));
}

describe('arena CLI', () => {
  it.each([
    ['a wrong type', (y: string) => y.replace('epochs: 25', 'epochs: ten'), /^arena: teams\/red\.yml: model\.trainer\.epochs: expected a positive integer, got "ten"$/],
    ['an unknown key', (y: string) => y.replace('seed: 7', 'seed: 7\n  sede: 8'), /^arena: teams\/red\.yml: model\.sede: unknown key/],
    ['a missing strategy file', (y: string) => y.replace('strategies/best-gain-worst-loss.yml', 'strategies/missing.yml'), /^arena: teams\/red\.yml: strategy: /],
    ['an unknown symbol', (y: string) => y.replace('[AAPL, MSFT, GOOGL]', '[AAPL, MSFT, ZZZZ]'), /^arena: teams\/red\.yml: symbols\[2\]: unknown symbol "ZZZZ"/],
  ])('%s exits 2 with one line naming file and field, before anything runs', { timeout: 60_000 }, async (_what, edit, pattern) => {
    const dir = project(edit);
    const r = await arena(dir, season);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(r.stdout).toBe('');
  });

  const aliasBomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`), 'team: red'].join('\n') + '\n';
  it.each([
    ['a YAML alias bomb', ['--teams', 'teams/bomb.yml'], (dir: string) => writeFileSync(path.join(dir, 'teams', 'bomb.yml'), aliasBomb), /^arena: teams\/bomb\.yml: expected valid YAML: aliases that expand to a reasonable size .*\(RESOURCE_EXHAUSTION\)$/],
    ['a day that does not exist', ['--teams', 'teams/red.yml', '--from', '2017-02-30'], null, /^arena: --from: expected a calendar date YYYY-MM-DD, got "2017-02-30", which does not exist$/],
    ['an empty team list', ['--teams', ''], null, /^arena: --teams: expected a comma-separated list of team files .*, got ""$/],
    ['starting cash too large to hold', ['--teams', 'teams/red.yml'], (dir: string) => edit(dir, (y) => y.replace('starting_cash: 100000', 'starting_cash: 1e400')), /^arena: teams\/red\.yml: broker\.starting_cash: expected a positive number ≤ 1000000000000, got Infinity/],
    ['600 symbols (the limit is 500)', ['--teams', 'teams/red.yml'], (dir: string) => edit(dir, (y) => y.replace('[AAPL, MSFT, GOOGL]', `[${Array.from({ length: 600 }, (_, i) => `S${i}`).join(', ')}]`)), /^arena: teams\/red\.yml: symbols: expected a list of at most 500 items, got 600$/],
    ['a strategy path that is a directory', ['--teams', 'teams/red.yml'], (dir: string) => edit(dir, (y) => y.replace('strategies/best-gain-worst-loss.yml', 'strategies')), /^arena: teams\/red\.yml: strategy: expected a strategy file .*, got "strategies", which is a directory$/],
    ['a strategy that is not a strategy file (/etc/passwd)', ['--teams', 'teams/red.yml'], (dir: string) => edit(dir, (y) => y.replace('strategies/best-gain-worst-loss.yml', '/etc/passwd')), /^arena: teams\/red\.yml: strategy: expected a strategy file .*, got "\/etc\/passwd": expected a YAML mapping \(key: value lines\), got a plain text of \d+ characters$/],
  ] as const)('%s: exit 2 and one line naming the flag or field and what is expected', { timeout: 60_000 }, async (_what, args, prepare, pattern) => {
    const dir = project();
    prepare?.(dir);
    const r = await arena(dir, ['season', ...args]);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    // Never a line of a file that is not a config file.
    expect(r.stderr).not.toMatch(/root:x:0:0/);
    expect(r.stdout).toBe('');
  });

  it('a missing secret for a non-default adapter names the variable (exit 2)', { timeout: 60_000 }, async () => {
    const dir = project((y) => y.replace(/provider: sample[^\n]*/, 'provider: alphavantage'));
    const r = await arena(dir, ['cycle', '--team', 'teams/red.yml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing secret ALPHAVANTAGE_API_KEY/);
  });

  it('arena doctor reads MLFLOW_TRACKING_URI from .env.secrets and prints it without the password', { timeout: 60_000 }, async () => {
    const dir = project();
    writeFileSync(path.join(dir, '.env.secrets'), 'MLFLOW_TRACKING_URI=http://alice:s3cr3t-pw@127.0.0.1:9\n');
    const r = await arena(dir, ['doctor', '--team', 'teams/red.yml']);
    const line = r.stdout.split('\n').find((l) => /^\S+ +mlflow /.test(l));
    expect(line).toMatch(/mlflow +http:\/\/\*\*\*@127\.0\.0\.1:9/);
    expect(r.stdout + r.stderr).not.toMatch(/s3cr3t-pw|alice/);
  });

  it('bad usage exits 2; --help exits 0', { timeout: 60_000 }, async () => {
    const dir = project();
    expect((await arena(dir, ['season'])).code).toBe(2);
    expect((await arena(dir, ['season', '--teams', 'teams/red.yml', '--from', '2017-13-01'])).code).toBe(2);
    expect((await arena(dir, ['nonsense'])).code).toBe(2);
    const help = await arena(dir, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/season/);
  });

  it('a season that cannot have enough history says so (exit 2)', { timeout: 60_000 }, async () => {
    const dir = project();
    const r = await arena(dir, [...season, '--from', '2010-01-04', '--to', '2010-03-01']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/too little history/);
  });

  it('arena drift writes the DESIGN.md JSON shape', { timeout: 60_000 }, async () => {
    const dir = project();
    const rows = (shift: number) => ['a,b', ...Array.from({ length: 200 }, (_, i) => `${(i % 50) + shift},${i % 3 === 0 ? 'x' : 'y'}`)].join('\n');
    writeFileSync(path.join(dir, 'ref.csv'), rows(0));
    writeFileSync(path.join(dir, 'cur.csv'), rows(30));
    const r = await arena(dir, ['drift', '--reference', 'ref.csv', '--current', 'cur.csv', '--out', 'drift.json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, 'drift.json'), 'utf8')) as { dataset_drift: boolean; drift_share: number; columns: Record<string, { type: string; test: string; score: number; threshold: number; drift: boolean }> };
    expect(report.columns.a?.drift).toBe(true);
    expect(report.columns.b?.drift).toBe(false);
    expect(report.columns.b?.type).toBe('cat');
    expect(report.drift_share).toBe(0.5);
  });
});
