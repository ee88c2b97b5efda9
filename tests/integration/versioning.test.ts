/**
 * The DVC + git versioner against real DVC (and a real MinIO when scripts/services.sh runs one).
 * Every server is on 127.0.0.1; workspaces are temp directories.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'minio';
import { simpleGit } from 'simple-git';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.ts';
import { DvcGitVersioner, findDvc, VersioningError } from '../../src/adapters/versioning/index.ts';
import { needServices, servicesEnv } from '../../src/testing/services.ts';
import { scratchDirs } from '../../src/testing/workspace.ts';

const run = promisify(execFile);
const dvcBin = servicesEnv().DVC_BIN ?? (await findDvc()) ?? needServices('DVC', ['DVC_BIN'])?.DVC_BIN ?? null;
const minioEnv = dvcBin ? needServices('MinIO (DVC remote)', ['MINIO_ENDPOINT', 'MINIO_ACCESS_KEY', 'MINIO_SECRET_KEY']) : null;
const dvcEnv = { ...process.env, DVC_NO_ANALYTICS: '1' };

const tempDir = scratchDirs();

function workspace(): string {
  const dir = tempDir('arena-ws-');
  mkdirSync(path.join(dir, 'models', 'v0001'), { recursive: true });
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  mkdirSync(path.join(dir, 'lineage'), { recursive: true });
  writeFileSync(path.join(dir, 'models', 'v0001', 'weights.bin'), Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251)));
  writeFileSync(path.join(dir, 'data', 'AAPL.csv'), 'date,close\n2017-11-09,175.88\n2017-11-10,174.67\n');
  writeFileSync(path.join(dir, 'x.bin'), Buffer.from('a single tracked file\n'));
  writeFileSync(path.join(dir, 'lineage', '2017-11-10.json'), '{"orders":[]}\n');
  return dir;
}

async function tree(dir: string): Promise<string[]> {
  return (await simpleGit(dir).raw(['ls-tree', '-r', '--name-only', 'HEAD'])).split('\n').filter(Boolean);
}

/**
 * The remote objects a push of workspace()'s data/ and models/ must create under `prefix`: each file's
 * md5 (hashed here, independently of DVC) and each directory's manifest (`<md5>.dir`, as the commit names it).
 */
function pushedObjects(prefix: string, dir: string, dirMd5: Record<string, string>): string[] {
  const name = (md5: string) => `${prefix}files/md5/${md5.slice(0, 2)}/${md5.slice(2)}`;
  const fileMd5 = (rel: string) => createHash('md5').update(readFileSync(path.join(dir, rel))).digest('hex');
  return [fileMd5('data/AAPL.csv'), fileMd5('models/v0001/weights.bin'), dirMd5.data as string, dirMd5.models as string].map(name).sort();
}

async function commitCount(dir: string): Promise<number> {
  return Number((await simpleGit(dir).raw(['rev-list', '--count', 'HEAD'])).trim());
}

