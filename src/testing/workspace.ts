/**
 * An arena project in a temp directory (this repo's teams/ and strategies/, team red's storage and
 * versioning lines replaced) and the real `arena` CLI run in it as a child process, as a user runs it.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './services.ts';

export const ARENA_BIN = path.join(REPO_ROOT, 'bin', 'arena.mjs');

export interface ArenaProject {
  /** The project root (cwd of `arena`; `.env.secrets` goes here). */
  dir: string;
  /** Team red's file, relative to dir. */
  teamFile: string;
  /** Team red's workspace (git + DVC repository). */
  workspace: string;
}

/**
 * Copies teams/ and strategies/ to a temp dir and rewrites red's one-line `storage:` and
 * `versioning:` entries (flow-style YAML, e.g. `{ kind: fs, bucket_prefix: x }`). Fails when the
 * team file no longer has the lines it replaces, so a changed fixture cannot silently test nothing.
 */
export function arenaProject(opts: { storage?: string; versioning: string; prefix?: string }): ArenaProject {
  const dir = mkdtempSync(path.join(tmpdir(), opts.prefix ?? 'arena-project-'));
  cpSync(path.join(REPO_ROOT, 'teams'), path.join(dir, 'teams'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
  const file = path.join(dir, 'teams', 'red.yml');
  let text = readFileSync(file, 'utf8');
  const swap = (re: RegExp, line: string) => {
    if (!re.test(text)) throw new Error(`teams/red.yml: no line matching ${re}; update src/testing/workspace.ts`);
    text = text.replace(re, line);
  };
  if (opts.storage) swap(/^storage: .*$/m, `storage: ${opts.storage}`);
  swap(/^versioning: .*$/m, `versioning: ${opts.versioning}`);
  writeFileSync(file, text);
  return { dir, teamFile: 'teams/red.yml', workspace: path.join(dir, 'workspaces', 'red') };
}

export interface ArenaRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `arena ARGS` in cwd with exactly `env` (plus nothing inherited), streaming stderr lines to
 * `onStderrLine` as they come (the console log goes to stderr). Resolves on exit, whatever the code.
 */
export function runArena(cwd: string, args: string[], opts: { env: NodeJS.ProcessEnv; timeoutMs?: number; onStderrLine?: (line: string) => void }): Promise<ArenaRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ARENA_BIN, ...args], { cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      stderr += text;
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) opts.onStderrLine?.(l);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (partial) opts.onStderrLine?.(partial);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Every regular file under dir (recursively), as absolute paths. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Temporary directories for one test file, removed after its tests (call at module level); `track` adds one made elsewhere. */
export function scratchDirs(): ((prefix: string) => string) & { track(dir: string): void } {
  const temps: string[] = [];
  afterAll(() => {
    for (const d of temps) rmSync(d, { recursive: true, force: true });
  });
  const make = (prefix: string): string => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    temps.push(dir);
    return dir;
  };
  return Object.assign(make, { track: (dir: string) => void temps.push(dir) });
}
