/**
 * Issue 7: "MinIO stopped during a cycle and started again before the next: every artifact reaches
 * the bucket once." The test runs its own MinIO server process (the shared one from
 * scripts/services.sh stays up for other tests), kills it while a real `arena cycle` runs, right
 * after the trade step and before the version step, restarts it on the same port and data dir, and
 * runs the next cycle.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'minio';
import { simpleGit } from 'simple-git';
import { afterAll, describe, expect, it } from 'vitest';
import { findDvc } from '../../src/adapters/versioning/index.ts';
import { needServices, servicesEnv, servicesRequired } from '../../src/testing/services.ts';
import { pollUntil, runArena, startProcess, type TrackedProcess } from '../../src/testing/processes.ts';
import { arenaProject } from '../../src/testing/workspace.ts';

const run = promisify(execFile);
const MINIO_BIN = path.join(process.env.ARENA_CACHE ?? path.join(homedir(), '.cache', 'paper-arena'), 'bin', 'minio');

/** The MinIO binary scripts/services.sh builds; missing → a loud failure in CI, a visible skip elsewhere. */
function needMinioBinary(): string | null {
  if (existsSync(MINIO_BIN)) return MINIO_BIN;
  const msg = `MinIO server binary: ${MINIO_BIN} is missing; run \`bash scripts/services.sh setup\` first`;
  if (servicesRequired()) throw new Error(msg);
  console.warn(`SKIPPED ${msg}`);
  return null;
}

const dvcBin = servicesEnv().DVC_BIN ?? (await findDvc()) ?? needServices('DVC', ['DVC_BIN'])?.DVC_BIN ?? null;
const minioBin = dvcBin ? needMinioBinary() : null;

const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** A MinIO server of our own: started, killed and restarted on the same port and data directory. */
class OwnMinio {
  private proc: TrackedProcess | null = null;
  readonly user = `arena${randomBytes(4).toString('hex')}`;
  readonly password = randomBytes(20).toString('hex');
  constructor(
    private readonly bin: string,
    readonly port: number,
    readonly dataDir: string,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    // A clean environment: MinIO also reads the legacy MINIO_ACCESS_KEY/SECRET_KEY the shared services use.
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, MINIO_ROOT_USER: this.user, MINIO_ROOT_PASSWORD: this.password, MINIO_BROWSER: 'off', MINIO_UPDATE: 'off' };
    const proc = startProcess(this.bin, ['server', '--quiet', '--address', `127.0.0.1:${this.port}`, this.dataDir], { env });
    this.proc = proc;
    await pollUntil(`MinIO (${this.bin}) answering ${this.endpoint}/minio/health/live`, () => fetch(`${this.endpoint}/minio/health/live`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false), { whileRunning: proc, everyMs: 200 });
  }

  /** SIGKILL, as a crash or an OOM kill would: no graceful shutdown. Resolves once the process is gone. */
  async kill(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    await proc?.killGroup();
  }

  client(): Client {
    return new Client({ endPoint: '127.0.0.1', port: this.port, useSSL: false, accessKey: this.user, secretKey: this.password });
  }
}

/** Every object version under prefix: name → number of versions (MinIO keeps one per upload when versioning is on). */
async function versionsUnder(client: Client, bucket: string, prefix: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const o of client.listObjects(bucket, prefix, true, { IncludeVersion: true })) {
    if (o.name) out.set(o.name, (out.get(o.name) ?? 0) + 1);
  }
  return out;
}

/**
 * Every md5 the commit references: each `.dvc` file's outs, and for a directory the entries of its
 * `.dir` manifest (read from the workspace's own DVC cache, not from the remote under test).
 */
async function md5sOfCommit(ws: string, commit: string): Promise<{ dvcFiles: string[]; md5s: Set<string> }> {
  const git = simpleGit(ws);
  const out = new Set<string>();
  const dvcFiles = (await git.raw(['ls-tree', '-r', '--name-only', commit])).split('\n').filter((f) => f.endsWith('.dvc'));
  for (const f of dvcFiles) {
    for (const m of (await git.show([`${commit}:${f}`])).matchAll(/md5:\s*([0-9a-f]{32}(?:\.dir)?)/g)) {
      const md5 = m[1] as string;
      out.add(md5);
      if (!md5.endsWith('.dir')) continue;
      const manifest = JSON.parse(readFileSync(path.join(ws, '.dvc', 'cache', 'files', 'md5', md5.slice(0, 2), md5.slice(2)), 'utf8')) as { md5: string }[];
      for (const e of manifest) out.add(e.md5);
    }
  }
  return { dvcFiles, md5s: out };
}