describe.skipIf(!dvcBin)('DvcGitVersioner (real DVC, no remote)', () => {
  const bin = dvcBin as string;
  const open = (dir: string) => DvcGitVersioner.open({ workspaceDir: dir, team: 'red', dvcBin: bin, logger: silentLogger() });

  it('commits .dvc pointers (not the data), commits nothing when nothing changed, and a new commit when data changes', { timeout: 180_000 }, async () => {
    const dir = workspace();
    const v = await open(dir);
    const r1 = await v.commitCycle({ date: '2017-11-10', runId: 'red-2017-11-10', paths: ['data', 'models', 'x.bin', 'reports'], gitPaths: ['lineage'], message: 'arena(red): cycle 2017-11-10' });
    expect(r1.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(r1.pushed).toBe(false);
    expect(r1.notes).toEqual(['not present, not versioned: reports']);
    expect(r1.md5?.data).toMatch(/^[0-9a-f]{32}\.dir$/);
    expect(r1.md5?.['x.bin']).toMatch(/^[0-9a-f]{32}$/);

    const files = await tree(dir);
    expect(files).toEqual(expect.arrayContaining(['x.bin.dvc', 'data.dvc', 'models.dvc', '.gitignore', '.dvc/config', '.dvc/.gitignore', '.dvcignore', 'lineage/2017-11-10.json']));
    expect(files).not.toContain('x.bin');
    expect(files).not.toContain('data/AAPL.csv');
    expect(files.some((f) => f.startsWith('models/'))).toBe(false);
    const git = simpleGit(dir);
    const latest = (await git.log()).latest;
    expect(latest?.message).toBe('arena(red): cycle 2017-11-10');
    expect(latest?.body).toContain('Arena-Run: red-2017-11-10');
    expect(latest?.author_name).toBe('arena-red');
    expect(latest?.author_email).toBe('arena-red@paper-arena.local');
    expect((await git.status()).isClean()).toBe(true);

    const r2 = await v.commitCycle({ date: '2017-11-10', runId: 'again', paths: ['data', 'models', 'x.bin'], gitPaths: ['lineage'], message: 'again' });
    expect(r2.commit).toBe(r1.commit);
    expect(r2.notes).toContain('nothing changed since the last commit');
    expect(await commitCount(dir)).toBe(1);

    writeFileSync(path.join(dir, 'data', 'AAPL.csv'), 'date,close\n2017-11-09,175.88\n2017-11-10,174.67\n2017-11-13,173.97\n');
    const r3 = await v.commitCycle({ date: '2017-11-13', runId: 'red-2017-11-13', paths: ['data', 'models', 'x.bin'], message: 'arena(red): cycle 2017-11-13' });
    expect(r3.commit).not.toBe(r1.commit);
    expect(r3.md5?.data).not.toBe(r1.md5?.data);
    expect(r3.md5?.models).toBe(r1.md5?.models);
    expect(await commitCount(dir)).toBe(2);
    expect((await git.show(['--name-only', '--format=', 'HEAD'])).trim().split('\n')).toEqual(['data.dvc']);
  });

  it('serialises concurrent calls, reopens an existing workspace without changes, and refuses paths outside it', { timeout: 180_000 }, async () => {
    // The workspace sits inside another git repository, as workspaces/ does in this repo: it gets its own.
    const outer = tempDir('arena-outer-');
    await simpleGit(outer).init();
    const dir = path.join(outer, 'workspaces', 'red');
    mkdirSync(dir, { recursive: true });
    const src = workspace();
    for (const p of ['data', 'models']) rmSync(path.join(dir, p), { recursive: true, force: true });
    await run('cp', ['-r', path.join(src, 'data'), path.join(src, 'models'), dir]);
    const v = await open(dir);
    expect(existsSync(path.join(dir, '.git'))).toBe(true);

    const [a, b] = await Promise.all([
      v.commitCycle({ date: '2017-11-10', runId: 'a', paths: ['data'], message: 'a' }),
      v.commitCycle({ date: '2017-11-10', runId: 'b', paths: ['models'], message: 'b' }),
    ]);
    expect(a.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(b.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(b.commit).not.toBe(a.commit);
    expect((await simpleGit(dir).log()).all.map((c) => c.message)).toEqual(['b', 'a']);

    const again = await open(dir);
    expect((await simpleGit(dir).status()).isClean()).toBe(true);
    const r = await again.commitCycle({ date: '2017-11-10', runId: 'c', paths: ['data', 'models'], message: 'c' });
    expect(r.commit).toBe(b.commit);

    await expect(v.commitCycle({ date: '2017-11-10', runId: 'd', paths: ['../elsewhere'], message: 'd' })).rejects.toThrow(VersioningError);
    await expect(v.commitCycle({ date: '2017-11-10', runId: 'd', paths: ['.'], message: 'd' })).rejects.toThrow(/inside the workspace/);
    // A failed call does not block the next one.
    const after = await v.commitCycle({ date: '2017-11-10', runId: 'e', paths: ['data'], message: 'e' });
    expect(after.commit).toBe(b.commit);
  });

  it('a dvc failure names the command and the tail of its error', { timeout: 60_000 }, async () => {
    const dir = workspace();
    const v = await open(dir);
    // data is already tracked by git: `dvc add data` must refuse, and the error says so.
    await simpleGit(dir).add('data').then(() => simpleGit(dir).commit('by hand'));
    const err = await v.commitCycle({ date: '2017-11-10', runId: 'x', paths: ['data'], message: 'x' }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(VersioningError);
    expect((err as Error).message).toMatch(/^dvc add data failed in .*: .*tracked by.*(SCM|git)/i);
  });
});

/** A TCP forwarder to MinIO on a fixed port that can be down (nothing listens) or up. */
async function switchableProxy(target: URL): Promise<{ endpoint: string; up(): Promise<void>; down(): Promise<void> }> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  let srv: Server | null = null;
  const sockets = new Set<Socket>();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async up() {
      srv = createServer((c) => {
        const s = connect(Number(target.port), target.hostname);
        sockets.add(c).add(s);
        c.pipe(s).pipe(c);
        c.on('error', () => s.destroy());
        s.on('error', () => c.destroy());
        c.on('close', () => sockets.delete(c));
        s.on('close', () => sockets.delete(s));
      });
      await new Promise<void>((r) => (srv as Server).listen(port, '127.0.0.1', r));
    },
    async down() {
      for (const s of sockets) s.destroy();
      if (srv) await new Promise((r) => (srv as Server).close(r));
      srv = null;
    },
  };
}

describe.skipIf(!dvcBin || !minioEnv)('DvcGitVersioner (real DVC, real MinIO)', () => {
  const e = (minioEnv ?? {}) as Record<string, string>;
  const bin = dvcBin as string;
  const bucket = `arena-test-${Date.now().toString(36)}`;
  const url = new URL(e.MINIO_ENDPOINT ?? 'http://127.0.0.1:9');
  const minio = new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: e.MINIO_ACCESS_KEY as string, secretKey: e.MINIO_SECRET_KEY as string });
  const remote = { endpoint: e.MINIO_ENDPOINT as string, bucket, accessKey: e.MINIO_ACCESS_KEY as string, secretKey: e.MINIO_SECRET_KEY as string };
  afterAll(async () => {
    // Best effort: leave the shared MinIO as we found it.
    const names = await objectsUnder('').catch(() => []);
    if (names.length) await minio.removeObjects(bucket, names).catch(() => undefined);
    await minio.removeBucket(bucket).catch(() => undefined);
  });
  const objectsUnder = async (prefix: string): Promise<string[]> => {
    const out: string[] = [];
    for await (const o of minio.listObjectsV2(bucket, prefix, true)) if (o.name) out.push(o.name);
    return out;
  };

  it('pushes to MinIO, keeps the credentials out of git, and dvc pull restores the data byte-identical', { timeout: 240_000 }, async () => {
    const dir = workspace();
    // The bucket does not exist yet: open() creates it (DVC would not).
    const v = await DvcGitVersioner.open({ workspaceDir: dir, team: 'red', dvcBin: bin, remote, logger: silentLogger() });
    expect(await minio.bucketExists(bucket)).toBe(true);
    const r1 = await v.commitCycle({ date: '2017-11-10', runId: 'red-2017-11-10', paths: ['data', 'models', 'reports'], message: 'arena(red): cycle 2017-11-10' });
    expect(r1.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(r1.pushed).toBe(true);
    expect(r1.notes.join(' ')).toMatch(/not present.*reports/);
    expect(await v.pushPending()).toBe(false);

    // Secrets: only in the git-ignored .dvc/config.local, in no committed file of any commit.
    const git = simpleGit(dir);
    const files = await tree(dir);
    expect(files).toContain('data.dvc');
    expect(files).toContain('.dvc/config');
    expect(files).not.toContain('.dvc/config.local');
    expect(readFileSync(path.join(dir, '.dvc', 'config.local'), 'utf8')).toContain(remote.secretKey);
    const committedConfig = await git.show(['HEAD:.dvc/config']);
    expect(committedConfig).toContain(`s3://${bucket}/red`);
    expect(committedConfig).toContain(remote.endpoint);
    expect(committedConfig).not.toContain(remote.secretKey);
    expect(readFileSync(path.join(dir, '.dvc', 'config'), 'utf8')).not.toContain(remote.secretKey);
    expect(await git.raw(['log', '--all', '-p'])).not.toContain(remote.secretKey);
    expect((await git.raw(['check-ignore', '.dvc/config.local'])).trim()).toBe('.dvc/config.local');

    const r2 = await v.commitCycle({ date: '2017-11-10', runId: 'again', paths: ['data', 'models'], message: 'again' });
    expect(r2.commit).toBe(r1.commit);
    expect(r2.pushed).toBe(true);
    expect(r2.notes).toContain('nothing changed since the last commit');

    // Exactly the two files (their md5 computed here) and the two directories' .dir manifests.
    expect((await objectsUnder('red/')).sort()).toEqual(pushedObjects('red/', dir, r1.md5 ?? {}));

    // Lose the local copies and the cache: the remote has everything.
    const original = readFileSync(path.join(dir, 'models', 'v0001', 'weights.bin'));
    const csv = readFileSync(path.join(dir, 'data', 'AAPL.csv'));
    rmSync(path.join(dir, 'models'), { recursive: true });
    rmSync(path.join(dir, 'data'), { recursive: true });
    rmSync(path.join(dir, '.dvc', 'cache'), { recursive: true, force: true });
    await run(bin, ['pull'], { cwd: dir, env: dvcEnv });
    expect(readFileSync(path.join(dir, 'models', 'v0001', 'weights.bin')).equals(original)).toBe(true);
    expect(readFileSync(path.join(dir, 'data', 'AAPL.csv')).equals(csv)).toBe(true);

    // And a fresh clone at that commit, given only the credentials, gets the same bytes.
    const clone = tempDir('arena-clone-');
    await simpleGit().clone(dir, clone);
    await run(bin, ['remote', 'modify', '--local', 'minio', 'access_key_id', remote.accessKey], { cwd: clone, env: dvcEnv });
    await run(bin, ['remote', 'modify', '--local', 'minio', 'secret_access_key', remote.secretKey], { cwd: clone, env: dvcEnv });
    await run(bin, ['pull'], { cwd: clone, env: dvcEnv });
    expect(readFileSync(path.join(clone, 'models', 'v0001', 'weights.bin')).equals(original)).toBe(true);
  });

  it('a dead remote keeps the commit, says so, and a later cycle (even after a restart) pushes it', { timeout: 300_000 }, async () => {
    const dir = workspace();
    const proxy = await switchableProxy(url);
    const open = () => DvcGitVersioner.open({ workspaceDir: dir, team: 'blue', dvcBin: bin, remote: { ...remote, endpoint: proxy.endpoint }, logger: silentLogger() });
    const v = await open();
    const r1 = await v.commitCycle({ date: '2017-11-10', runId: 'x', paths: ['data', 'models'], message: 'cycle 1' });
    expect(r1.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(r1.pushed).toBe(false);
    const note = r1.notes.join(' ');
    expect(note).toMatch(/dvc push .* failed.*next cycle pushes it again/);
    expect(note).toContain(proxy.endpoint);
    expect(note).not.toContain(remote.secretKey);
    expect(existsSync(path.join(dir, 'data.dvc'))).toBe(true);
    expect(await v.pushPending()).toBe(true);
    expect(await objectsUnder('blue/')).toEqual([]);

    // Still down: nothing new to commit, the push is tried again and still owed.
    const r2 = await v.commitCycle({ date: '2017-11-13', runId: 'y', paths: ['data', 'models'], message: 'cycle 2' });
    expect(r2.commit).toBe(r1.commit);
    expect(r2.pushed).toBe(false);

    // MinIO is reachable again and the daemon restarted: the owed push goes out, no new commit.
    await proxy.up();
    try {
      const v2 = await open();
      const r3 = await v2.commitCycle({ date: '2017-11-14', runId: 'z', paths: ['data', 'models'], message: 'cycle 3' });
      expect(r3.commit).toBe(r1.commit);
      expect(r3.pushed).toBe(true);
      expect(r3.notes).toEqual(['nothing changed since the last commit']);
      expect(await v2.pushPending()).toBe(false);
      expect((await objectsUnder('blue/')).sort()).toEqual(pushedObjects('blue/', dir, r1.md5 ?? {}));
      expect(await commitCount(dir)).toBe(1);
    } finally {
      await proxy.down();
    }
  });
});
