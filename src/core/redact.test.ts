import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeLogger, createLogger } from './log.ts';
import { redact } from './redact.ts';

describe('URL credentials in logged lines', () => {
  afterEach(() => vi.restoreAllMocks());

  it('userinfo is redacted in any URL, keeping scheme, host and path', () => {
    expect(redact('MLflow at http://alice:s3cr3t@mlflow.local:5000/api failed')).toBe('MLflow at http://***@mlflow.local:5000/api failed');
    expect(redact('remote https://token@github.com/x/y.git')).toBe('remote https://***@github.com/x/y.git');
    expect(redact('no credentials: http://mlflow.local:5000')).toBe('no credentials: http://mlflow.local:5000');
  });

  it('the console and the workspace log (JSON lines) never carry the password of an MLflow URI', async () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'arena-redact-')), 'logs', 'arena.jsonl');
    const logger = createLogger({ stderr: true, jsonFile: file });
    logger.warn('MLflow: run r1 kept locally only (fetch failed: http://alice:s3cr3t-pw@127.0.0.1:9/api/2.0/mlflow/runs/create)', { team: 'red', detail: { uri: 'http://alice:s3cr3t-pw@127.0.0.1:9' } });
    await closeLogger(logger);
    const all = written.join('') + readFileSync(file, 'utf8');
    expect(all).toContain('http://***@127.0.0.1:9');
    expect(all).not.toContain('s3cr3t-pw');
    expect(all).not.toContain('alice');
  });
});
