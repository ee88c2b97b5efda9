/**
 * Damaged files never silently change a result. A short season of the bundled data is run once; each
 * case copies its project, damages one file the way a crash or a person would, and runs the same
 * `arena season` again through the real CLI: the run either repairs exactly (the same bytes as the
 * undamaged run) or refuses with one message naming the file and what to do, and changes nothing.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/testing/services.ts';

const BIN = path.join(REPO_ROOT, 'bin', 'arena.mjs');
const season = (out = 'reports') => ['season', '--teams', 'teams/red.yml,teams/blue.yml', '--from', '2017-10-16', '--to', '2017-11-10', '--out', out, '--no-version', '--quiet'];

function arena(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 300_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

let clean: string;

/** A copy of the clean project (teams, strategies, workspaces, reports) to damage. */
function copy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-damaged-'));
  for (const d of ['teams', 'strategies', 'workspaces', 'reports']) cpSync(path.join(clean, d), path.join(dir, d), { recursive: true });
  return dir;
}

const stateFile = (dir: string, team: string, name: 'journal' | 'ledger'): string => {
  const seasons = path.join(dir, 'workspaces', team, 'seasons');
  const [id] = readdirSync(seasons);
  return path.join(seasons, id as string, 'state', `${name}.jsonl`);
};
const read = (f: string) => readFileSync(f, 'utf8');

function files(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

/** Every relative href of every page, resolved: the ones that point at nothing. */
function deadLinks(root: string): string[] {
  const dead: string[] = [];
  for (const f of files(root).filter((x) => x.endsWith('.html'))) {
    for (const m of read(path.join(root, f)).matchAll(/href="([^"#]+)"/g)) {
      const target = path.resolve(path.dirname(path.join(root, f)), (m[1] as string).replace(/&amp;/g, '&'));
      if (!existsSync(target)) dead.push(`${f} → ${m[1]}`);
    }
  }
  return dead;
}

beforeAll(async () => {
  clean = mkdtempSync(path.join(tmpdir(), 'arena-clean-'));
  cpSync(path.join(REPO_ROOT, 'teams'), path.join(clean, 'teams'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'strategies'), path.join(clean, 'strategies'), { recursive: true });
  const r = await arena(clean, season());
  expect(r.code, r.stderr).toBe(0);
}, 300_000);

describe('a season re-run on damaged or missing files', () => {
  it('into a fresh --out writes every report again, byte for byte, with no dead link', { timeout: 300_000 }, async () => {
    const dir = copy();
    const r = await arena(dir, season('fresh'));
    expect(r.code, r.stderr).toBe(0);
    const want = files(path.join(dir, 'reports'));
    // One monitoring page per team, holding every monitored day.
    const pages = want.filter((f) => f.endsWith('monitoring.html'));
    expect(pages.length).toBe(2);
    for (const f of pages) expect(read(path.join(dir, 'reports', f)).match(/<option value="/g)?.length ?? 0, f).toBeGreaterThanOrEqual(20);
    expect(files(path.join(dir, 'fresh'))).toEqual(want);
    for (const f of want) expect(read(path.join(dir, 'fresh', f)), f).toBe(read(path.join(dir, 'reports', f)));
    expect(deadLinks(path.join(dir, 'fresh'))).toEqual([]);
    expect(deadLinks(path.join(dir, 'reports'))).toEqual([]);
  });

  it('a team journal cut in half while its ledger stays whole is refused, naming the file and what to do', { timeout: 300_000 }, async () => {
    const dir = copy();
    const journal = stateFile(dir, 'red', 'journal');
    const ledger = stateFile(dir, 'red', 'ledger');
    const lines = read(journal).split('\n').filter(Boolean);
    writeFileSync(journal, lines.slice(0, Math.floor(lines.length / 2)).join('\n') + '\n');
    const [journalBefore, ledgerBefore, board] = [read(journal), read(ledger), read(path.join(dir, 'reports', 'leaderboard.json'))];
    const r = await arena(dir, season());
    expect(r.code).toBe(1);
    const [message, hint, ...rest] = r.stderr.trim().split('\n');
    expect(rest).toEqual([]);
    expect(message).toMatch(/^arena: workspaces\/red\/seasons\/\w+\/state\/journal\.jsonl: red's journal does not know \d+ order\(s\) that workspaces\/red\/seasons\/\w+\/state\/ledger\.jsonl holds .* it was cut or replaced, and running on would trade those days again$/);
    expect(hint).toMatch(/^ {2}what to do: restore .*journal\.jsonl from a copy, or remove the season folder workspaces\/red\/seasons\/\w+ to replay the season/);
    // Nothing traded, nothing rewritten.
    expect(read(journal)).toBe(journalBefore);
    expect(read(ledger)).toBe(ledgerBefore);
    expect(read(path.join(dir, 'reports', 'leaderboard.json'))).toBe(board);
  });

  it('a torn last ledger line on a completed season is re-created exactly, and said', { timeout: 300_000 }, async () => {
    const dir = copy();
    const ledger = stateFile(dir, 'red', 'ledger');
    const last = JSON.parse(read(ledger).trim().split('\n').pop() as string) as { type: string };
    expect(last.type).toBe('submitted'); // the last day's order for the next open: nothing else would re-create it
    truncateSync(ledger, statSync(ledger).size - 40);
    const r = await arena(dir, season());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ledger\.jsonl lacks 1 order\(s\) that red's trade step of 2017-11-10 placed \(its last write was torn\); that trade step runs again/);
    expect(read(ledger)).toBe(read(stateFile(clean, 'red', 'ledger')));
    expect(read(stateFile(dir, 'red', 'journal'))).toBe(read(stateFile(clean, 'red', 'journal')));
    expect(read(path.join(dir, 'reports', 'leaderboard.json'))).toBe(read(path.join(clean, 'reports', 'leaderboard.json')));
  });

  it.each([
    ['a garbage last line of a journal', 'blue', 'journal', (t: string) => `${t}garbage{\n`],
    ['a garbage line inside a ledger', 'red', 'ledger', (t: string) => t.split('\n').map((l, i) => (i === 4 ? `${l}\nthis is not json` : l)).join('\n')],
  ] as const)('%s is refused with one message, and the file is left for a person to look at', { timeout: 300_000 }, async (_what, team, name, damage) => {
    const dir = copy();
    const f = stateFile(dir, team, name);
    writeFileSync(f, damage(read(f)));
    const before = read(f);
    const r = await arena(dir, season());
    expect(r.code).toBe(1);
    const [message, hint, ...rest] = r.stderr.trim().split('\n');
    expect(rest).toEqual([]);
    expect(message).toMatch(new RegExp(`^arena: .*workspaces/${team}/seasons/\\w+/state/${name}\\.jsonl: line \\d+ is not valid JSON, and it is a complete line \\(not a torn last write\\)`));
    expect(hint).toMatch(/what to do: nothing was changed and nothing ran\. Restore the file from a copy/);
    expect(read(f)).toBe(before);
    // Run again: the same refusal, never a run that appended after the damage.
    expect((await arena(dir, season())).code).toBe(1);
    expect(read(f)).toBe(before);
  });
});