describe.skipIf(!dvcBin || !minioBin)('MinIO killed during a cycle (own MinIO process, real DVC, real `arena cycle`)', () => {
  it('the cycle completes and owes the push; after a restart the next cycle pushes both cycles, every object exactly once', { timeout: 600_000 }, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'arena-minio-data-'));
    temps.push(dataDir);
    const minio = new OwnMinio(minioBin as string, await freePort(), dataDir);
    await minio.start();
    const prefix = `out${Date.now().toString(36)}`;
    const bucket = `${prefix}-dvc`;
    // Versioning on: a second upload of the same object would show as a second version.
    const s3 = minio.client();
    await s3.makeBucket(bucket);
    await s3.setBucketVersioning(bucket, { Status: 'Enabled' });
    expect((await s3.getBucketVersioning(bucket)) as unknown).toMatchObject({ Status: 'Enabled' });

    const p = arenaProject({ storage: `{ kind: fs, bucket_prefix: ${prefix} }`, versioning: '{ enabled: true, dvc_remote: minio }', prefix: 'arena-outage-' });
    temps.push(p.dir);
    const env: NodeJS.ProcessEnv = { ...process.env, DVC_BIN: dvcBin as string, MINIO_ENDPOINT: minio.endpoint, MINIO_ACCESS_KEY: minio.user, MINIO_SECRET_KEY: minio.password };
    const cycle = (date: string, onStderrLine?: (line: string) => void) =>
      runArena(p.dir, ['cycle', '--team', p.teamFile, '--date', date], { env, onLine: (line, stream) => stream === 'stderr' && onStderrLine?.(line) });

    // Cycle 1: MinIO is up when the cycle opens the workspace, and killed the moment the trade step
    // is done, i.e. before the version step's `dvc add` (which takes seconds) and its push.
    const events: string[] = [];
    let killed: Promise<void> | null = null;
    const c1 = await cycle('2017-11-09', (line) => {
      if (/\] trade done in /.test(line) && !killed) {
        events.push('trade done');
        killed = minio.kill().then(() => void events.push('minio killed'));
      }
      if (/\] versioned .* in commit /.test(line)) events.push('versioned');
    });
    await killed;
    expect(c1.code, c1.stderr).toBe(0);
    expect(events.slice(0, 2)).toEqual(['trade done', 'minio killed']);
    expect(events).toContain('versioned');
    expect(c1.stdout).toMatch(/^red 2017-11-09: ran .*version/m);
    const portRe = `http://127\\.0\\.0\\.1:${minio.port}`;
    expect(c1.stderr).toMatch(new RegExp(`dvc push to ${portRe} \\(bucket ${bucket}\\) failed: .*the commit is kept.*next cycle pushes it again`));
    expect(c1.stderr).not.toContain(minio.password);
    const ws = p.workspace;
    const first = (await simpleGit(ws).revparse(['HEAD'])).trim();
    expect((await simpleGit(ws).log()).latest?.message).toBe('arena(red): cycle 2017-11-09 run red-2017-11-09');
    expect(existsSync(path.join(ws, '.dvc', 'tmp', 'arena-pending-push.json'))).toBe(true);

    // Back up before the next cycle, on the same port and data: the bucket is there, empty of red's data.
    await minio.start();
    expect(await s3.bucketExists(bucket)).toBe(true);
    expect([...(await versionsUnder(s3, bucket, 'red/')).keys()]).toEqual([]);

    const c2 = await cycle('2017-11-10');
    expect(c2.code, c2.stderr).toBe(0);
    expect(c2.stderr).not.toMatch(/dvc push .* failed/);
    const second = (await simpleGit(ws).revparse(['HEAD'])).trim();
    expect(second).not.toBe(first);
    expect((await simpleGit(ws).log()).all.map((c) => c.hash)).toEqual([second, first]);
    expect(existsSync(path.join(ws, '.dvc', 'tmp', 'arena-pending-push.json'))).toBe(false);
    const status = await run(dvcBin as string, ['status', '-c', '--json'], { cwd: ws, env: { ...process.env, DVC_NO_ANALYTICS: '1' } });
    expect(JSON.parse(status.stdout)).toEqual({});

    // Exactly the objects of both commits, each uploaded once, each intact (content md5 = its name).
    const { dvcFiles, md5s: ofFirst } = await md5sOfCommit(ws, first);
    const { md5s: ofSecond } = await md5sOfCommit(ws, second);
    expect(dvcFiles.sort()).toEqual(['data.dvc', 'features.dvc', 'models.dvc', 'predictions.dvc', 'reports.dvc']);
    const expected = new Set([...ofFirst, ...ofSecond]);
    // Both cycles have objects of their own (the second one's data changed), so both pushes are checked.
    expect(expected.size).toBeGreaterThan(ofFirst.size);
    expect(expected.size).toBeGreaterThan(ofSecond.size);
    const versions = await versionsUnder(s3, bucket, '');
    const names = [...versions.keys()];
    expect(names.every((n) => n.startsWith('red/files/md5/'))).toBe(true);
    const md5s = names.map((n) => n.slice('red/files/md5/'.length).replace('/', ''));
    expect(md5s.length).toBe(expected.size);
    expect([...md5s].sort()).toEqual([...expected].sort());
    expect([...versions.values()].every((n) => n === 1)).toBe(true);
    for (const [name, md5] of names.map((n, i) => [n, md5s[i] as string] as const)) {
      const chunks: Buffer[] = [];
      for await (const c of await s3.getObject(bucket, name)) chunks.push(c as Buffer);
      expect(createHash('md5').update(Buffer.concat(chunks)).digest('hex'), name).toBe(md5.replace(/\.dir$/, ''));
    }
    await minio.kill();
  });
});
