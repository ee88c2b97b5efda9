/**
 * Loads and validates team and strategy files before anything runs. Every failure is a
 * ConfigError whose message is one line: `file: field: expected …, got …`.
 */
import { promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { BUNDLED_DATA_DIR } from '../core/paths.ts';
import { teamSchema, type TeamFile } from './schema.ts';
import { strategySpecSchema, type StrategySpec } from '../domain/trading/strategy-spec.ts';
import { describeIssue, describeYamlError } from './describe.ts';
import { planFeatures, FeatureSpecError } from '../domain/features/matrix.ts';
import { alpacaKeyNames, type Secrets } from './secrets.ts';
import { loadEnv, type Env } from './env.ts';

export interface TeamConfig extends TeamFile {
  /** The team file as given (for messages) and resolved. */
  file: string;
  /** Directory relative paths are resolved against (the current directory). */
  root: string;
  strategyFile: string;
  strategySpec: StrategySpec;
  workspaceDir: string;
}

/** A config file is a few KB; anything far larger was named by mistake (and is not read whole). */
const MAX_CONFIG_BYTES = 1 << 20;

async function readText(file: string, displayName: string): Promise<string> {
  try {
    const st = await fs.stat(file);
    if (st.isDirectory()) throw new ConfigError(displayName, '', 'expected a YAML file, got a directory');
    if (!st.isFile()) throw new ConfigError(displayName, '', 'expected a YAML file, got a device or other special file');
    if (st.size > MAX_CONFIG_BYTES) throw new ConfigError(displayName, '', `expected a YAML file of at most 1 MB, got ${(st.size / MAX_CONFIG_BYTES).toFixed(1)} MB`);
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(displayName, '', code === 'ENOENT' ? 'file not found' : `cannot read (${code})`, { cause: err });
  }
}

function parseYaml(text: string, displayName: string): unknown {
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  // The parser's messages may quote the file: the one line is made from the error's code and position only.
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0] ?? (first.pos ? lineCounter.linePos(first.pos[0]) : undefined);
    const { field, text: expected } = describeYamlError(first.code, pos);
    throw new ConfigError(displayName, field, expected);
  }
  try {
    // An alias bomb (anchors referencing anchors) expands exponentially: the parser stops it at 100 aliases.
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const msg = String(err);
    const code = err instanceof YAML.YAMLError ? err.code : /excessive alias/i.test(msg) ? 'RESOURCE_EXHAUSTION' : /unresolved alias/i.test(msg) ? 'BAD_ALIAS' : 'IMPOSSIBLE';
    const { field, text: expected } = describeYamlError(code);
    throw new ConfigError(displayName, field, expected, { cause: err });
  }
}

function validate<S extends z.ZodType>(schema: S, value: unknown, displayName: string): z.infer<S> {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  const issue = r.error.issues[0] as z.core.$ZodIssue;
  const { field, text } = describeIssue(schema, issue, value);
  const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : '';
  throw new ConfigError(displayName, field, text + more);
}

export async function loadStrategy(file: string, displayName = file): Promise<StrategySpec> {
  const value = parseYaml(await readText(file, displayName), displayName);
  return validate(strategySpecSchema, value, displayName);
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

  try {
    planFeatures(team.features, new Set(['open', 'high', 'low', 'volume']));
  } catch (err) {
    if (err instanceof FeatureSpecError) {
      const [field, ...rest] = err.message.split(': ');
      throw new ConfigError(display, field ?? 'features', rest.join(': '));
    }
    throw err;
  }

  const strategyFile = path.resolve(root, team.strategy);
  const strategyStat = await fs.stat(strategyFile).catch(() => null);
  if (!strategyStat?.isFile())
    throw new ConfigError(display, 'strategy', `expected a strategy file (e.g. strategies/best-gain-worst-loss.yml), got "${team.strategy}", which ${!strategyStat ? 'does not exist' : strategyStat.isDirectory() ? 'is a directory' : 'is not a regular file'}`);
  const strategyShown = path.relative(root, strategyFile).startsWith('..') ? strategyFile : path.relative(root, strategyFile);
  const strategySpec = await loadStrategy(strategyFile, strategyShown).catch((err: unknown) => {
    // Not a strategy at all (not YAML, not a mapping): name the team's field, not a line of that file.
    if (err instanceof ConfigError && err.field === '') throw new ConfigError(display, 'strategy', `expected a strategy file (e.g. strategies/best-gain-worst-loss.yml), got "${team.strategy}": ${err.expected}`, { cause: err });
    throw err;
  });
  if (strategySpec.kind === 'equal-weight-top-k' && strategySpec.k > team.symbols.length)
    throw new ConfigError(path.relative(root, strategyFile), 'k', `expected at most ${team.symbols.length} (the team's symbol count), got ${strategySpec.k}`);

  const env = opts.secrets ?? loadEnv({ cwd: root });
  if (team.storage.kind === 'minio' && !team.storage.endpoint && !env.endpoints.minio)
    throw new ConfigError(display, 'storage.endpoint', 'expected a MinIO URL such as http://127.0.0.1:9000 (or set MINIO_ENDPOINT)');
  if (team.versioning.dvc_remote === 'minio' && team.storage.kind !== 'minio' && !team.storage.endpoint && !env.endpoints.minio)
    throw new ConfigError(display, 'versioning.dvc_remote', 'expected storage.endpoint (or MINIO_ENDPOINT) when the DVC remote is minio');
  if (team.broker.live && team.broker.kind !== 'alpaca') throw new ConfigError(display, 'broker.live', 'expected false: live trading needs broker.kind alpaca');

  if (opts.checkSecrets ?? true) checkSecrets(team, env);

  return {
    ...team,
    file: display,
    root,
    strategyFile,
    strategySpec,
    workspaceDir: path.resolve(root, team.workspace ?? path.join('workspaces', team.team)),
  };
}

/** A team's Alpaca keys: its own (ALPACA_KEY_ID_<TEAM> or the names in the team file), else the shared ones. */
export function alpacaKeys(team: Pick<TeamFile, 'team' | 'broker'>, secrets: Secrets, purpose: string): { keyId: string; secretKey: string } {
  const [keyIds, secretKeys] = alpacaKeyNames(team);
  return { keyId: secrets.requireAny(keyIds, purpose), secretKey: secrets.requireAny(secretKeys, purpose) };
}

/** Every non-default adapter needs its secret before anything runs; the error names the variable. */
export function checkSecrets(team: TeamFile, secrets: Secrets): void {
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
  const teams: TeamConfig[] = [];
  for (const f of files) teams.push(await loadTeam(f, opts));
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
  return teams;
}
