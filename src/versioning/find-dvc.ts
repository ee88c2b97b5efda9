import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../core/paths.ts';

const run = promisify(execFile);

async function works(bin: string): Promise<boolean> {
  try {
    await run(bin, ['--version'], { timeout: 60_000, env: { ...process.env, DVC_NO_ANALYTICS: '1' } });
    return true;
  } catch {
    return false;
  }
}

let cached: Promise<string | null> | null = null;

/** `DVC_BIN`, else the project venv's dvc (scripts/services.sh setup), else `dvc` on PATH; null when none runs. */
export function findDvc(): Promise<string | null> {
  cached ??= (async () => {
    const candidates = [process.env.DVC_BIN, path.join(PACKAGE_ROOT, '.venv', 'bin', 'dvc'), 'dvc'].filter((c): c is string => !!c);
    for (const c of candidates) {
      if (c.includes('/') && !existsSync(c)) continue;
      if (await works(c)) return c;
    }
    return null;
  })();
  return cached;
}
