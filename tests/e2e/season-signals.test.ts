/**
 * `arena season` (teams in worker processes) stopped by SIGTERM sent to its own pid only: it asks its
 * workers to stop between two steps, exits with the interruption reported, leaves no worker behind, and
 * the next run resumes to the leaderboard an uninterrupted run gives.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/testing/services.ts';

const BIN = path.join(REPO_ROOT, 'bin', 'arena.mjs');
const ARGS = ['season', '--teams', 'teams/red.yml,teams/blue.yml', '--from', '2017-10-16', '--to', '2017-11-10', '--out', 'reports', '--no-version'];

function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-signal-'));
  cpSync(path.join(REPO_ROOT, 'teams'), path.join(dir, 'teams'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
  return dir;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The pids of `pid`'s child processes (Linux /proc). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function season(cwd: string, stopAfterDay?: number): Promise<{ code: number | null; stderr: string; workers: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...ARGS], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sent = false;
    const workers = new Set<number>();
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      for (const w of childrenOf(child.pid as number)) workers.add(w);
      const days = [...stderr.matchAll(/\[\s*(\d+)\/\d+\]/g)].map((m) => Number(m[1]));
      if (stopAfterDay !== undefined && !sent && days.some((n) => n >= stopAfterDay)) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr, workers: [...workers] }));
  });
}

describe('season: SIGTERM to the parent', () => {
  it('stops the workers too, and a second run resumes to the uninterrupted leaderboard', { timeout: 600_000 }, async () => {
    const clean = scratch();
    const ref = await season(clean);
    expect(ref.code, ref.stderr).toBe(0);

    const dir = scratch();
    const stopped = await season(dir, 3);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/season interrupted/);
    expect(stopped.stderr).not.toMatch(/\[20\/20\]/);
    // Its worker process (blue's) was seen, and is gone once the season has exited.
    expect(stopped.workers.length).toBeGreaterThan(0);
    for (const w of stopped.workers) expect(alive(w), `worker ${w}`).toBe(false);

    const again = await season(dir);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'reports', 'leaderboard.json'), 'utf8')).toBe(readFileSync(path.join(clean, 'reports', 'leaderboard.json'), 'utf8'));
  });
});
