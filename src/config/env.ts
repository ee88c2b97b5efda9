/**
 * The one place that reads the process environment and `.env.secrets` (dotenv format, git-ignored).
 * Everything else is handed what it needs: endpoints, secrets, flags, or the environment for a child
 * process. Nothing writes `process.env`; an override (e.g. `arena run --exchange URL`) is a new Env.
 * Every secret value is registered with the redactor so it cannot reach logs or reports.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import { MissingSecretError } from '../core/errors.ts';
import { gitHead, PACKAGE_VERSION } from '../core/paths.ts';
import { registerSecretValue } from '../core/redact.ts';
import { SECRET_CATALOG, type Secrets } from './secrets.ts';

/** The process environment as it was at start (read once). */
const PROCESS_ENV: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined)),
);

/** Service endpoints; each may come from the environment or `.env.secrets` (the environment wins). */
export interface Endpoints {
  /** ALPHAVANTAGE_BASE_URL: the Alpha Vantage `/query` (default: the real API). */
  alphavantage?: string;
  /** ALPACA_TRADING_URL / ALPACA_DATA_URL: an Alpaca-compatible host (default: Alpaca's paper/data hosts). */
  alpacaTrading?: string;
  alpacaData?: string;
  /** MINIO_ENDPOINT, over `storage.endpoint` in the team file. */
  minio?: string;
  /** MLFLOW_TRACKING_URI: runs and models also go to this MLflow server. */
  mlflow?: string;
}

const ENDPOINT_VARS: Record<keyof Endpoints, string> = {
  alphavantage: 'ALPHAVANTAGE_BASE_URL',
  alpacaTrading: 'ALPACA_TRADING_URL',
  alpacaData: 'ALPACA_DATA_URL',
  minio: 'MINIO_ENDPOINT',
  mlflow: 'MLFLOW_TRACKING_URI',
};

export interface Env extends Secrets {
  readonly endpoints: Readonly<Endpoints>;
  /** ARENA_DEBUG: stack traces and source maps. */
  readonly debug: boolean;
  /** ARENA_LOG_LEVEL (default info). */
  readonly logLevel: string;
  /** ARENA_TF_BACKEND: force a TensorFlow.js backend (wasm, cpu, tensorflow). */
  readonly tfBackend: string | undefined;
  /** ARENA_CONFIRM_LIVE=yes: the second key that allows live (not paper) Alpaca trading. */
  readonly confirmLive: boolean;
  /** ARENA_PARENT_PID: the competition that started this daemon (it stops when that process is gone). */
  readonly parentPid: number | undefined;
  /** The environment for a child process: this process's, plus `extra`. */
  childEnv(extra?: Record<string, string>): Record<string, string>;
  /** The same environment with some endpoints replaced (instead of writing process.env). */
  withEndpoints(overrides: Partial<Endpoints>): Env;
}

const isSecretName = (k: string): boolean => k in SECRET_CATALOG || /^(ALPACA_(KEY_ID|SECRET_KEY)_|APCA_API_)/.test(k) || /(SECRET|TOKEN|PASSWORD|_KEY)$/.test(k);

export interface LoadEnvOptions {
  /** Where `.env.secrets` is looked for (default: the working directory). */
  cwd?: string;
  file?: string;
  /** The variables to use instead of the process environment (tests). */
  env?: Readonly<Record<string, string | undefined>>;
}

export function loadEnv(opts: LoadEnvOptions = {}): Env {
  const file = opts.file ?? path.join(opts.cwd ?? process.cwd(), '.env.secrets');
  let fromFile: Record<string, string> = {};
  try {
    fromFile = dotenv.parse(readFileSync(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const values = new Map<string, string>();
  for (const [k, v] of Object.entries(fromFile)) if (v !== '') values.set(k, v);
  // The environment wins over the file, as with every twelve-factor tool.
  for (const [k, v] of Object.entries(opts.env ?? PROCESS_ENV)) if (v !== undefined && v !== '') values.set(k, v);
  for (const [k, v] of values) if (isSecretName(k)) registerSecretValue(v);
  return makeEnv(values, null);
}

function makeEnv(values: ReadonlyMap<string, string>, endpointOverrides: Partial<Endpoints> | null): Env {
  const get = (name: string): string | undefined => values.get(name);
  const endpoints: Endpoints = {};
  for (const [key, name] of Object.entries(ENDPOINT_VARS) as [keyof Endpoints, string][]) {
    const v = endpointOverrides?.[key] ?? get(name);
    if (v !== undefined) endpoints[key] = v;
  }
  const parent = Number(get('ARENA_PARENT_PID'));
  return {
    get,
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
    endpoints,
    debug: Boolean(get('ARENA_DEBUG')),
    logLevel: get('ARENA_LOG_LEVEL') ?? 'info',
    tfBackend: get('ARENA_TF_BACKEND'),
    confirmLive: get('ARENA_CONFIRM_LIVE') === 'yes',
    parentPid: Number.isInteger(parent) && parent > 0 ? parent : undefined,
    childEnv: (extra = {}) => {
      const out: Record<string, string> = { ...PROCESS_ENV };
      for (const [key, name] of Object.entries(ENDPOINT_VARS) as [keyof Endpoints, string][]) {
        const v = endpointOverrides?.[key];
        if (v !== undefined) out[name] = v;
      }
      return { ...out, ...extra };
    },
    withEndpoints: (overrides) => makeEnv(values, { ...endpointOverrides, ...overrides }),
  };
}

/** The process environment as it was at start, for a child process (git, DVC) that runs with it. */
export const processEnvironment = (): Record<string, string> => ({ ...PROCESS_ENV });

/** A variable of the process environment, for what must be known before any config is read. */
export const processVariable = (name: string): string | undefined => PROCESS_ENV[name];

/** The process environment as it is now, with what the test harness set after start (its child-process marker). */
export const liveProcessEnvironment = (): NodeJS.ProcessEnv => ({ ...process.env });

/** Sets a variable for this process and the children it starts from now on (the test harness's marker). */
export function setProcessVariable(name: string, value: string): void {
  process.env[name] = value;
}

/** paper-arena's version and git commit (ARENA_CODE_COMMIT in an image), recorded with every model and run. */
export const CODE_VERSION = `${PACKAGE_VERSION}+${PROCESS_ENV.ARENA_CODE_COMMIT ?? gitHead() ?? 'nogit'}`;
