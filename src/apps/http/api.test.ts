import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { TeamConfig } from '../../config/load.ts';
import type { ModelRegistry } from '../../adapters/models/registry.ts';
import { Journal } from '../../engine/journal.ts';
import { buildApi, daemonMetrics, tokenMatches, type DaemonState } from './api.ts';

const state = (): DaemonState => ({ lastCycle: null, lastPrepared: null, lastError: null, running: false, paused: false, nextCycle: null, retrainRequested: false, startedAt: 't' });

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

/** The API over a scratch workspace: a reports folder with one page, a journal file, a token. */
async function api(token: string | undefined = 'secret-token-123') {
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-api-'));
  const reportsDir = path.join(dir, 'reports', 'red');
  mkdirSync(reportsDir, { recursive: true });
  writeFileSync(path.join(reportsDir, 'trading.html'), '<p>trading</p>');
  writeFileSync(path.join(dir, 'outside.txt'), 'not a report');
  const journalFile = path.join(dir, 'state', 'journal.jsonl');
  const journal = new Journal(journalFile);
  // What the daemon does at start, before any cycle has run.
  const metrics = daemonMetrics('red');
  await metrics.refresh(journal);
  app = buildApi({ team: { team: 'red' } as TeamConfig, state: state(), metrics, journal, registry: {} as ModelRegistry, reportsDir, token });
  return { app, dir, reportsDir, journalFile };
}

describe('daemon API', () => {
  it('serves reports, and a percent-encoded percent sign is a 404, not a 500', async () => {
    const { app: a } = await api();
    expect((await a.inject('/reports/trading.html')).body).toBe('<p>trading</p>');
    expect((await a.inject('/reports/')).statusCode).toBe(200);
    expect((await a.inject('/reports/%25')).statusCode).toBe(404);
    expect((await a.inject('/reports/%25zz%25')).statusCode).toBe(404);
    expect((await a.inject('/reports/..%2F..%2Foutside.txt')).statusCode).toBe(403);
  });

  it('refuses a symbolic link inside the reports folder that resolves outside it', async () => {
    const { app: a, dir, reportsDir } = await api();
    symlinkSync(path.join(dir, 'outside.txt'), path.join(reportsDir, 'leak.html'));
    symlinkSync('/etc', path.join(reportsDir, 'etc'));
    const leak = await a.inject('/reports/leak.html');
    expect(leak.statusCode).toBe(403);
    expect(leak.body).not.toContain('not a report');
    expect((await a.inject('/reports/etc/passwd')).statusCode).toBe(403);
    // A link that stays inside is fine.
    symlinkSync(path.join(reportsDir, 'trading.html'), path.join(reportsDir, 'latest.html'));
    expect((await a.inject('/reports/latest.html')).body).toBe('<p>trading</p>');
  });

  it('/predictions/latest sees predictions the cycles append while the daemon runs', async () => {
    const { app: a, journalFile } = await api();
    expect((await a.inject('/predictions/latest')).statusCode).toBe(404);
    // A cycle writes through its own Journal on the same file (as runOneCycle does).
    const cycleJournal = await new Journal(journalFile).load();
    await cycleJournal.record('2017-11-09', 'predict', {
      predictions: [{ id: '2017-11-09:AAPL', date: '2017-11-09', symbol: 'AAPL', close: 175, value: 0.004, expectedReturn: 0.004, probabilityUp: null, model_version: 'v0001' }],
      skipped: {},
    });
    const r = await a.inject('/predictions/latest');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ date: '2017-11-09', predictions: [{ symbol: 'AAPL', value: 0.004 }] });
  });

  it('mutating endpoints need the exact bearer token (compared in constant time)', async () => {
    const { app: a } = await api('secret-token-123');
    const post = (auth?: string) => a.inject({ method: 'POST', url: '/pause', ...(auth ? { headers: { authorization: auth } } : {}) });
    expect((await post()).statusCode).toBe(401);
    expect((await post('Bearer secret-token-12')).statusCode).toBe(401);
    expect((await post('Bearer secret-token-1234')).statusCode).toBe(401);
    expect((await post('secret-token-123')).statusCode).toBe(401);
    expect((await post('Bearer secret-token-123')).statusCode).toBe(200);
    expect(tokenMatches(undefined, 'x')).toBe(false);
    expect(tokenMatches('Bearer x', 'x')).toBe(true);
  });
});
