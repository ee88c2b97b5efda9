/**
 * A class in one command: `arena class init` makes the class repository (rules on main, a branch per
 * team, key pairs beside it), the teams push their own configs, and `arena compete --class` plays six
 * daemons following their branches over 20 trading days. It must end with the leaderboard `arena
 * season` gives on the same configs (each branch's files, checked out), and the coordinator's live
 * page must show all six teams in headless Chromium (offline).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { runArena, startArena } from '../../src/testing/processes.ts';
import { REPO_ROOT, servicesEnv, servicesRequired } from '../../src/testing/services.ts';

// 20 trading days of the bundled data.
const SPAN = ['--from', '2017-10-16', '--to', '2017-11-10'];
const TEAMS = ['team-01', 'team-02', 'team-03', 'team-04', 'team-05', 'team-06'];

const exe = servicesEnv().CHROMIUM_PATH || '/usr/bin/chromium';
const have = existsSync(exe);
if (!have && servicesRequired()) throw new Error(`Chromium not found at ${exe} (ARENA_SERVICES=required): install it or set CHROMIUM_PATH, e.g. \`bash scripts/services.sh setup\``);
if (!have) console.warn(`SKIPPED class competition test: no Chromium at ${exe} (set CHROMIUM_PATH)`);

const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@localhost', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@localhost' };
const git = (args: string[], cwd?: string) => execFileSync('git', args, { ...(cwd ? { cwd } : {}), env: gitEnv, encoding: 'utf8' });

/** What a team does on its branch: clone it, edit its team file, push. */
function pushChange(repo: string, team: string, edit: (doc: YAML.Document) => void): void {
  const work = mkdtempSync(path.join(tmpdir(), `arena-${team}-`));
  git(['clone', '--quiet', '--branch', team, repo, work]);
  const file = path.join(work, 'teams', `${team}.yml`);
  const doc = YAML.parseDocument(readFileSync(file, 'utf8'));
  edit(doc);
  writeFileSync(file, doc.toString());
  git(['commit', '--quiet', '-am', `${team}: own config`], work);
  git(['push', '--quiet', 'origin', team], work);
}

