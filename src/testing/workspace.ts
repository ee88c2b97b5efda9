/**
 * An arena project in a temp directory (this repo's teams/ and strategies/, team red's storage and
 * versioning lines replaced); run the real `arena` CLI in it with `runArena` (processes.ts).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './services.ts';

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
