import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadEnv } from '../config/env.ts';
import { closeLogger, createLogger } from './log.ts';
import { clearSecretValuesForTests } from './redact.ts';

describe('logging', () => {
  afterEach(() => {
    clearSecretValuesForTests();
    vi.restoreAllMocks();
  });

  it('writes readable console lines and JSON lines, with secret values redacted in both', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-log-'));
    writeFileSync(path.join(dir, '.env.secrets'), 'ALPHAVANTAGE_API_KEY=AVKEY-1234567\nMINIO_SECRET_KEY=minio-secret-xyz\n');
    loadEnv({ cwd: dir, env: {} });
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const file = path.join(dir, 'logs', 'arena.jsonl');
    const logger = createLogger({ stderr: true, jsonFile: file });
    logger.warn('request failed: https://example.test/query?apikey=AVKEY-1234567', { team: 'red', date: '2017-11-10', detail: { secret: 'minio-secret-xyz' } });
    logger.info('cycle done', { team: 'red' });
    await closeLogger(logger);
    const console = written.join('');
    expect(console).toMatch(/warn \[red 2017-11-10\] request failed: https:\/\/example\.test\/query\?apikey=\*\*\*/);
    expect(console).toMatch(/info \[red\] cycle done/);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'warn', team: 'red', date: '2017-11-10' });
    const all = console + readFileSync(file, 'utf8');
    expect(all).not.toContain('AVKEY-1234567');
    expect(all).not.toContain('minio-secret-xyz');
  });
});
