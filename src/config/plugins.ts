/**
 * A team's own code: modules named in its team file (`strategy: { module: ./teams/green/strategy.ts, … }`,
 * `model.encoder.module`, `features.custom[].module`, `data.module`), loaded with `import()` (tsx runs
 * a `.ts` file directly, no build step) and checked for the shape of the seam they plug into.
 * Every failure — no such file, a directory, a syntax error, a throw at load, a wrong shape — is one
 * ConfigError naming the file and field (exit 2), and never prints the module's source.
 * Plug-in code runs with the daemon's rights (README "Write your own strategy / feature / model").
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ConfigError, errorMessage, PluginError } from '../core/errors.ts';
import { anyStrategy, StrategyParamError, type AnyStrategy, type Strategy, type StrategyDecision, type TeamStrategy } from '../domain/trading/strategy.ts';
import { BUILTIN_STRATEGIES } from '../domain/trading/strategies/index.ts';
import type { ModelBackend } from '../domain/models/model.ts';
import type { FeatureFactory } from '../domain/features/factory.ts';
import { BUILT_IN_FEATURES } from '../domain/features/indicators/index.ts';
import { FeatureRegistry, FeatureRegistryError } from '../domain/features/registry.ts';
import type { MarketDataProvider } from '../ports.ts';
import { parseYaml, readText, validate } from './parse.ts';
import type { TeamFile } from './schema.ts';

const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

export interface LoadedPlugin {
  /** The module file, absolute. */
  file: string;
  /** sha256 of its source: a changed plug-in is a different team (a season's id changes with it). */
  digest: string;
  /** Its default export (or the named export `plugin`). */
  value: unknown;
}

/** The first line of an error, without a file's content (a module that fails may quote its source). */
function firstLine(err: unknown): string {
  return (errorMessage(err).split('\n')[0] ?? '').slice(0, 200);
}

export async function importPlugin(root: string, ref: string, display: string, field: string): Promise<LoadedPlugin> {
  const file = path.resolve(root, ref);
  const where = (what: string) => new ConfigError(display, field, what);
  if (!MODULE_EXTENSIONS.includes(path.extname(file))) throw where(`expected a module file ending in ${MODULE_EXTENSIONS.join(', ')}, got "${ref}"`);
  const st = await fs.stat(file).catch(() => null);
  if (!st) throw where(`expected a module file, got "${ref}", which does not exist`);
  if (!st.isFile()) throw where(`expected a module file, got "${ref}", which is a directory`);
  const digest = createHash('sha256').update(await fs.readFile(file)).digest('hex').slice(0, 16);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw where(`expected a module that loads; ${ref} failed: ${firstLine(err)}`);
  }
  const value = mod.default ?? mod.plugin;
  if (value === undefined) throw where(`expected ${ref} to export default its plug-in object`);
  return { file, digest, value };
}

/** Checks that `value` has the members a seam needs (their types), naming the first one missing. */
export function requireShape(value: unknown, members: Record<string, 'string' | 'function' | 'object' | 'boolean'>, display: string, field: string, seam: string): void {
  if (typeof value !== 'object' || value === null) throw new ConfigError(display, field, `expected the module to export a ${seam} object, got ${value === null ? 'null' : typeof value}`);
  for (const [name, type] of Object.entries(members)) {
    const v = (value as Record<string, unknown>)[name];
    if (typeof v !== type || v === null) throw new ConfigError(display, field, `expected a ${seam} with ${name} (${type}), got ${v === null ? 'null' : typeof v}`);
  }
}

// ---- a team's plug-ins, resolved


export interface TeamPlugins {
  /** The team's strategy with its validated parameters. */
  strategy: TeamStrategy;
  /** Its file: a strategy YAML under strategies/, or the plug-in module. */
  strategyFile: string;
  /** A plug-in model family (`model.encoder.module`); built-ins resolve by type. */
  model?: ModelBackend;
  /** The feature families this team can name: the built-ins plus its `features.custom` modules. */
  features: FeatureRegistry;
  /** Each custom family's validated parameters, by its key (the feature spec carries them under that key). */
  featureParams: Record<string, unknown>;
  /** A plug-in data provider (`data.module`) and its validated `data.params`. */
  provider?: { factory: MarketDataProvider; params: unknown };
  /** Every plug-in module's file and source digest: a changed module is a different team. */
  modules: { field: string; file: string; digest: string }[];
}

