import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnv } from './env.ts';

function project(secrets: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-env-'));
  writeFileSync(path.join(dir, '.env.secrets'), secrets);
  return dir;
}

describe('.env.secrets', () => {
  it('MLFLOW_TRACKING_URI (and the token) are read from .env.secrets, as the template lists them', () => {
    const cwd = project('MLFLOW_TRACKING_URI=http://alice:pw-123456@mlflow.example:5000\nMLFLOW_TRACKING_TOKEN=tok-abcdef\n');
    const env = loadEnv({ cwd, env: {} });
    expect(env.endpoints.mlflow).toBe('http://alice:pw-123456@mlflow.example:5000');
    expect(env.get('MLFLOW_TRACKING_TOKEN')).toBe('tok-abcdef');
  });

  it('the environment wins over the file; an empty variable does not blank the file value', () => {
    const cwd = project('MLFLOW_TRACKING_URI=http://from-file:5000\n');
    expect(loadEnv({ cwd, env: { MLFLOW_TRACKING_URI: 'http://from-env:5000' } }).endpoints.mlflow).toBe('http://from-env:5000');
    expect(loadEnv({ cwd, env: { MLFLOW_TRACKING_URI: '' } }).endpoints.mlflow).toBe('http://from-file:5000');
    expect(loadEnv({ cwd: project(''), env: {} }).endpoints.mlflow).toBeUndefined();
  });
});
