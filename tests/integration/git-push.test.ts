/**
 * `git push` of a team workspace to a real smart-HTTP git server (`git http-backend` behind a Node
 * http server on 127.0.0.1 that demands an Authorization header) with real DVC: without GIT_TOKEN
 * the push fails, is reported and stays owed; with it the next cycle pushes, even when that cycle
 * has nothing new to commit. The token must appear in no file of the workspace (.git included), no
 * note, no log line and no process's argv.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { simpleGit } from 'simple-git';
import { describe, expect, it } from 'vitest';
import { closeLogger, createLogger } from '../../src/core/log.ts';
import { DvcGitVersioner, findDvc } from '../../src/adapters/versioning/index.ts';
import { startGitHttpServer } from '../../src/testing/git-http-server.ts';
import { needServices, servicesEnv } from '../../src/testing/services.ts';
import { runArena } from '../../src/testing/processes.ts';
import { arenaProject, filesUnder, scratchDirs } from '../../src/testing/workspace.ts';

const run = promisify(execFile);
const dvcBin = servicesEnv().DVC_BIN ?? (await findDvc()) ?? needServices('DVC', ['DVC_BIN'])?.DVC_BIN ?? null;

const tempDir = scratchDirs();

/** A fresh token per run, and the header the server demands (computed here, not by the code under test). */
function newToken(): { token: string; authorization: string; forbidden: string[] } {
  const token = `ghp_${randomBytes(18).toString('hex')}`;
  const b64 = Buffer.from(`x-access-token:${token}`).toString('base64');
  return { token, authorization: `Basic ${b64}`, forbidden: [token, b64] };
}

/** The bare repository's main, or null when nothing was pushed. */
async function bareMain(repoDir: string): Promise<string | null> {
  try {
    return (await run('git', ['--git-dir', repoDir, 'rev-parse', '--verify', '--quiet', 'refs/heads/main'])).stdout.trim();
  } catch {
    return null;
  }
}

/** Each forbidden string found in the file, by path: raw bytes, so binary files count too. */
function leaksIn(files: readonly string[], forbidden: readonly string[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    const buf = readFileSync(f);
    for (const s of forbidden) if (buf.includes(s)) out.push(f);
  }
  return out;
}

/** Every process's command line, as `ps` shows it (from /proc where there is one). */
function psArgs(): string {
  if (!existsSync('/proc/self/cmdline')) return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  const lines: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      lines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim());
    } catch {
      // The process ended meanwhile.
    }
  }
  return lines.join('\n');
}

