/**
 * Loads and validates team and strategy files before anything runs. Every failure is a
 * ConfigError whose message is one line: `file: field: expected …, got …`.
 */
import { promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, PluginError } from '../core/errors.ts';
import { BUNDLED_DATA_DIR } from '../core/paths.ts';
import type { FeatureSpec } from '../domain/features/spec.ts';
import type { TeamStrategy } from '../domain/trading/strategy.ts';
import { teamSchema, type TeamFile } from './schema.ts';
import { planFeatures, FeatureSpecError } from '../domain/features/matrix.ts';
import { parseYaml, readText, validate } from './parse.ts';
import { resolveTeamPlugins, type TeamPlugins } from './plugins.ts';
import { alpacaKeyNames, type Secrets } from './secrets.ts';
import { loadEnv, type Env } from './env.ts';

export interface TeamConfig extends Omit<TeamFile, 'strategy'> {
  /** The team file as given (for messages) and resolved. */
  file: string;
  /** Directory relative paths are resolved against (the current directory). */
  root: string;
  /** The strategy with its validated parameters (a built-in's file, or the team's module). */
  strategy: TeamStrategy;
  /** The strategy's file: a YAML under strategies/, or the team's module. */
  strategyFile: string;
  /** The team's own code, loaded and checked (model family, feature families, data provider). */
  plugins: Omit<TeamPlugins, 'strategy' | 'strategyFile' | 'featureParams'>;
  workspaceDir: string;
}


/** Symbols a data source can serve, when that can be known before running. */
export function knownSymbols(team: Pick<TeamFile, 'data'>, root: string): { where: string; symbols: string[] } | null {
  const dir = team.data.provider === 'sample' ? BUNDLED_DATA_DIR : team.data.provider === 'csv' && team.data.dir ? path.resolve(root, team.data.dir) : null;
  if (!dir) return null;
  try {
    const symbols = readdirSync(dir)
      .filter((f) => f.toLowerCase().endsWith('.csv'))
      .map((f) => f.slice(0, -4).toUpperCase())
      .sort();
    return { where: team.data.provider === 'sample' ? 'the bundled data' : dir, symbols };
  } catch {
    return { where: dir, symbols: [] };
  }
}

export interface LoadTeamOptions {
  root?: string;
  /** Secrets and endpoints (default: the environment and `<root>/.env.secrets`). */
  secrets?: Env;
  /** Skip the secret checks (e.g. `arena features`, which never talks to a broker). */
  checkSecrets?: boolean;
}

export async function loadTeam(file: string, opts: LoadTeamOptions = {}): Promise<TeamConfig> {
  const root = opts.root ?? process.cwd();
  const abs = path.resolve(root, file);
  const display = path.relative(root, abs) || file;
  const raw = parseYaml(await readText(abs, display), display);
  const team = validate(teamSchema, raw, display);

  if (team.data.provider === 'csv' && !team.data.dir) throw new ConfigError(display, 'data.dir', 'expected a directory of SYMBOL.csv files (required when provider is csv)');
  if (team.data.provider === 'csv' && team.data.dir) {
    const dir = path.resolve(root, team.data.dir);
    const st = await fs.stat(dir).catch(() => null);
    if (!st?.isDirectory()) throw new ConfigError(display, 'data.dir', `expected an existing directory, got "${team.data.dir}"`);
  }
  const known = knownSymbols(team, root);
  if (known) {
    team.symbols.forEach((s, i) => {
      if (!known.symbols.includes(s)) throw new ConfigError(display, `symbols[${i}]`, `unknown symbol "${s}": ${known.where} has ${known.symbols.join(', ') || 'no CSV files'}`);
    });
    if (!known.symbols.includes(team.data.benchmark) && team.data.provider === 'sample')
      throw new ConfigError(display, 'data.benchmark', `unknown symbol "${team.data.benchmark}": ${known.where} has ${known.symbols.join(', ')}`);
  }
  const dupe = team.symbols.find((s, i) => team.symbols.indexOf(s) !== i);
  if (dupe) throw new ConfigError(display, 'symbols', `expected each symbol once, got "${dupe}" twice`);

  const { strategy, strategyFile, featureParams, ...plugins } = await resolveTeamPlugins(team, root, display);
  // A custom family's parameters sit under its own key, where plans and builders look them up.
  const features: FeatureSpec = { ...team.features, ...featureParams };
  try {
    planFeatures(features, new Set(['open', 'high', 'low', 'volume']), [], { registry: plugins.features });
  } catch (err) {
    if (err instanceof FeatureSpecError) {
      const [field, ...rest] = err.message.split(': ');
      throw new ConfigError(display, field ?? 'features', rest.join(': '));
    }
    throw err;
  }

  const env = opts.secrets ?? loadEnv({ cwd: root });
  if (team.storage.kind === 'minio' && !team.storage.endpoint && !env.endpoints.minio)
    throw new ConfigError(display, 'storage.endpoint', 'expected a MinIO URL such as http://127.0.0.1:9000 (or set MINIO_ENDPOINT)');
  if (team.versioning.dvc_remote === 'minio' && team.storage.kind !== 'minio' && !team.storage.endpoint && !env.endpoints.minio)
    throw new ConfigError(display, 'versioning.dvc_remote', 'expected storage.endpoint (or MINIO_ENDPOINT) when the DVC remote is minio');
  if (team.broker.live && team.broker.kind !== 'alpaca') throw new ConfigError(display, 'broker.live', 'expected false: live trading needs broker.kind alpaca');

  if (opts.checkSecrets ?? true) checkSecrets(team, env);

  return {
    ...team,
    features,
    file: display,
    root,
    strategy,
    strategyFile,
    plugins,
    workspaceDir: path.resolve(root, team.workspace ?? path.join('workspaces', team.team)),
  };
}

