/**
 * The ArtifactStore as plain files under one directory (the team workspace or its cache).
 * Keys map to relative paths; writes are atomic (temp file, fsync, rename), so a reader never
 * sees half an artifact, even after a crash.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../../core/errors.ts';
import { writeFileAtomic } from '../../core/fsx.ts';
import { StorageError } from './errors.ts';
import type { ArtifactStore } from '../../ports.ts';

export { StorageError } from './errors.ts';

/** The temp files writeFileAtomic leaves only while a write is in flight: `.<name>.<pid>.<ms>.tmp`. */
const TEMP_FILE = /^\..+\.\d+\.\d+\.tmp$/;

/** The path segments of a key, or a StorageError saying what a key looks like. */
export function keySegments(key: string): string[] {
  const parts = key.split('/');
  if (!key || key.startsWith('/') || /^[A-Za-z]:/.test(key) || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0')))
    throw new StorageError(`artifact key ${JSON.stringify(key)}: expected a relative path like data/AAPL.csv (no leading "/", no empty, "." or ".." segments, no backslashes)`);
  return parts;
}

export class FsArtifactStore implements ArtifactStore {
  readonly kind = 'fs';
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  private file(key: string): string {
    const file = path.join(this.root, ...keySegments(key));
    // Belt and braces: whatever the segments, the file stays under the root.
    if (!file.startsWith(this.root + path.sep)) throw new StorageError(`artifact key ${JSON.stringify(key)} leaves the store root ${this.root}`);
    return file;
  }

  private fail(what: string, key: string, err: unknown): never {
    if (err instanceof StorageError) throw err;
    throw new StorageError(`${what} ${key} under ${this.root} failed: ${errorMessage(err)}`, {
      cause: err,
      hint: (err as { hint?: string }).hint ?? 'check that the workspace directory exists, is writable and has free space',
    });
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const file = this.file(key);
    try {
      await writeFileAtomic(file, body);
    } catch (err) {
      this.fail('put', key, err);
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    const file = this.file(key);
    try {
      return new Uint8Array(await fs.readFile(file));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      this.fail('get', key, err);
    }
  }

  async exists(key: string): Promise<boolean> {
    const file = this.file(key);
    return (await fs.stat(file).catch(() => null))?.isFile() ?? false;
  }

  /** Keys starting with `prefix` (a plain string prefix, as in S3), sorted. */
  async list(prefix: string): Promise<string[]> {
    // Walk only the deepest directory the prefix names completely ("models/v0" → models/).
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = dirPart ? path.join(this.root, ...keySegments(dirPart)) : this.root;
    const entries = await fs.readdir(start, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [];
      this.fail('list', prefix || '(all)', err);
    });
    const out: string[] = [];
    for (const e of entries) {
      if (!e.isFile() || TEMP_FILE.test(e.name)) continue;
      const key = path.relative(this.root, path.join(e.parentPath, e.name)).split(path.sep).join('/');
      if (key.startsWith(prefix)) out.push(key);
    }
    return out.sort();
  }

  /** Removes the key; a missing key is not an error (idempotent). */
  async delete(key: string): Promise<void> {
    const file = this.file(key);
    const st = await fs.stat(file).catch(() => null);
    if (st?.isDirectory()) throw new StorageError(`delete ${key}: ${file} is a directory, not an artifact`);
    try {
      await fs.rm(file, { force: true });
    } catch (err) {
      this.fail('delete', key, err);
    }
  }
}
