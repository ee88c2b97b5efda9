import { mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createArtifactStore, FsArtifactStore, MinioArtifactStore, StorageError } from './index.ts';

const fresh = () => new FsArtifactStore(mkdtempSync(path.join(tmpdir(), 'arena-fs-')));

describe('FsArtifactStore', () => {
  it('put/get/exists/list/delete under its root', async () => {
    const s = fresh();
    await s.put('models/v0001/model.json', '{"a":1}');
    await s.put('data/AAPL.csv', new Uint8Array([1, 2, 3]));
    expect(Buffer.from((await s.get('models/v0001/model.json')) as Uint8Array).toString()).toBe('{"a":1}');
    expect(Array.from((await s.get('data/AAPL.csv')) as Uint8Array)).toEqual([1, 2, 3]);
    expect(await s.get('models/v0002/model.json')).toBeNull();
    expect(await s.get('data/AAPL.csv/inner')).toBeNull();
    expect(await s.exists('data/AAPL.csv')).toBe(true);
    expect(await s.exists('data')).toBe(false);
    expect(await s.list('')).toEqual(['data/AAPL.csv', 'models/v0001/model.json']);
    expect(await s.list('models/')).toEqual(['models/v0001/model.json']);
    expect(await s.list('mod')).toEqual(['models/v0001/model.json']);
    expect(await s.list('models/v0001/m')).toEqual(['models/v0001/model.json']);
    expect(await s.list('reports/')).toEqual([]);
    await s.delete('data/AAPL.csv');
    expect(await s.exists('data/AAPL.csv')).toBe(false);
    await s.delete('data/AAPL.csv'); // idempotent
  });

  it('overwrites atomically and lists no temp files', async () => {
    const s = fresh();
    await s.put('reports/2017-11-10/index.html', 'v1');
    await s.put('reports/2017-11-10/index.html', 'v2');
    expect(Buffer.from((await s.get('reports/2017-11-10/index.html')) as Uint8Array).toString()).toBe('v2');
    expect(readdirSync(path.join(s.root, 'reports', '2017-11-10'))).toEqual(['index.html']);
    // A temp file of a write in flight (or of a crash) is not an artifact.
    writeFileSync(path.join(s.root, 'reports', '2017-11-10', '.index.html.123.456.tmp'), 'partial');
    expect(await s.list('reports/')).toEqual(['reports/2017-11-10/index.html']);
  });

  it('a store under a missing root lists nothing and creates the root on the first put', async () => {
    const root = path.join(mkdtempSync(path.join(tmpdir(), 'arena-fs-')), 'not', 'yet');
    const s = new FsArtifactStore(root);
    expect(await s.list('')).toEqual([]);
    expect(await s.get('data/x.csv')).toBeNull();
    await s.put('data/x.csv', 'x');
    expect(await s.list('')).toEqual(['data/x.csv']);
  });

  it.each(['../etc/passwd', 'data/../../x', '/abs/path', 'a//b', 'a/./b', '', 'a\\b', 'C:/x', 'data/'])('refuses the key %j with a StorageError', async (key) => {
    const s = fresh();
    await expect(s.put(key, 'x')).rejects.toThrow(StorageError);
    await expect(s.get(key)).rejects.toThrow(/expected a relative path/);
  });

  it('refuses to delete a directory', async () => {
    const s = fresh();
    mkdirSync(path.join(s.root, 'models', 'v0001'), { recursive: true });
    await expect(s.delete('models/v0001')).rejects.toThrow(StorageError);
  });
});

describe('createArtifactStore', () => {
  it('builds the fs store, and a MinIO store only with endpoint and keys', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'arena-fs-'));
    expect(createArtifactStore({ kind: 'fs', bucket_prefix: 'arena', region: 'us-east-1' }, { root })).toBeInstanceOf(FsArtifactStore);
    expect(() => createArtifactStore({ kind: 'minio', bucket_prefix: 'arena', region: 'us-east-1' }, { root })).toThrow(/storage\.endpoint.*MINIO_ACCESS_KEY.*MINIO_SECRET_KEY/);
    const m = createArtifactStore({ kind: 'minio', endpoint: 'http://127.0.0.1:9000', bucket_prefix: 'arena', region: 'us-east-1' }, { root, accessKey: 'ak', secretKey: 'secret-value' });
    expect(m).toBeInstanceOf(MinioArtifactStore);
    expect((m as MinioArtifactStore).bucketFor('models')).toBe('arena-models');
    const t = createArtifactStore({ kind: 'minio', bucket_prefix: 'arena', region: 'us-east-1' }, { root, team: 'red', endpoint: 'http://127.0.0.1:9000', accessKey: 'ak', secretKey: 'secret-value' });
    expect((t as MinioArtifactStore).bucketFor('models')).toBe('arena-red-models');
    expect(() => (t as MinioArtifactStore).bucketFor('Models')).toThrow(StorageError);
    expect(() => createArtifactStore({ kind: 'minio', endpoint: 'not a url', bucket_prefix: 'arena', region: 'us-east-1' }, { root, accessKey: 'ak', secretKey: 'sk' })).toThrow(StorageError);
  });
});