describe.skipIf(!have)('arena class init + arena compete --class', () => {
  it('six teams on their branches over 20 days end as arena season on the same configs; the live page shows all six', { timeout: 900_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-class-'));
    cpSync(path.join(REPO_ROOT, 'teams'), path.join(dir, 'teams'), { recursive: true });
    cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
    // Per-cycle DVC commits would only slow the daemons down; versioning is tested elsewhere.
    const template = path.join(dir, 'teams', 'red.yml');
    writeFileSync(template, readFileSync(template, 'utf8').replace(/^versioning:.*$/m, 'versioning: { enabled: false }'));

    const init = await runArena(dir, ['class', 'init', '--teams', '6', '--template', 'teams/red.yml', '--repo', 'class.git', '--name', 'class of 6']);
    expect(init.code, init.stderr).toBe(0);
    const repo = path.join(dir, 'class.git');
    expect(git(['branch', '--list'], repo).split('\n').map((b) => b.replace('*', '').trim()).filter(Boolean).sort()).toEqual(['main', ...TEAMS]);
    // The key pairs: one per team, beside the repository, mode 600, in no commit.
    const secrets = path.join(dir, 'class.env.secrets');
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
    const secretValues = readFileSync(secrets, 'utf8').split('\n').filter((l) => /^ALPACA_SECRET_KEY_/.test(l)).map((l) => l.split('=')[1] as string);
    expect(secretValues).toHaveLength(6);
    const history = git(['log', '--all', '-p'], repo);
    for (const v of secretValues) expect(history).not.toContain(v);

    // The teams make the class theirs: another strategy, another seed and network, fewer symbols.
    pushChange(repo, 'team-02', (d) => d.set('strategy', 'strategies/equal-weight-top-k.yml'));
    pushChange(repo, 'team-03', (d) => {
      d.setIn(['model', 'seed'], 11);
      d.setIn(['model', 'encoder', 'hidden'], [16]);
    });
    pushChange(repo, 'team-04', (d) => d.set('symbols', ['AAPL', 'MSFT']));
    pushChange(repo, 'team-05', (d) => d.setIn(['model', 'trainer', 'epochs'], 10));

    const compete = startArena(dir, ['compete', '--class', 'class.git', ...SPAN, '--seconds-per-day', '0', '--out', 'reports', '--keep-serving']);
    let competed: { teams: { team: string }[] };
    try {
      const url = (await compete.waitFor(/live leaderboard on (http:\/\/127\.0\.0\.1:\d+\S*)/))[1] as string;
      await compete.waitFor(/the competition is over; the live leaderboard stays on/);
      competed = JSON.parse(readFileSync(path.join(dir, 'reports', 'leaderboard.json'), 'utf8'));
      // The live standings at the end say what the static leaderboard says.
      const live = (await (await fetch(`${new URL(url).origin}/live.json`)).json()) as { finished: boolean; teams: { team: string; equity: number; accuracy: number | null; predictions_scored: number }[] };
      expect(live.finished).toBe(true);
      const rowsOf = (competed as unknown as { teams: { team: string; final_equity: number; directional_accuracy: number | null; predictions_scored: number }[] }).teams;
      expect(live.teams.map((t) => [t.team, t.equity, t.accuracy, t.predictions_scored])).toEqual(rowsOf.map((t) => [t.team, t.final_equity, t.directional_accuracy, t.predictions_scored]));

      // The live page, as a phone shows it, with nothing but the coordinator reachable.
      const browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox'] });
      try {
        const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
        const page = await context.newPage();
        const errors: string[] = [];
        const blocked: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        const origin = new URL(url).origin;
        await page.route('**/*', (r) => (r.request().url().startsWith(origin) ? r.continue() : (blocked.push(r.request().url()), r.abort())));
        await page.goto(url);
        await page.locator('#status', { hasText: 'final' }).waitFor();
        const rows = await page.locator('#rows tr').allTextContents();
        expect(rows).toHaveLength(6);
        for (const t of TEAMS) expect(rows.some((r) => r.includes(t)), t).toBe(true);
        // Its ranks agree with the static leaderboard's order.
        const order = rows.map((r) => TEAMS.find((t) => r.includes(t)));
        expect(order).toEqual(competed.teams.map((t) => t.team));
        expect(await page.locator('#chart canvas').count()).toBe(1);
        expect(await page.locator('#progress').textContent()).toMatch(/20\/20 trading days/);
        expect(errors).toEqual([]);
        expect(blocked).toEqual([]);
      } finally {
        await browser.close();
      }
    } finally {
      compete.kill('SIGINT');
    }
    const c = await compete.exited;
    expect(c.code, c.stderr.slice(-3000)).toBe(0);

    // The same configs as a season: each branch's files checked out side by side.
    const seasonDir = path.join(dir, 'season');
    mkdirSync(path.join(seasonDir, 'teams'), { recursive: true });
    git(['--work-tree', seasonDir, 'checkout', 'team-01', '--', 'strategies'], repo);
    for (const t of TEAMS) writeFileSync(path.join(seasonDir, 'teams', `${t}.yml`), git(['show', `${t}:teams/${t}.yml`], repo));
    const s = await runArena(seasonDir, ['season', '--teams', TEAMS.map((t) => `teams/${t}.yml`).join(','), ...SPAN, '--out', 'reports', '--no-version', '--quiet']);
    expect(s.code, s.stderr.slice(-3000)).toBe(0);
    const season = JSON.parse(readFileSync(path.join(seasonDir, 'reports', 'leaderboard.json'), 'utf8'));
    expect(competed).toEqual(season);
    // Six different results: the branches' changes were played, not the template six times.
    const finals = new Set((season.teams as { final_equity: number }[]).map((t) => t.final_equity));
    expect(finals.size).toBeGreaterThan(3);
  });
});
