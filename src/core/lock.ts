/**
 * An exclusive lock file holding the owner's pid. A second process on the same workspace waits for
 * a live owner (e.g. an orphan of a killed wrapper still finishing) and takes over a dead one's lock,
 * so two processes never write one journal or ledger at once.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sleep } from './retry.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Lock {
  release(): Promise<void>;
}

export async function acquireLock(file: string, opts: { onWait?: (pid: number) => void; signal?: AbortSignal } = {}): Promise<Lock> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  let told = false;
  for (;;) {
    if (opts.signal?.aborted) throw new Error(`gave up waiting for the lock ${file}`);
    try {
      const h = await fs.open(file, 'wx');
      await h.writeFile(String(process.pid));
      await h.sync();
      await h.close();
      const release = async () => {
        const owner = Number((await fs.readFile(file, 'utf8').catch(() => '')).trim());
        if (owner === process.pid) await fs.rm(file, { force: true });
      };
      return { release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const text = (await fs.readFile(file, 'utf8').catch(() => '')).trim();
    const pid = Number(text);
    const young = text === '' && Date.now() - ((await fs.stat(file).catch(() => null))?.mtimeMs ?? 0) < 5000;
    if (!young && (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !alive(pid))) {
      // A dead owner (killed) or a torn write: take the lock over.
      await fs.rm(file, { force: true });
      continue;
    }
    if (!told && !young) opts.onWait?.(pid);
    told = true;
    await sleep(200);
  }
}
