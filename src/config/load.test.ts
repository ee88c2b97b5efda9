import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTeam, loadTeams } from './load.ts';
import { loadEnv } from './env.ts';
import { ConfigError, MissingSecretError } from '../core/errors.ts';
import { REPO_ROOT } from '../testing/services.ts';

/** A scratch project with the real team and strategy files; `edit` rewrites teams/red.yml. */
function project(edit?: (yaml: string) => string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-config-'));
  cpSync(path.join(REPO_ROOT, 'teams'), path.join(dir, 'teams'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
  if (edit) {
    const f = path.join(dir, 'teams', 'red.yml');
    writeFileSync(f, edit(readFileSync(f, 'utf8')));
  }
  return dir;
}

const noSecrets = loadEnv({ file: '/nonexistent/.env.secrets', env: {} });

async function configError(edit: (yaml: string) => string): Promise<ConfigError> {
  const root = project(edit);
  try {
    await loadTeam('teams/red.yml', { root, secrets: noSecrets });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).not.toContain('\n');
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('team configuration', () => {
  it('the shipped red and blue teams load and differ in symbols and model', async () => {
    const [red, blue] = await loadTeams(['teams/red.yml', 'teams/blue.yml'], { root: project(), secrets: noSecrets });
    expect(red?.team).toBe('red');
    expect(blue?.team).toBe('blue');
    expect(red?.symbols).not.toEqual(blue?.symbols);
    expect(red?.model.output.feature).not.toBe(blue?.model.output.feature);
    expect(red?.strategy.kind).toBe('best-gain-worst-loss');
  });

  it('a wrong type names file, field, expectation and the value', async () => {
    const err = await configError((y) => y.replace('epochs: 25', 'epochs: ten'));
    expect(err.message).toBe('teams/red.yml: model.trainer.epochs: expected a positive integer, got "ten"');
  });

  it('an unknown key (a typo) is an error', async () => {
    const err = await configError((y) => y.replace('batch_size: 128', 'batch_sise: 128'));
    expect(err.message).toMatch(/^teams\/red\.yml: model\.trainer/);
    expect(err.message).toContain('batch_sise');
  });

  it('a missing strategy file names the strategy field', async () => {
    const err = await configError((y) => y.replace('strategies/best-gain-worst-loss.yml', 'strategies/nope.yml'));
    expect(err.message).toMatch(/^teams\/red\.yml: strategy: .*nope\.yml/);
  });

  it('an unknown symbol names its index and what the data source has', async () => {
    const err = await configError((y) => y.replace('symbols: [AAPL, MSFT, GOOGL]', 'symbols: [AAPL, MSFTT, GOOGL]'));
    expect(err.message).toMatch(/^teams\/red\.yml: symbols\[1\]: unknown symbol "MSFTT"/);
  });

  it('a symbol that is not a ticker (markup from a CSV file name) is refused before it can reach a report', async () => {
    const err = await configError((y) => y.replace('symbols: [AAPL, MSFT, GOOGL]', 'symbols: [AAPL, "<img src=x onerror=alert(1)>"]'));
    expect(err.message).toMatch(/^teams\/red\.yml: symbols\[1\]: expected an upper-case ticker such as MSFT/);
  });

  it('invalid YAML names the line', async () => {
    const err = await configError((y) => y.replace('team: red', 'team: [red'));
    expect(err.message).toMatch(/^teams\/red\.yml: line \d+, column \d+: expected valid YAML: .* \([A-Z_]+\)$/);
  });

  it('a missing file is a ConfigError naming it', async () => {
    await expect(loadTeam('teams/none.yml', { root: project(), secrets: noSecrets })).rejects.toThrow(/^teams\/none\.yml: file not found$/);
  });

  it('a missing secret for a non-default adapter names the variable', async () => {
    const root = project((y) => y.replace('provider: sample          # sample | csv | alphavantage | alpaca', 'provider: alphavantage'));
    await expect(loadTeam('teams/red.yml', { root, secrets: noSecrets })).rejects.toThrow(MissingSecretError);
    await expect(loadTeam('teams/red.yml', { root, secrets: noSecrets })).rejects.toThrow(/ALPHAVANTAGE_API_KEY/);
    const ok = loadEnv({ file: '/nonexistent', env: { ALPHAVANTAGE_API_KEY: 'k-123' } });
    await expect(loadTeam('teams/red.yml', { root, secrets: ok })).resolves.toMatchObject({ team: 'red' });
  });

  it('secrets come from .env.secrets, and the environment wins', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-secrets-'));
    writeFileSync(path.join(dir, '.env.secrets'), 'ALPHAVANTAGE_API_KEY=from-file\nMINIO_ACCESS_KEY=file-minio\n');
    const s = loadEnv({ cwd: dir, env: { MINIO_ACCESS_KEY: 'env-minio' } });
    expect(s.get('ALPHAVANTAGE_API_KEY')).toBe('from-file');
    expect(s.get('MINIO_ACCESS_KEY')).toBe('env-minio');
  });

  it('two teams with the same name are refused', async () => {
    const root = project();
    writeFileSync(path.join(root, 'teams', 'red2.yml'), readFileSync(path.join(root, 'teams', 'red.yml'), 'utf8').replace('port: 8401', 'port: 8409'));
    await expect(loadTeams(['teams/red.yml', 'teams/red2.yml'], { root, secrets: noSecrets })).rejects.toThrow(/^teams\/red2\.yml: team: expected a unique team name/);
  });
});
