/**
 * Real servers for integration tests (MinIO, MLflow, DVC, Evidently's Python, Chromium), started by
 * `scripts/services.sh start`, which writes their coordinates to `.services/env`. In CI
 * (`ARENA_SERVICES=required`, set by `.ci/run`) a missing service fails the test loudly; on a
 * developer machine without them the suite is skipped with a visible reason. Only the integration
 * project may ask for them (vitest.config.ts): `npm test` must pass on a fresh clone.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { liveProcessEnvironment, processEnvironment, processVariable } from '../config/env.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SERVICES_ENV_FILE = path.join(REPO_ROOT, '.services', 'env');

export function servicesEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  if (existsSync(SERVICES_ENV_FILE)) {
    for (const line of readFileSync(SERVICES_ENV_FILE, 'utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (m) out[m[1] as string] = m[2] as string;
    }
  }
  // The process environment wins over the file.
  for (const [k, v] of Object.entries(processEnvironment())) if (/^(MINIO_|MLFLOW_|ARENA_|DVC_|CHROMIUM_)/.test(k)) out[k] = v;
  return out;
}

export const servicesRequired = (): boolean => processVariable('ARENA_SERVICES') === 'required';

/**
 * The named variables, or null when absent and not required (the caller skips its suite). Throws
 * in CI so a service that failed to start cannot pass as a skipped test.
 */
export function needServices(what: string, keys: readonly string[]): Record<string, string> | null {
  const project = liveProcessEnvironment().ARENA_TEST_PROJECT;
  if (project === 'unit' || project === 'e2e') throw new Error(`${what}: a test that needs a service belongs in tests/integration (npm run test:integration), not in the ${project} project`);
  const env = servicesEnv();
  const missing = keys.filter((k) => !env[k]);
  if (missing.length === 0) return env;
  const msg = `${what}: ${missing.join(', ')} not set; run \`bash scripts/services.sh start\` first`;
  if (servicesRequired()) throw new Error(msg);
  console.warn(`SKIPPED ${msg}`);
  return null;
}
