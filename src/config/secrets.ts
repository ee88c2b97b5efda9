/**
 * Secrets come only from `.env.secrets` (dotenv format) or the process environment — never from YAML
 * (read by config/env.ts). This names them.
 */

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

/** Where a team's Alpaca keys may come from, in order: its own names, then the shared ones, then the SDK's. */
export function alpacaKeyNames(team: { team: string; broker: { key_id_env?: string | undefined; secret_key_env?: string | undefined } }): [string[], string[]] {
  return [
    [team.broker.key_id_env ?? teamSecretName('ALPACA_KEY_ID', team.team), 'ALPACA_KEY_ID', 'APCA_API_KEY_ID'],
    [team.broker.secret_key_env ?? teamSecretName('ALPACA_SECRET_KEY', team.team), 'ALPACA_SECRET_KEY', 'APCA_API_SECRET_KEY'],
  ];
}