const withoutKeys = (o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

function bindChecked(entry: AnyStrategy, params: unknown, team: Pick<TeamFile, 'symbols'>, display: string, prefix: string): TeamStrategy {
  validate(entry.schema, params, display, prefix);
  try {
    return entry.bind(params, team);
  } catch (err) {
    if (err instanceof StrategyParamError) throw new ConfigError(display, [prefix, err.field].filter(Boolean).join('.'), `expected ${err.expected}`);
    throw err;
  }
}

/** A strategy YAML as a mapping (a file that is not one is described by its kind, never by its content). */
export async function readStrategyFile(file: string, shown: string): Promise<Record<string, unknown>> {
  return validate(z.record(z.string(), z.unknown()), parseYaml(await readText(file, shown), shown), shown);
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';

/** What is wrong with a plug-in's `decide` result, or null when it has the StrategyDecision shape. */
function decisionProblem(d: unknown): string | null {
  if (isThenable(d)) return 'got a Promise (decide must not be async)';
  if (typeof d !== 'object' || d === null) return `got ${d === null ? 'null' : typeof d}`;
  const { mode, orders, notes } = d as Partial<Record<keyof StrategyDecision, unknown>>;
  if (mode !== 'regression' && mode !== 'classification' && mode !== 'none') return `got mode ${typeof mode === 'string' ? JSON.stringify(mode) : typeof mode}`;
  if (!Array.isArray(orders) || orders.some((o) => typeof o !== 'object' || o === null)) return 'got orders that are not an array of order objects';
  if (!Array.isArray(notes) || notes.some((n) => typeof n !== 'string')) return 'got notes that are not an array of strings';
  return null;
}

/**
 * A plug-in strategy whose every decision is checked before anyone uses it: the trade step, the
 * dry run and the back-test call `decide` synchronously and read `notes`/`orders`, so an async or
 * misshapen result throws here at once, naming the module (a team's error for the day, not a crash).
 */
function checkedDecisions(strategy: TeamStrategy, display: string, ref: string): TeamStrategy {
  return {
    kind: strategy.kind,
    params: strategy.params,
    decide(input) {
      const d: unknown = strategy.decide(input);
      const problem = decisionProblem(d);
      if (problem === null) return d as StrategyDecision;
      // A rejected promise nobody awaits would end the process (unhandledRejection): mark it handled first.
      if (isThenable(d)) void Promise.resolve(d).catch(() => undefined);
      throw new PluginError(display, 'strategy.module', `expected decide() of ${ref} to return a decision { mode, orders, notes } synchronously, ${problem}`);
    },
  };
}

/** Runs one plug-in's loading and checks: whatever goes wrong there is a PluginError (that team alone is refused). */
async function pluginPart<T>(display: string, field: string, part: () => Promise<T>): Promise<T> {
  try {
    return await part();
  } catch (err) {
    if (err instanceof PluginError) throw err;
    if (err instanceof ConfigError) throw new PluginError(err.file, err.field, err.expected, { cause: err });
    throw new PluginError(display, field, `expected a plug-in that binds its parameters; it threw: ${firstLine(err)}`, { cause: err });
  }
}

/** Loads and checks every plug-in the team file names (modules, parameters), and binds its strategy. */
export async function resolveTeamPlugins(team: TeamFile, root: string, display: string): Promise<TeamPlugins> {
  const modules: TeamPlugins['modules'] = [];
  const load = async (ref: string, field: string) => {
    const p = await importPlugin(root, ref, display, field);
    modules.push({ field, file: p.file, digest: p.digest });
    return p.value;
  };

  // Strategy: a built-in by its file's `kind`, or a module.
  let strategy: TeamStrategy;
  let strategyFile: string;
  if (typeof team.strategy === 'string') {
    strategyFile = path.resolve(root, team.strategy);
    const shown = path.relative(root, strategyFile).startsWith('..') ? strategyFile : path.relative(root, strategyFile) || team.strategy;
    const expectedFile = `expected a strategy file (e.g. strategies/best-gain-worst-loss.yml), got "${team.strategy}"`;
    const st = await fs.stat(strategyFile).catch(() => null);
    if (!st?.isFile()) throw new ConfigError(display, 'strategy', `${expectedFile}, which ${!st ? 'does not exist' : st.isDirectory() ? 'is a directory' : 'is not a regular file'}`);
    let doc: Record<string, unknown>;
    try {
      doc = await readStrategyFile(strategyFile, shown);
    } catch (err) {
      // Not a strategy at all (not YAML, not a mapping): name the team's field, never a line of that file.
      if (err instanceof ConfigError && err.field === '') throw new ConfigError(display, 'strategy', `${expectedFile}: ${err.expected}`, { cause: err });
      throw err;
    }
    const { name, kind } = doc;
    if (typeof name !== 'string' || !name) throw new ConfigError(shown, 'name', 'expected a non-empty name');
    const entry = typeof kind === 'string' ? BUILTIN_STRATEGIES.get(kind) : undefined;
    if (!entry) throw new ConfigError(shown, 'kind', `expected one of ${[...BUILTIN_STRATEGIES.keys()].join(', ')} (or a module: strategy: { module: ./teams/<team>/strategy.ts } in the team file), got ${JSON.stringify(kind)}`);
    strategy = bindChecked(entry, withoutKeys(doc, ['name', 'kind', 'description']), team, shown, '');
  } else {
    const spec = team.strategy;
    strategyFile = path.resolve(root, spec.module);
    strategy = await pluginPart(display, 'strategy.module', async () => {
      const value = await load(spec.module, 'strategy.module');
      requireShape(value, { kind: 'string', schema: 'object', decide: 'function' }, display, 'strategy.module', 'Strategy');
      // The shape was checked member by member just above.
      return checkedDecisions(bindChecked(anyStrategy(value as Strategy<unknown>), withoutKeys(spec, ['module']), team, display, 'strategy'), display, spec.module);
    });
  }

  // Model: a plug-in family when the encoder names a module.
  let model: ModelBackend | undefined;
  const encoder = team.model.encoder;
  if (encoder.type === 'plugin') {
    model = await pluginPart(display, 'model.encoder.module', async () => {
      const value = await load(encoder.module, 'model.encoder.module');
      requireShape(value, { kind: 'string', schema: 'object', fit: 'function', load: 'function' }, display, 'model.encoder.module', 'ModelBackend');
      const backend = value as ModelBackend;
      validate(backend.schema, withoutKeys(encoder, ['type']), display, 'model.encoder');
      return backend;
    });
  }

  // Features: the built-ins plus the team's own families.
  const custom: FeatureFactory[] = [];
  const customParams: Record<string, unknown> = {};
  for (const [i, entry] of (team.features.custom ?? []).entries()) {
    const field = `features.custom[${i}]`;
    await pluginPart(display, `${field}.module`, async () => {
      const value = await load(entry.module, `${field}.module`);
      requireShape(value, { key: 'string', schema: 'object', make: 'function' }, display, `${field}.module`, 'FeatureFactory');
      const factory = value as FeatureFactory;
      if (factory.key in team.features) throw new ConfigError(display, `${field}.module`, `expected a feature key of its own, got "${factory.key}", which the team file already uses`);
      customParams[factory.key] = validate(factory.schema, withoutKeys(entry, ['module']), display, field);
      custom.push(factory);
    });
  }
  let features: FeatureRegistry;
  try {
    features = new FeatureRegistry([...BUILT_IN_FEATURES, ...custom]);
  } catch (err) {
    if (err instanceof FeatureRegistryError) throw new PluginError(display, 'features.custom', `expected a feature key of its own: ${err.message}`);
    throw err;
  }

  // Data: a plug-in provider when `data.module` is given.
  let provider: TeamPlugins['provider'];
  const dataModule = team.data.module;
  if (dataModule) {
    provider = await pluginPart(display, 'data.module', async () => {
      const value = await load(dataModule, 'data.module');
      requireShape(value, { name: 'string', schema: 'object', replayable: 'boolean', create: 'function' }, display, 'data.module', 'MarketDataProvider');
      const factory = value as MarketDataProvider;
      return { factory, params: validate(factory.schema, team.data.params ?? {}, display, 'data.params') };
    });
  }

  return { strategy, strategyFile, ...(model ? { model } : {}), features, featureParams: customParams, ...(provider ? { provider } : {}), modules };
}
