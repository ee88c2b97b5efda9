/**
 * `arena compete` runs the shared exchange and one `arena run` process per team on a replay clock.
 * Over 60 trading days it must end with the leaderboard `arena season` gives on the same inputs,
 * even when one team's daemon is SIGKILLed in the middle of a cycle and restarted.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { descendantsOf, pollUntil, runArena, startArena } from '../../src/testing/processes.ts';
import { REPO_ROOT } from '../../src/testing/services.ts';
// 60 trading days of the bundled data.
const SPAN = ['--from', '2017-08-18', '--to', '2017-11-10'];

function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-compete-'));
  cpSync(path.join(REPO_ROOT, 'teams'), path.join(dir, 'teams'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
  // Per-cycle DVC commits would only slow the daemons down; versioning is tested elsewhere.
  for (const t of ['red', 'blue']) {
    const f = path.join(dir, 'teams', `${t}.yml`);
    writeFileSync(f, readFileSync(f, 'utf8').replace(/^versioning:.*$/m, 'versioning: { enabled: false }'));
  }
  return dir;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('arena compete', () => {
  it('two daemons over 60 trading days, one SIGKILLed mid-cycle and restarted, end equal to arena season', { timeout: 900_000 }, async () => {
    const dir = scratch();
    const teams = ['--teams', 'teams/red.yml,teams/blue.yml'];

    let killed: number | null = null;
    let sawRefreshing = false;
    const compete = startArena(dir, ['compete', ...teams, ...SPAN, '--seconds-per-day', '0.05', '--out', 'reports']);
    // Progress, not time, places the kill: from day 25 on, at the first blue cycle caught running.
    await compete.waitFor(/\[\s*(2[5-9]|[3-5]\d|60)\/60\]/);
    // The workspace lock holds the pid of the daemon while it runs a cycle: kill it then.
    const comps = path.join(dir, 'workspaces', 'competitions');
    while (killed === null && !compete.result) {
      const board = path.join(dir, 'reports', 'leaderboard.html');
      if (existsSync(board) && readFileSync(board, 'utf8').includes('this page reloads every')) sawRefreshing = true;
      for (const id of existsSync(comps) ? readdirSync(comps) : []) {
        const lock = path.join(comps, id, 'blue', 'state', 'lock');
        const pid = existsSync(lock) ? Number(readFileSync(lock, 'utf8').trim()) : NaN;
        if (Number.isInteger(pid) && pid > 0) {
          try {
            process.kill(pid, 'SIGKILL');
            killed = pid;
          } catch {
            // It finished the cycle in between; try the next one.
          }
        }
      }
      await sleep(50);
    }
    const c = await compete.exited;
    expect(c.code, c.stderr.slice(-3000)).toBe(0);
    expect(killed, 'a blue daemon was killed mid-cycle').not.toBeNull();
    expect(c.stderr).toMatch(/blue: daemon exited \(SIGKILL\); restarting it/);
    expect(c.stdout).toMatch(/daemon restarts: red 0, blue 1/);
    expect(sawRefreshing, 'the leaderboard reloads itself while the competition runs').toBe(true);
    const competed = JSON.parse(readFileSync(path.join(dir, 'reports', 'leaderboard.json'), 'utf8'));
    expect(readFileSync(path.join(dir, 'reports', 'leaderboard.html'), 'utf8')).not.toContain('this page reloads every');

    const s = await runArena(dir, ['season', ...teams, ...SPAN, '--out', 'reports-season', '--no-version', '--quiet']);
    expect(s.code, s.stderr.slice(-3000)).toBe(0);
    const season = JSON.parse(readFileSync(path.join(dir, 'reports-season', 'leaderboard.json'), 'utf8'));
    expect(competed).toEqual(season);
    // Somebody traded: equality of two idle accounts would prove nothing.
    expect(season.teams.some((t: { trades: number }) => t.trades > 0)).toBe(true);
  });
});

describe('arena run --exchange: catch-up after downtime', () => {
  it('runs the missed trading days in order, places orders only for the latest, and never twice', { timeout: 600_000 }, async () => {
    const dir = scratch();
    // The replay clock moves only for whoever holds the exchange's admin token.
    const adminToken = 'catch-up-admin-token';
    const ex = startArena(dir, ['exchange', '--port', '0', '--replay-from', '2017-10-02', '--state', 'exchange'], { env: { ...process.env, ARENA_ADMIN_TOKEN: adminToken } });
    try {
      const url = (await ex.waitFor(/exchange on (http:\/\/127\.0\.0\.1:\d+)/))[1] as string;
      const setClock = async (iso: string) => expect((await fetch(`${url}/__admin/clock`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` }, body: JSON.stringify({ to: iso }) })).status).toBe(200);
      const env = { ...process.env, ALPACA_KEY_ID: 'PKTESTCATCHUP', ALPACA_SECRET_KEY: 'catch-up-secret' };
      /** Runs the daemon through a script: wait for a log line, then act (e.g. move the clock); SIGTERM at the end. */
      const daemon = async (script: { wait: RegExp; then?: () => Promise<void> }[]) => {
        const child = startArena(dir, ['run', '--team', 'teams/blue.yml', '--port', '0', '--exchange', url, '--first-day', '2017-10-02'], { env });
        for (const step of script) {
          await child.waitFor(step.wait);
          await step.then?.();
        }
        child.kill('SIGTERM');
        const exit = await child.exited;
        expect(exit.code, exit.stderr.slice(-2000)).toBe(0);
        return child.output;
      };
      const trades = () => {
        const lines = readFileSync(path.join(dir, 'workspaces', 'blue', 'state', 'journal.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { date: string; step: string; record: { refused: string | null; orders: { client_order_id: string; status: string }[] } });
        return lines.filter((l) => l.step === 'trade');
      };

      // Prepared after the close; the orders go out at trade_at (09:00) on the next session.
      await setClock('2017-10-02T17:00:00-04:00');
      await daemon([{ wait: /orders for 2017-10-02 at 2017-10-03 09:00/, then: () => setClock('2017-10-03T09:00:00-04:00') }, { wait: /next cycle 2017-10-03/ }]);
      expect(trades().map((t) => t.date)).toEqual(['2017-10-02']);
      expect(trades()[0]?.record.refused ?? '').not.toMatch(/late/);

      // Down for three trading days.
      await setClock('2017-10-05T17:00:00-04:00');
      const logs = await daemon([{ wait: /orders for 2017-10-05 at 2017-10-06 09:00/, then: () => setClock('2017-10-06T09:00:00-04:00') }, { wait: /next cycle 2017-10-06/ }]);
      expect(logs).toMatch(/catching up 3 trading days \(2017-10-03 \.\. 2017-10-05\)/);
      const all = trades();
      expect(all.map((t) => t.date)).toEqual(['2017-10-02', '2017-10-03', '2017-10-04', '2017-10-05']);
      for (const t of all.slice(1, 3)) {
        expect(t.record.refused).toMatch(/catch-up of a missed day/);
        expect(t.record.orders.every((o) => o.status === 'not_submitted')).toBe(true);
      }
      expect(all[3]?.record.refused ?? '').not.toMatch(/catch-up|late/);

      // Back up during the next session: the day is prepared and recorded, its orders are not placed late.
      await setClock('2017-10-09T10:00:00-04:00');
      await daemon([{ wait: /next cycle 2017-10-09/ }]);
      const late = trades().find((t) => t.date === '2017-10-06');
      expect(late?.record.refused).toMatch(/opened before the orders of 2017-10-06 could be placed/);

      // Every order the exchange holds has a distinct client_order_id.
      const orders = (await (await fetch(`${url}/v2/orders?status=all&limit=500`, { headers: { 'APCA-API-KEY-ID': env.ALPACA_KEY_ID, 'APCA-API-SECRET-KEY': env.ALPACA_SECRET_KEY } })).json()) as { client_order_id: string }[];
      expect(new Set(orders.map((o) => o.client_order_id)).size).toBe(orders.length);
    } finally {
      ex.kill('SIGTERM');
      await ex.exited;
    }
  });
});

