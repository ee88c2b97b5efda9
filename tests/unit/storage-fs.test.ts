import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsArtifactStore, StorageError } from '../../src/storage/index.ts';

describe('FsArtifactStore', () => {
  it('put/get/exists/list/delete under its root', async () => {
    const s = new FsArtifactStore(mkdtempSync(path.join(tmpdir(), 'arena-fs-')));
    await s.put('models/v0001/model.json', '{"a":1}');
    await s.put('data/AAPL.csv', new Uint8Array([1, 2, 3]));
    expect(Buffer.from((await s.get('models/v0001/model.json')) as Uint8Array).toString()).toBe('{"a":1}');
    expect(await s.get('models/v0002/model.json')).toBeNull();
    expect(await s.exists('data/AAPL.csv')).toBe(true);
    expect(await s.list('')).toEqual(['data/AAPL.csv', 'models/v0001/model.json']);
    expect(await s.list('models/')).toEqual(['models/v0001/model.json']);
    await s.delete('data/AAPL.csv');
    expect(await s.exists('data/AAPL.csv')).toBe(false);
  });

  it.each(['../etc/passwd', '/abs/path', 'a//b', 'a/./b', ''])('refuses the key %j', async (key) => {
    const s = new FsArtifactStore(mkdtempSync(path.join(tmpdir(), 'arena-fs-')));
    await expect(s.put(key, 'x')).rejects.toThrow(StorageError);
  });
});
