/**
 * Durable file primitives: every write that must survive a SIGKILL or power loss goes through here.
 * Node has no single call for "write, fsync, rename, fsync the directory", hence these few lines.
 */
import { promises as fs, constants as fsc } from 'node:fs';
import path from 'node:path';
import { ArenaError } from './errors.ts';

export class FileSystemError extends ArenaError {
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    message: string,
    cause: unknown,
  ) {
    super(`${path}: ${message}`, { cause, hint: hintFor(code) });
  }
}

function hintFor(code: string | undefined): string | undefined {
  switch (code) {
    case 'ENOSPC':
      return 'the disk is full: free space, then run the same command again (nothing was lost)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied: check the owner and mode of this path';
    case 'EROFS':
      return 'the file system is read-only: mount the workspace read-write';
    default:
      return undefined;
  }
}

export function wrapFsError(p: string, err: unknown): never {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const msg = code ? `${code.toLowerCase().replace(/^e/, '')} (${code})` : String(err);
  throw new FileSystemError(p, code, msg, err);
}

async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, fsc.O_RDONLY);
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}

/** Write the whole file atomically: temp file, fsync, rename over the target, fsync the directory. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await fs.mkdir(dir, { recursive: true });
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
    await fsyncDir(dir);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    wrapFsError(file, err);
  }
}

/** Append one line (no newline inside) and fsync before returning. */
export async function appendLineDurable(file: string, line: string): Promise<void> {
  if (line.includes('\n')) throw new Error('appendLineDurable: line must not contain a newline');
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const handle = await fs.open(file, 'a');
    try {
      await handle.write(line + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    wrapFsError(file, err);
  }
}

/**
 * Read a JSON-lines file written by appendLineDurable. A torn last line (the process was killed
 * mid-write) is ignored: it was never acknowledged, so nothing depended on it.
 */
export async function readJsonLines<T>(file: string, parse: (value: unknown, lineNo: number) => T): Promise<T[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    wrapFsError(file, err);
  }
  const lines = text.split('\n');
  const out: T[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      const isLast = lines.slice(i + 1).every((l) => l === '');
      if (isLast) break; // torn tail
      throw new FileSystemError(file, undefined, `line ${i + 1} is not valid JSON`, err);
    }
    out.push(parse(value, i + 1));
  }
  return out;
}

/** Drop a torn tail so the next append starts on a fresh line. */
export async function repairJsonLines(file: string): Promise<void> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    wrapFsError(file, err);
  }
  if (text === '' || text.endsWith('\n')) return;
  const keep = text.slice(0, text.lastIndexOf('\n') + 1);
  await writeFileAtomic(file, keep);
}

export async function readJsonFile<T>(file: string, parse: (value: unknown) => T): Promise<T | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    wrapFsError(file, err);
  }
  try {
    return parse(JSON.parse(text));
  } catch (err) {
    throw new FileSystemError(file, undefined, `not valid JSON: ${(err as Error).message}`, err);
  }
}

export async function pathExists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
