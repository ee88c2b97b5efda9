import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startProcess } from '../testing/processes.ts';
import { acquireLock, type Lock } from './lock.ts';

const dir = () => mkdtempSync(path.join(tmpdir(), 'arena-lock-'));

describe('acquireLock', () => {
  it('takes over the lock of a dead process', async () => {
    const file = path.join(dir(), 'lock');
    const dead = startProcess(process.execPath, ['-e', '0']);
    await dead.exited;
    writeFileSync(file, String(dead.pid));
    const lock = await acquireLock(file);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    await lock.release();
    expect(existsSync(file)).toBe(false);
  });

  it('waits while a live process holds it, and takes it only once that process is gone', async () => {
    const file = path.join(dir(), 'lock');
    const holder = startProcess(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)']);
    writeFileSync(file, String(holder.pid));
    // 'exit' is emitted when the child is reaped, before any liveness check can see it gone.
    let holderGone = false;
    holder.child.once('exit', () => (holderGone = true));
    let locking: Promise<Lock> | undefined;
    const waitedFor = await new Promise<number>((resolve) => {
      locking = acquireLock(file, { onWait: resolve });
    });
    expect(waitedFor).toBe(holder.pid);
    expect(readFileSync(file, 'utf8')).toBe(String(holder.pid));
    holder.kill('SIGKILL');
    const lock = await (locking as Promise<Lock>);
    expect(holderGone).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    await lock.release();
  });
});