/** A team's Alpaca keys: its own (ALPACA_KEY_ID_<TEAM> or the names in the team file), else the shared ones. */
export function alpacaKeys(team: Pick<TeamFile, 'team' | 'broker'>, secrets: Secrets, purpose: string): { keyId: string; secretKey: string } {
  const [keyIds, secretKeys] = alpacaKeyNames(team);
  return { keyId: secrets.requireAny(keyIds, purpose), secretKey: secrets.requireAny(secretKeys, purpose) };
}

/** Every non-default adapter needs its secret before anything runs; the error names the variable. */
export function checkSecrets(team: Omit<TeamFile, 'strategy'>, secrets: Secrets): void {
  if (team.data.provider === 'alphavantage') secrets.require('ALPHAVANTAGE_API_KEY', 'data.provider alphavantage');
  const needsAlpaca = team.broker.kind === 'alpaca' || team.data.provider === 'alpaca';
  if (needsAlpaca) {
    const what = team.broker.kind === 'alpaca' ? 'broker.kind alpaca' : 'data.provider alpaca';
    alpacaKeys(team, secrets, what);
  }
  if (team.storage.kind === 'minio' || team.versioning.dvc_remote === 'minio') {
    secrets.require('MINIO_ACCESS_KEY', 'storage.kind minio');
    secrets.require('MINIO_SECRET_KEY', 'storage.kind minio');
  }
}

export async function loadTeams(files: readonly string[], opts: LoadTeamOptions = {}): Promise<TeamConfig[]> {
  const { teams, refused } = await loadTeamsPlaying(files, opts);
  if (refused[0]) throw refused[0].error;
  return teams;
}

/**
 * For a season or a competition: every team whose file loads, and the ones whose own plug-in was
 * refused (it does not load, has the wrong shape or refuses its parameters), each with its one-line
 * error — a broken plug-in does not stop the others. Any other configuration error (a wrong type, an
 * unknown key, a missing strategy file) and clashes between teams (names, ports) refuse the whole set
 * before anything runs.
 */
export async function loadTeamsPlaying(files: readonly string[], opts: LoadTeamOptions = {}): Promise<{ teams: TeamConfig[]; refused: { file: string; error: ConfigError }[] }> {
  if (files.length === 0) throw new ConfigError('--teams', '', 'expected at least one team file');
  const teams: TeamConfig[] = [];
  const refused: { file: string; error: ConfigError }[] = [];
  for (const f of files) {
    try {
      teams.push(await loadTeam(f, opts));
    } catch (err) {
      if (!(err instanceof PluginError)) throw err;
      refused.push({ file: f, error: err });
    }
  }
  const names = new Set<string>();
  for (const t of teams) {
    if (names.has(t.team)) throw new ConfigError(t.file, 'team', `expected a unique team name, got "${t.team}" twice`);
    names.add(t.team);
  }
  const ports = new Map<number, string>();
  for (const t of teams) {
    const other = ports.get(t.server.port);
    if (other && t.server.port !== 0) throw new ConfigError(t.file, 'server.port', `expected a port not used by ${other}, got ${t.server.port}`);
    ports.set(t.server.port, t.file);
  }
  return { teams, refused };
}