describe.skipIf(!dvcBin)('git push with GIT_TOKEN (real git http-backend, real DVC)', () => {
  const bin = dvcBin as string;

  it('no token: the push fails, is noted and owed; a wrong one likewise; the right one pushes the owed commit on a cycle with nothing new', { timeout: 180_000 }, async () => {
    const { token, authorization, forbidden } = newToken();
    const argvSeen: string[] = [];
    // While git waits for the answer to an authorized request, every process's argv is looked at.
    const srv = await startGitHttpServer({ root: tempDir('arena-git-srv-'), authorization, onAuthorized: () => argvSeen.push(psArgs()) });
    try {
      const ws = tempDir('arena-ws-');
      mkdirSync(path.join(ws, 'data'), { recursive: true });
      writeFileSync(path.join(ws, 'data', 'AAPL.csv'), 'date,close\n2017-11-09,175.88\n');
      const logFile = path.join(tempDir('arena-log-'), 'arena.jsonl');
      const logger = createLogger({ console: false, jsonFile: logFile });
      const open = (gitToken?: string) =>
        DvcGitVersioner.open({ workspaceDir: ws, team: 'red', dvcBin: bin, gitRemote: srv.url, gitPush: true, ...(gitToken ? { gitToken } : {}), logger });
      const cycle = (v: DvcGitVersioner, date: string) => v.commitCycle({ date, runId: `red-${date}`, paths: ['data'], message: `arena(red): cycle ${date}` });
      const notes: string[] = [];

      const v1 = await open();
      const r1 = await cycle(v1, '2017-11-09');
      notes.push(...r1.notes);
      expect(r1.commit).toMatch(/^[0-9a-f]{40}$/);
      const short = (r1.commit as string).slice(0, 12);
      expect(r1.notes).toHaveLength(1);
      expect(r1.notes[0]).toMatch(new RegExp(`^git push of ${short} to ${srv.url.replace(/\./g, '\\.')} failed \\(.+\\); no GIT_TOKEN set .*the commit stays local and is owed: the next cycle pushes it again$`));
      expect(await v1.gitPushOwed()).toBe(true);
      expect(await bareMain(srv.repoDir)).toBeNull();
      // Refused at discovery: git never reached receive-pack.
      expect(new Set(srv.requests.map((r) => `${r.method} ${r.path} ${r.authorized ? 'authorized' : 'refused'}`))).toEqual(new Set(['GET /team.git/info/refs refused']));
      expect((await simpleGit(ws).log()).total).toBe(1);

      // A wrong token is refused just the same, and the note does not echo it.
      const wrong = newToken();
      const r2 = await cycle(await open(wrong.token), '2017-11-10');
      notes.push(...r2.notes);
      expect(r2.commit).toBe(r1.commit);
      expect(r2.notes.join('\n')).toMatch(new RegExp(`git push of ${short} .* failed .*is owed`));
      for (const s of wrong.forbidden) expect(r2.notes.join('\n')).not.toContain(s);
      expect(await bareMain(srv.repoDir)).toBeNull();

      // The right token: this cycle commits nothing new, and still pushes the owed commit.
      const v3 = await open(token);
      const r3 = await cycle(v3, '2017-11-13');
      notes.push(...r3.notes);
      expect(r3.commit).toBe(r1.commit);
      expect(r3.notes).toEqual(['nothing changed since the last commit']);
      expect(await bareMain(srv.repoDir)).toBe(r1.commit);
      expect(await v3.gitPushOwed()).toBe(false);
      expect(srv.requests.some((r) => r.authorized && r.path.endsWith('/git-receive-pack'))).toBe(true);

      // Nothing owed: a cycle without a new commit does not contact the remote at all.
      const seen = srv.requests.length;
      notes.push(...(await cycle(v3, '2017-11-14')).notes);
      expect(srv.requests.length).toBe(seen);

      // A new commit goes out in its own cycle.
      writeFileSync(path.join(ws, 'data', 'AAPL.csv'), 'date,close\n2017-11-09,175.88\n2017-11-15,169.08\n');
      const r5 = await cycle(v3, '2017-11-15');
      notes.push(...r5.notes);
      expect(r5.commit).not.toBe(r1.commit);
      expect(await bareMain(srv.repoDir)).toBe(r5.commit);

      // Someone else moved the remote's main: the next push is rejected (not a fast-forward),
      // reported, and tried again by the following cycle although it commits nothing new.
      const bare = ['--git-dir', srv.repoDir];
      const tree = (await run('git', [...bare, 'hash-object', '-w', '-t', 'tree', '/dev/null'])).stdout.trim();
      const theirs = (await run('git', [...bare, '-c', 'user.name=x', '-c', 'user.email=x@x', 'commit-tree', tree, '-m', 'theirs'])).stdout.trim();
      await run('git', [...bare, 'update-ref', 'refs/heads/main', theirs]);
      writeFileSync(path.join(ws, 'data', 'AAPL.csv'), 'date,close\n2017-11-09,175.88\n2017-11-15,169.08\n2017-11-16,171.10\n');
      const r6 = await cycle(v3, '2017-11-16');
      notes.push(...r6.notes);
      const short6 = (r6.commit as string).slice(0, 12);
      expect(r6.notes.join('\n')).toMatch(new RegExp(`git push of ${short6} to .* failed \\(.*(rejected|fetch first|non-fast-forward).*\\); the commit stays local and is owed`));
      expect(await v3.gitPushOwed()).toBe(true);
      const r7 = await cycle(v3, '2017-11-17');
      notes.push(...r7.notes);
      expect(r7.commit).toBe(r6.commit);
      expect(r7.notes).toEqual(['nothing changed since the last commit', expect.stringMatching(new RegExp(`^git push of ${short6} .* failed .*is owed`))]);
      expect(await bareMain(srv.repoDir)).toBe(theirs);
      await closeLogger(logger);

      // The token: in no file under .git (config, hooks, logs, the push record), no commit, no
      // config value, no remote, no note, no log line, and no argv while the push ran.
      const git = simpleGit(ws);
      const gitFiles = filesUnder(path.join(ws, '.git'));
      // The scan covers the places a token could land: config, the reflogs, the push record, the objects.
      const under = gitFiles.map((f) => path.relative(path.join(ws, '.git'), f));
      expect(under).toEqual(expect.arrayContaining(['config', 'HEAD', 'logs/HEAD', 'logs/refs/heads/main']));
      expect(under.some((f) => f.startsWith('objects/'))).toBe(true);
      expect(leaksIn(gitFiles, forbidden)).toEqual([]);
      const decoded = [await git.raw(['log', '--all', '-p']), await git.raw(['config', '--list', '--show-origin']), await git.raw(['remote', '-v'])].join('\n');
      const logText = readFileSync(logFile, 'utf8');
      expect(logText).toContain(`pushed commit ${short} to ${srv.url}`);
      // A snapshot of every argv was taken while the push ran (its own command line is in it).
      expect(argvSeen.join('\n')).toMatch(/git .*push http/);
      for (const s of forbidden) {
        expect(decoded).not.toContain(s);
        expect(notes.join('\n')).not.toContain(s);
        expect(logText).not.toContain(s);
        expect(argvSeen.join('\n')).not.toContain(s);
      }
    } finally {
      await srv.close();
    }
  });

  it('`arena cycle` takes GIT_TOKEN from .env.secrets: a cycle without it owes the push, the next one pushes both commits', { timeout: 300_000 }, async () => {
    const { token, authorization, forbidden } = newToken();
    const argvSeen: string[] = [];
    const srv = await startGitHttpServer({ root: tempDir('arena-git-srv-'), authorization, onAuthorized: () => argvSeen.push(psArgs()) });
    try {
      const p = arenaProject({ versioning: `{ enabled: true, dvc_remote: none, git_remote: "${srv.url}", git_push: true }`, prefix: 'arena-gitpush-' });
      tempDir.track(p.dir);
      const env: NodeJS.ProcessEnv = { ...process.env, DVC_BIN: bin };
      delete env.GIT_TOKEN;
      const cycle = (date: string) => runArena(p.dir, ['cycle', '--team', p.teamFile, '--date', date], { env });

      const c1 = await cycle('2017-11-09');
      expect(c1.code, c1.stderr).toBe(0);
      expect(c1.stdout).toMatch(/^red 2017-11-09: ran .*version/m);
      expect(c1.stderr).toMatch(/git push of [0-9a-f]{12} to http:\/\/127\.0\.0\.1:\d+\/team\.git failed \(.+\); no GIT_TOKEN set .*is owed/);
      const first = (await simpleGit(p.workspace).revparse(['HEAD'])).trim();
      expect(await bareMain(srv.repoDir)).toBeNull();

      // The token arrives the way a user gives it: in the project's .env.secrets.
      const secretsFile = path.join(p.dir, '.env.secrets');
      writeFileSync(secretsFile, `GIT_TOKEN=${token}\n`);
      const c2 = await cycle('2017-11-10');
      expect(c2.code, c2.stderr).toBe(0);
      expect(c2.stderr).not.toMatch(/git push .*failed/);
      expect(c2.stderr).toMatch(/pushed commit [0-9a-f]{12} to http:\/\/127\.0\.0\.1/);
      const second = (await simpleGit(p.workspace).revparse(['HEAD'])).trim();
      expect(second).not.toBe(first);
      expect(await bareMain(srv.repoDir)).toBe(second);
      const pushed = (await run('git', ['--git-dir', srv.repoDir, 'log', '--format=%H', 'main'])).stdout.trim().split('\n');
      expect(pushed).toEqual([second, first]);

      // Every file the cycles wrote (workspace, .git, journal with the step notes, logs, reports) but .env.secrets.
      const files = filesUnder(p.dir).filter((f) => f !== secretsFile);
      expect(files.some((f) => f.endsWith(path.join('logs', 'arena.jsonl')))).toBe(true);
      expect(leaksIn(files, forbidden)).toEqual([]);
      expect(argvSeen.join('\n')).toMatch(/git .*push http/);
      for (const s of forbidden) {
        expect(c1.stderr + c1.stdout + c2.stderr + c2.stdout).not.toContain(s);
        expect(argvSeen.join('\n')).not.toContain(s);
      }
    } finally {
      await srv.close();
    }
  });
});
