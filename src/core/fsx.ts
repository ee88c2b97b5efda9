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
    // The folder nearly always exists: open first, create it only when the open says it is missing.
    const handle = await fs.open(file, 'a').catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      await fs.mkdir(path.dirname(file), { recursive: true });
      return fs.open(file, 'a');
    });
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
 * A complete line (it ends with a newline) that is not valid JSON: not a torn write, which never ends
 * with its newline, but a damaged or hand-edited file. Nothing skips it: the line may hold an order, a
 * fill or a finished step, and a file left with it would break the next run anyway.
 */
export class DamagedFileError extends ArenaError {
  constructor(
    readonly path: string,
    readonly line: number,
    cause: unknown,
  ) {
    super(`${path}: line ${line} is not valid JSON, and it is a complete line (not a torn last write): the file was damaged or edited`, {
      cause,
      hint: `nothing was changed and nothing ran. Restore the file from a copy (a workspace is a git repository: \`git checkout -- <file>\` in it); a season's folder under workspaces/<team>/seasons/ may instead be removed to replay that season from its first day`,
    });
  }
}

/** What `readJsonLinesFrom` consumed: every complete line up to byte `end` (a torn or unfinished tail is left). */
export interface JsonLinesChunk<T> {
  items: T[];
  /** Byte offset after the last complete line read. */
  end: number;
  /** Number of the last complete line read (1-based; lines before `from` included). */
  lines: number;
}

const NEWLINE = 0x0a;

/**
 * Read the complete lines of a JSON-lines file from byte `from.offset` on. A tail without its newline
 * (a write cut short by a kill, or one still being written by another process) is not consumed: it was
 * never acknowledged. A complete line that is not JSON throws DamagedFileError.
 */
export async function readJsonLinesFrom<T>(file: string, parse: (value: unknown, lineNo: number) => T, from: { offset: number; line: number } = { offset: 0, line: 0 }): Promise<JsonLinesChunk<T>> {
  let buf: Buffer;
  try {
    const handle = await fs.open(file, 'r');
    try {
      const { size } = await handle.stat();
      buf = Buffer.alloc(Math.max(0, size - from.offset));
      let read = 0;
      while (read < buf.length) {
        const { bytesRead } = await handle.read(buf, read, buf.length - read, from.offset + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      buf = buf.subarray(0, read);
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { items: [], end: from.offset, lines: from.line };
    wrapFsError(file, err);
  }
  const complete = buf.lastIndexOf(NEWLINE) + 1;
  const lines = buf.subarray(0, complete).toString('utf8').split('\n');
  lines.pop(); // the empty string after the last newline
  const items: T[] = [];
  let lineNo = from.line;
  for (const line of lines) {
    lineNo++;
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new DamagedFileError(file, lineNo, err);
    }
    items.push(parse(value, lineNo));
  }
  return { items, end: from.offset + complete, lines: lineNo };
}

/**
 * Read a JSON-lines file written by appendLineDurable. A torn last line (the process was killed
 * mid-write: it lacks its newline) is ignored: it was never acknowledged, so nothing depended on it.
 * A complete line that is not JSON is damage, not a torn write: DamagedFileError.
 */
export async function readJsonLines<T>(file: string, parse: (value: unknown, lineNo: number) => T): Promise<T[]> {
  return (await readJsonLinesFrom(file, parse)).items;
}

/** Size and inode of a file (a rename over it, as writeFileAtomic does, changes the inode); null when it does not exist. */
export async function fileIdentity(file: string): Promise<{ size: number; ino: number } | null> {
  try {
    const st = await fs.stat(file);
    return { size: st.size, ino: st.ino };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    wrapFsError(file, err);
  }
}

/** Drop a torn tail so the next append starts on a fresh line; returns how many bytes were dropped. */
export async function repairJsonLines(file: string): Promise<number> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    wrapFsError(file, err);
  }
  if (text === '' || text.endsWith('\n')) return 0;
  const keep = text.slice(0, text.lastIndexOf('\n') + 1);
  await writeFileAtomic(file, keep);
  return Buffer.byteLength(text) - Buffer.byteLength(keep);
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