describe('arena compete: the coordinator killed', () => {
  it('its daemons notice and stop instead of outliving their exchange', { timeout: 300_000 }, async () => {
    const dir = scratch();
    const compete = startArena(dir, ['compete', '--teams', 'teams/red.yml,teams/blue.yml', ...SPAN, '--seconds-per-day', '5', '--out', 'reports']);
    const daemonPids = () => descendantsOf(compete.pid).filter((p) => / run .*--exchange /.test(p.command)).map((p) => p.pid);
    const pids = await pollUntil('two daemons started by the competition', () => {
      const found = daemonPids();
      return found.length >= 2 && found;
    }, { whileRunning: compete, everyMs: 200 });
    // Up and serving (their own logs say so), then the coordinator dies.
    const logOf = (team: string) => {
      const comps = path.join(dir, 'workspaces', 'competitions');
      const id = existsSync(comps) ? readdirSync(comps)[0] : undefined;
      const f = id ? path.join(comps, id, team, 'logs', 'arena.jsonl') : '';
      return f && existsSync(f) ? readFileSync(f, 'utf8') : '';
    };
    await pollUntil('both daemons listening', () => ['red', 'blue'].every((t) => logOf(t).includes('daemon listening on')), { whileRunning: compete, everyMs: 200 });
    compete.kill('SIGKILL');
    await compete.exited;
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    // They notice (no time limit here but the test's: a daemon that never stops fails it, and the
    // after-file cleanup kills the competition's whole process group).
    await pollUntil('the daemons stopped after their coordinator died', () => !pids.some(alive), { everyMs: 200 });
    // They stopped on purpose (and cleanly), not by crashing on a broken pipe.
    for (const team of ['red', 'blue']) {
      expect(logOf(team), team).toMatch(/the competition \(pid \d+\) is gone; stopping/);
      expect(logOf(team), team).toMatch(/"message":"stopped"/);
    }
  });
});
