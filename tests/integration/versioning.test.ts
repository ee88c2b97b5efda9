/**
 * The DVC + git versioner against real DVC and a real MinIO (scripts/services.sh start).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'minio';
import { simpleGit } from 'simple-git';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.ts';
import { DvcGitVersioner } from '../../src/versioning/index.ts';
import { needServices } from '../helpers/services.ts';

const run = promisify(execFile);
const env = needServices('DVC + MinIO', ['DVC_BIN', 'MINIO_ENDPOINT', 'MINIO_ACCESS_KEY', 'MINIO_SECRET_KEY']);

function workspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-ws-'));
  mkdirSync(path.join(dir, 'models', 'v0001'), { recursive: true });
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  writeFileSync(path.join(dir, 'models', 'v0001', 'weights.bin'), Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251)));
  writeFileSync(path.join(dir, 'data', 'AAPL.csv'), 'date,close\n2017-11-09,175.88\n2017-11-10,174.67\n');
  return dir;
}

/** A TCP forwarder to MinIO on a fixed port that can be down (nothing listens) or up. */
async function switchableProxy(target: URL): Promise<{ endpoint: string; up(): Promise<void>; down(): Promise<void> }> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  let srv: Server | null = null;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async up() {
      srv = createServer((c) => {
        const s = connect(Number(target.port), target.hostname);
        c.pipe(s).pipe(c);
        c.on('error', () => s.destroy());
        s.on('error', () => c.destroy());
      });
      await new Promise<void>((r) => (srv as Server).listen(port, '127.0.0.1', r));
    },
    async down() {
      if (srv) await new Promise((r) => (srv as Server).close(r));
      srv = null;
    },
  };
}

describe.skipIf(!env)('DvcGitVersioner (real DVC, real MinIO)', () => {
  const e = (env ?? {}) as Record<string, string>;
  const bucket = `arena-test-${Date.now().toString(36)}`;
  const url = new URL(e.MINIO_ENDPOINT ?? 'http://127.0.0.1:9');
  const minio = new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: e.MINIO_ACCESS_KEY as string, secretKey: e.MINIO_SECRET_KEY as string });
  const remote = { endpoint: e.MINIO_ENDPOINT as string, bucket, accessKey: e.MINIO_ACCESS_KEY as string, secretKey: e.MINIO_SECRET_KEY as string };

  it('commits .dvc pointers (not the data), skips empty commits, pushes to MinIO and pulls back byte-identical', { timeout: 180_000 }, async () => {
    await minio.makeBucket(bucket);
    const dir = workspace();
    const v = await DvcGitVersioner.open({ workspaceDir: dir, team: 'red', dvcBin: e.DVC_BIN as string, remote, logger: silentLogger() });
    const r1 = await v.commitCycle({ date: '2017-11-10', runId: 'red-2017-11-10', paths: ['data', 'models', 'reports'], message: 'arena(red): cycle 2017-11-10' });
    expect(r1.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(r1.pushed).toBe(true);
    expect(r1.notes.join(' ')).toMatch(/not present.*reports/);
    const git = simpleGit(dir);
    const files = (await git.raw(['ls-tree', '-r', '--name-only', 'HEAD'])).split('\n');
    expect(files).toContain('data.dvc');
    expect(files).toContain('models.dvc');
    expect(files).not.toContain('data/AAPL.csv');
    expect(files).not.toContain('.dvc/config.local');
    expect(readFileSync(path.join(dir, '.dvc', 'config'), 'utf8')).not.toContain(remote.secretKey);
    expect((await git.log()).latest?.message).toBe('arena(red): cycle 2017-11-10');

    const r2 = await v.commitCycle({ date: '2017-11-10', runId: 'again', paths: ['data', 'models'], message: 'again' });
    expect(r2.commit).toBe(r1.commit);
    expect(r2.notes).toContain('nothing changed since the last commit');

    const objects: string[] = [];
    for await (const o of minio.listObjectsV2(bucket, 'red/', true)) if (o.name) objects.push(o.name);
    expect(objects.length).toBeGreaterThanOrEqual(2);

    const original = readFileSync(path.join(dir, 'models', 'v0001', 'weights.bin'));
    rmSync(path.join(dir, 'models'), { recursive: true });
    rmSync(path.join(dir, '.dvc', 'cache'), { recursive: true, force: true });
    await run(e.DVC_BIN as string, ['pull'], { cwd: dir, env: { ...process.env, DVC_NO_ANALYTICS: '1' } });
    expect(readFileSync(path.join(dir, 'models', 'v0001', 'weights.bin')).equals(original)).toBe(true);
  });

  it('a dead remote keeps the commit, says so, and the next cycle pushes it', { timeout: 300_000 }, async () => {
    const dir = workspace();
    const proxy = await switchableProxy(url);
    const v = await DvcGitVersioner.open({ workspaceDir: dir, team: 'blue', dvcBin: e.DVC_BIN as string, remote: { ...remote, endpoint: proxy.endpoint }, logger: silentLogger() });
    const r1 = await v.commitCycle({ date: '2017-11-10', runId: 'x', paths: ['data', 'models'], message: 'cycle 1' });
    expect(r1.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(r1.pushed).toBe(false);
    expect(r1.notes.join(' ')).toMatch(/dvc push .* failed.*next cycle pushes it again/);
    expect(r1.notes.join(' ')).not.toContain(remote.secretKey);
    expect(existsSync(path.join(dir, 'data.dvc'))).toBe(true);

    // MinIO is reachable again: nothing new to commit, but the pending push goes out.
    await proxy.up();
    const r2 = await v.commitCycle({ date: '2017-11-13', runId: 'y', paths: ['data', 'models'], message: 'cycle 2' });
    expect(r2.commit).toBe(r1.commit);
    expect(r2.pushed).toBe(true);
    const objects: string[] = [];
    for await (const o of minio.listObjectsV2(bucket, 'blue/', true)) if (o.name) objects.push(o.name);
    expect(objects.length).toBeGreaterThanOrEqual(2);
    await proxy.down();
  });
});
