/**
 * Secrets come only from `.env.secrets` (dotenv format) or the process environment — never from YAML.
 * Every known secret value is registered with the redactor so it cannot reach logs or reports.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import { MissingSecretError } from '../core/errors.ts';
import { registerSecretValue } from '../core/redact.ts';

/** Every secret the project reads, with what it is for. `.env.secrets.template` lists the same. */
export const SECRET_CATALOG = {
  ALPHAVANTAGE_API_KEY: 'Alpha Vantage API key (data.provider: alphavantage)',
  ALPACA_KEY_ID: 'Alpaca key id, default for every team',
  ALPACA_SECRET_KEY: 'Alpaca secret key, default for every team',
  MINIO_ACCESS_KEY: 'MinIO / S3 access key (storage.kind: minio, versioning remote)',
  MINIO_SECRET_KEY: 'MinIO / S3 secret key',
  GIT_TOKEN: 'token for pushing the team workspace to its git remote',
  MLFLOW_TRACKING_TOKEN: 'bearer token for an MLflow server that needs one',
  ARENA_API_TOKEN: 'bearer token protecting the daemon API mutating endpoints',
} as const;

/** Per-team Alpaca keys: ALPACA_KEY_ID_RED / ALPACA_SECRET_KEY_RED override the shared ones. */
export function teamSecretName(base: 'ALPACA_KEY_ID' | 'ALPACA_SECRET_KEY', team: string): string {
  return `${base}_${team.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export interface Secrets {
  get(name: string): string | undefined;
  require(name: string, purpose: string): string;
  /** First of the names that is set; the error names the first one. */
  requireAny(names: string[], purpose: string): string;
}

export function loadSecrets(opts: { cwd?: string; file?: string; env?: NodeJS.ProcessEnv } = {}): Secrets {
  const file = opts.file ?? path.join(opts.cwd ?? process.cwd(), '.env.secrets');
  let fromFile: Record<string, string> = {};
  try {
    fromFile = dotenv.parse(readFileSync(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const env = opts.env ?? process.env;
  const values = new Map<string, string>();
  for (const [k, v] of Object.entries(fromFile)) if (v !== '') values.set(k, v);
  // The environment wins over the file, as with every twelve-factor tool.
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') values.set(k, v);
  const isSecretName = (k: string) =>
    k in SECRET_CATALOG || /^(ALPACA_(KEY_ID|SECRET_KEY)_|APCA_API_)/.test(k) || /(SECRET|TOKEN|PASSWORD|_KEY)$/.test(k);
  for (const [k, v] of values) if (isSecretName(k)) registerSecretValue(v);
  return {
    get: (name) => values.get(name),
    require(name, purpose) {
      const v = values.get(name);
      if (v === undefined) throw new MissingSecretError(name, purpose);
      return v;
    },
    requireAny(names, purpose) {
      for (const n of names) {
        const v = values.get(n);
        if (v !== undefined) return v;
      }
      throw new MissingSecretError(names.join(' or '), purpose);
    },
  };
}
