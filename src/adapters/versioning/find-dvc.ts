/** Where DVC is: `DVC_BIN`, else the project venv's dvc (scripts/services.sh setup), else `dvc` on PATH. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../../core/paths.ts';
import { processEnvironment } from '../../config/env.ts';

const run = promisify(execFile);

/** The version `dvc --version` prints, or null when the binary does not run. */
export async function dvcVersion(bin: string, env: Readonly<Record<string, string>>): Promise<string | null> {
  try {
    const { stdout } = await run(bin, ['--version'], { timeout: 60_000, env: { ...env, DVC_NO_ANALYTICS: '1', DVC_NO_UPDATER: '1' } });
    return stdout.trim() || 'unknown';
  } catch {
    return null;
  }
}

/** The candidates in order of preference. */
export function dvcCandidates(env: Readonly<Record<string, string | undefined>>): string[] {
  return [env.DVC_BIN, path.join(PACKAGE_ROOT, '.venv', 'bin', 'dvc'), 'dvc'].filter((c): c is string => !!c);
}

let found: Promise<string | null> | null = null;

/**
 * The first DVC that answers `--version`, or null. A hit is remembered; a miss is looked up again next time.
 * `env` is the environment DVC runs with (DVC_BIN, PATH).
 */
export function findDvc(env: Readonly<Record<string, string>> = processEnvironment()): Promise<string | null> {
  found ??= (async () => {
    for (const c of dvcCandidates(env)) {
      if (c.includes('/') && !existsSync(c)) continue;
      if ((await dvcVersion(c, env)) !== null) return c;
    }
    return null;
  })();
  const p = found;
  void p.then((bin) => {
    if (bin === null && found === p) found = null;
  });
  return p;
}
