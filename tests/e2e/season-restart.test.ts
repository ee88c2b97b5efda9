/**
 * `arena season` killed with SIGKILL at seeded-random moments and started again must end with the
 * same ledger and the same leaderboard as an uninterrupted run: no duplicated order, no lost fill.
 * Runs the real CLI as a child process on a short season of the bundled data.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startArena } from '../../src/testing/processes.ts';
import { REPO_ROOT } from '../../src/testing/services.ts';
import { seededRandom } from '../../src/domain/models/rng.ts';

const ARGS = ['season', '--teams', 'teams/red.yml,teams/blue.yml', '--from', '2017-10-16', '--to', '2017-11-10', '--out', 'reports', '--no-version'];

/** When to kill: after the progress line of trading day `day` (0 = during start-up), plus `extraMs`. */
interface KillAt {
  day: number;
  extraMs: number;
}

function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-season-'));
  cpSync(path.join(REPO_ROOT, 'teams'), path.join(dir, 'teams'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
  return dir;
}

/**
 * Runs the season; with `kill`, SIGKILLs it once the progress reaches that day (plus a random delay,
 * which lands anywhere inside the next day's steps). Resolves with the exit code (null when killed).
 * Progress, not wall time, places the kills, so a slow or busy machine still kills mid-season.
 */
async function season(cwd: string, kill?: KillAt): Promise<{ code: number | null; stderr: string }> {
  let armed = false;
  const arm = () => {
    if (armed || !kill) return;
    armed = true;
    setTimeout(() => child.kill('SIGKILL'), kill.extraMs);
  };
  const child = startArena(cwd, ARGS, {
    onLine: (line, stream) => {
      const day = stream === 'stderr' ? /\[\s*(\d+)\/\d+\]/.exec(line)?.[1] : undefined;
      if (kill && day !== undefined && Number(day) >= kill.day) arm();
    },
  });
  if (kill?.day === 0) arm();
  const r = await child.exited;
  return { code: r.code, stderr: r.stderr };
}

function ledgers(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const team of ['red', 'blue']) {
    const seasons = path.join(dir, 'workspaces', team, 'seasons');
    for (const id of readdirSync(seasons)) out[`${team}/${id}`] = readFileSync(path.join(seasons, id, 'state', 'ledger.jsonl'), 'utf8');
  }
  return out;
}


describe('season: kill -9 and restart', () => {
  it('ends with the same ledger and leaderboard as an uninterrupted run', { timeout: 600_000 }, async () => {
    const clean = scratch();
    const ref = await season(clean);
    expect(ref.code, ref.stderr).toBe(0);
    const refBoard = JSON.parse(readFileSync(path.join(clean, 'reports', 'leaderboard.json'), 'utf8')) as { teams: { trades: number }[] };
    expect(refBoard.teams).toHaveLength(2);

    const killed = scratch();
    const rand = seededRandom(20261123);
    let kills = 0;
    // Start-up (loading, first training), then four random days in order, each killed mid-step.
    const total = Number(/\[\s*\d+\/(\d+)\]/.exec(ref.stderr)?.[1] ?? '20');
    const days = [0, ...Array.from({ length: 4 }, () => 1 + Math.floor(rand() * (total - 1)))].sort((a, b) => a - b);
    for (const day of days) {
      const r = await season(killed, { day, extraMs: Math.round(rand() * 400) + (day === 0 ? 300 : 0) });
      if (r.code === null) kills++;
      else expect(r.code, r.stderr).toBe(0);
    }
    const last = await season(killed);
    expect(last.code, last.stderr).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(3);

    expect(readFileSync(path.join(killed, 'reports', 'leaderboard.json'), 'utf8')).toBe(readFileSync(path.join(clean, 'reports', 'leaderboard.json'), 'utf8'));
    const a = ledgers(clean);
    const b = ledgers(killed);
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const k of Object.keys(a)) {
      expect(b[k], k).toBe(a[k]);
      const submitted = (b[k] ?? '').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; order?: { client_order_id: string } }).filter((e) => e.type === 'submitted');
      const ids = submitted.map((e) => e.order?.client_order_id);
      expect(new Set(ids).size, `${k}: duplicated client_order_id`).toBe(ids.length);
    }
    expect(existsSync(path.join(killed, 'reports', 'index.html'))).toBe(true);
  });
});
