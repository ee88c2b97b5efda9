import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/core/lock.ts';

const dir = () => mkdtempSync(path.join(tmpdir(), 'arena-lock-'));

describe('acquireLock', () => {
  it('takes over the lock of a dead process', async () => {
    const file = path.join(dir(), 'lock');
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid as number;
    await new Promise((r) => child.on('exit', r));
    writeFileSync(file, String(pid));
    const lock = await acquireLock(file);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    await lock.release();
    expect(existsSync(file)).toBe(false);
  });

  it('waits while a live process holds it', async () => {
    const file = path.join(dir(), 'lock');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 1500)']);
    writeFileSync(file, String(holder.pid));
    let waitedFor: number | null = null;
    const t0 = Date.now();
    const lock = await acquireLock(file, { onWait: (p) => (waitedFor = p) });
    expect(waitedFor).toBe(holder.pid);
    expect(Date.now() - t0).toBeGreaterThan(800);
    await lock.release();
  });
});
