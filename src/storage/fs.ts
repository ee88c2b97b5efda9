import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ArenaError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/fsx.ts';
import type { ArtifactStore } from './types.ts';

export class StorageError extends ArenaError {}

/** Artifacts as files under one directory (the team workspace); keys map to relative paths. */
export class FsArtifactStore implements ArtifactStore {
  readonly kind = 'fs';
  constructor(readonly root: string) {}

  private file(key: string): string {
    const parts = key.split('/');
    if (!key || key.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\')))
      throw new StorageError(`artifact key "${key}": expected a relative path like data/AAPL.csv (no empty, "." or ".." segments)`);
    return path.join(this.root, ...parts);
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    await writeFileAtomic(this.file(key), body);
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await fs.readFile(this.file(key)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await fs.stat(this.file(key)).catch(() => null))?.isFile() ?? false;
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const entries = await fs.readdir(this.root, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isFile() || e.name.endsWith('.tmp')) continue;
      const key = path.relative(this.root, path.join(e.parentPath, e.name)).split(path.sep).join('/');
      if (key.startsWith(prefix)) out.push(key);
    }
    return out.sort();
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }
}
