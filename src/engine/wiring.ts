/**
 * The one place a team's services are built, for a mode: a season (every team replayed on one
 * clock and one market), a live workspace (`arena cycle`, `arena run`, a competition's daemon).
 * Each wiring decision is made here once: which data source, which paper-account options, which
 * versioner, which tracker, which snapshot policy, which drift cadence.
 */
import path from 'node:path';
import type { TeamConfig } from '../config/load.ts';
import { alpacaKeyNames } from '../config/secrets.ts';
import type { Env } from '../config/env.ts';
import { UsageError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Bar } from '../domain/market/types.ts';
import type { PaperAccountOptions } from '../adapters/broker/paper-account.ts';
import { PaperAccount } from '../adapters/broker/paper-account.ts';
import { InMemoryMarketData } from '../adapters/market/memory.ts';
import { BUILTIN_PROVIDERS, type ProviderFactory } from '../adapters/market/providers.ts';
import { builtinBackendFor } from '../adapters/models/index.ts';
import type { BackendResolver } from '../domain/models/model.ts';
import { ModelRegistry } from '../adapters/models/registry.ts';
import { createTracker } from '../adapters/tracking/index.ts';
import type { Broker, Clock, MarketData, Versioner } from '../ports.ts';
import { journalFile, runDirs, type RunDirs, type TeamContext } from './context.ts';
import { FeatureCache } from './feature-cache.ts';
import { Journal } from './journal.ts';
import { liveMonitoring, seasonMonitoring } from './monitoring-page.ts';
import { htmlReports } from './report-sink.ts';
import { noSnapshots, workspaceSnapshots } from './snapshots.ts';
import { fencePluginBackend } from './plugin-model.ts';

/** The fee and margin settings of a team's paper account (the local engine and the exchange's accounts alike). */
export function paperAccountOptions(broker: TeamConfig['broker']): Pick<PaperAccountOptions, 'startingCash' | 'slippageBps' | 'commissionPerShare' | 'commissionMin' | 'multiplier'> {
  return {
    startingCash: broker.starting_cash,
    slippageBps: broker.slippage_bps,
    commissionPerShare: broker.commission_per_share,
    commissionMin: broker.commission_min,
    multiplier: broker.margin_multiplier,
  };
}

/** The team's data source: its plug-in module, or a built-in by name. */
export function providerFor(team: TeamConfig): ProviderFactory {
  const plugin = team.plugins.provider;
  if (plugin) {
    return {
      name: plugin.factory.name,
      replayable: plugin.factory.replayable,
      secrets: () => [],
      create: (t, ctx) => plugin.factory.create(plugin.params, { symbols: universe(t), root: t.root, workspace: ctx.workspace, secrets: ctx.env, logger: ctx.logger }),
    };
  }
  const p = BUILTIN_PROVIDERS.get(team.data.provider);
  if (!p) throw new UsageError(`${team.file}: data.provider: expected one of ${[...BUILTIN_PROVIDERS.keys()].join(', ')}, got ${team.data.provider}`);
  return p;
}

/** The team's model families: its plug-in for `encoder.module` (fenced: its failures are told apart), the built-ins by type. */
export function backendResolverFor(team: Pick<TeamConfig, 'plugins' | 'file'>): BackendResolver {
  const plugin = team.plugins.model ? fencePluginBackend(team.plugins.model) : undefined;
  return (spec) => {
    if (spec.encoder.type !== 'plugin') return builtinBackendFor(spec);
    if (!plugin) throw new UsageError(`${team.file}: model.encoder.module: the plug-in model family is not loaded`);
    return plugin;
  };
}

/** The team's own data source (also what `arena features` and `arena doctor` read). */
export function marketFor(team: TeamConfig, env: Env, logger: Logger, clock?: Clock): Promise<MarketData> {
  return providerFor(team).create(team, { env, workspace: team.workspaceDir, logger, ...(clock ? { clock } : {}) });
}

/** Every symbol's full local history up to `asOf`, in memory: what a replay reads and the paper engine prices with. */
export async function historyOf(market: MarketData, symbols: readonly string[], asOf: string): Promise<InMemoryMarketData> {
  const series = new Map<string, Bar[]>();
  // In the given order: a rate-limited provider spends its budget on the team's symbols first, the benchmark last.
  for (const s of new Set(symbols)) series.set(s, (await market.daily({ symbol: s, asOf })).bars);
  return new InMemoryMarketData(market.provider, series);
}

/** The symbols a team's cycle reads: its own and its benchmark. */
export const universe = (team: Pick<TeamConfig, 'symbols' | 'data'>): string[] => [...new Set([...team.symbols, team.data.benchmark])];

/** A versioner that versions nothing and says why (a season versions once at its end; no DVC installed). */
export const notVersioning = (note: string): Versioner => ({ commitCycle: async () => ({ commit: null, pushed: false, notes: [note] }) });

let dvcMissingWarned = false;

/** DVC + git for a live workspace, from the team's config; a no-op with one warning when DVC is missing. */
export async function versionerFor(team: TeamConfig, env: Env, logger: Logger): Promise<Versioner> {
  if (!team.versioning.enabled) return notVersioning('versioning off or DVC not installed (see `arena doctor`)');
  const { DvcGitVersioner, findDvc } = await import('../adapters/versioning/index.ts');
  const dvcBin = await findDvc(env.childEnv());
  if (!dvcBin) {
    if (!dvcMissingWarned) logger.warn('DVC is not installed: artifacts stay in the workspace unversioned (install with `bash scripts/services.sh setup` or `pip install "dvc[s3]"`; `arena doctor` checks it)');
    dvcMissingWarned = true;
    return notVersioning('versioning off or DVC not installed (see `arena doctor`)');
  }
  let remote: { endpoint: string; bucket: string; accessKey: string; secretKey: string } | null = null;
  if (team.versioning.dvc_remote === 'minio') {
    const endpoint = env.endpoints.minio ?? team.storage.endpoint;
    if (!endpoint) throw new UsageError(`${team.file}: storage.endpoint: versioning.dvc_remote is minio; expected a MinIO URL here or in MINIO_ENDPOINT`);
    remote = {
      endpoint,
      bucket: `${team.storage.bucket_prefix}-dvc`,
      accessKey: env.require('MINIO_ACCESS_KEY', 'the DVC remote on MinIO'),
      secretKey: env.require('MINIO_SECRET_KEY', 'the DVC remote on MinIO'),
    };
  }
  const token = team.versioning.git_push ? env.get('GIT_TOKEN') : undefined;
  return DvcGitVersioner.open({
    workspaceDir: team.workspaceDir,
    team: team.team,
    dvcBin,
    remote,
    childEnv: env.childEnv(),
    ...(team.versioning.git_remote ? { gitRemote: team.versioning.git_remote } : {}),
    gitPush: team.versioning.git_push,
    // Only for the push process's environment (see DvcGitVersioner); an ssh or path remote ignores it.
    ...(token ? { gitToken: token } : {}),
    logger,
  });
}

/** The team's Alpaca account: its own keys first (ALPACA_KEY_ID_<TEAM>), then the shared ones. */
export async function alpacaBrokerFor(team: TeamConfig, env: Env, purpose = 'broker.kind alpaca', tuning: { timeoutMs?: number; retry?: boolean } = {}): Promise<Broker> {
  const { AlpacaBroker } = await import('../adapters/broker/alpaca.ts');
  const [keyId, secretKey] = alpacaKeyNames(team).map((names) => env.requireAny(names, purpose)) as [string, string];
  return new AlpacaBroker({
    keyId,
    secretKey,
    live: team.broker.live,
    confirmLive: env.confirmLive,
    ...(env.endpoints.alpacaTrading ? { tradingUrl: env.endpoints.alpacaTrading } : {}),
    ...(env.endpoints.alpacaData ? { dataUrl: env.endpoints.alpacaData } : {}),
    ...tuning,
  });
}

interface CommonWiring {
  clock: Clock;
  logger: Logger;
  /** Where people-facing reports go; the team's own folder is `<reportsOut>/<team>`. */
  reportsOut: string;
  signal?: AbortSignal;
}

export interface SeasonWiring extends CommonWiring {
  /** The season's id: its state lives under `workspaces/<team>/seasons/<id>/`, and it scopes client_order_ids. */
  seasonId: string;
  /** One market for every team. */
  market: InMemoryMarketData;
}

/** A team in a season: the shared market, a paper account of its own, no per-day snapshots, versioned once at the end. */
export async function seasonContext(team: TeamConfig, w: SeasonWiring): Promise<TeamContext> {
  const dirs = runDirs(path.join(team.workspaceDir, 'seasons', w.seasonId));
  const broker = await PaperAccount.open({ ledgerFile: path.join(dirs.state, 'ledger.jsonl'), accountId: `${team.team}-${w.seasonId}`, clock: w.clock, prices: w.market, ...paperAccountOptions(team.broker) });
  const reportDir = path.join(w.reportsOut, team.team);
  return {
    team,
    dirs,
    reportDir,
    services: {
      market: w.market,
      broker,
      registry: new ModelRegistry(dirs.models, backendResolverFor(team)),
      backendFor: backendResolverFor(team),
      tracker: createTracker({ team: team.team, runsDir: dirs.runs, logger: w.logger }),
      versioner: notVersioning('season: versioned once at the end'),
      journal: new Journal(journalFile(dirs)),
      clock: w.clock,
      logger: w.logger,
      reports: htmlReports(reportDir, seasonMonitoring(dirs)),
      snapshots: noSnapshots,
      features: new FeatureCache(team.features, team.plugins.features),
    },
    options: { scope: w.seasonId, driftEveryTradingDays: team.monitoring.season_drift_every_trading_days },
    ...(w.signal ? { signal: w.signal } : {}),
  };
}

export interface LiveWiring extends CommonWiring {
  env: Env;
  /** The last date the cycle may see (the paper engine prices fills and marks from history up to it). */
  asOf: string;
  /** Drift every N trading days (a competition keeps its season's cadence; default daily). */
  driftEveryTradingDays?: number;
}

/** A team's live workspace: its own data source, broker, registry, tracker, DVC + git, and per-day snapshots. */
export async function liveContext(team: TeamConfig, w: LiveWiring): Promise<TeamContext> {
  const dirs: RunDirs = runDirs(team.workspaceDir);
  const provider = providerFor(team);
  const market = await marketFor(team, w.env, w.logger, w.clock);
  const prices = team.broker.kind === 'local' || provider.replayable ? await historyOf(market, universe(team), w.asOf) : null;
  const broker =
    team.broker.kind === 'alpaca'
      ? await alpacaBrokerFor(team, w.env)
      : await PaperAccount.open({ ledgerFile: path.join(dirs.state, 'ledger.jsonl'), accountId: `${team.team}-live`, clock: w.clock, prices: prices as InMemoryMarketData, ...paperAccountOptions(team.broker) });
  const mlflowToken = w.env.get('MLFLOW_TRACKING_TOKEN');
  const reportDir = path.join(w.reportsOut, team.team);
  return {
    team,
    dirs,
    reportDir,
    services: {
      // A remote provider stays the market so its stale flags reach the quality gate; local files are read once.
      market: provider.replayable && prices ? prices : market,
      broker,
      registry: new ModelRegistry(dirs.models, backendResolverFor(team)),
      backendFor: backendResolverFor(team),
      tracker: createTracker({ team: team.team, runsDir: dirs.runs, logger: w.logger, ...(w.env.endpoints.mlflow ? { mlflowUri: w.env.endpoints.mlflow } : {}), ...(mlflowToken ? { mlflowToken } : {}) }),
      versioner: await versionerFor(team, w.env, w.logger),
      journal: new Journal(journalFile(dirs)),
      clock: w.clock,
      logger: w.logger,
      reports: htmlReports(reportDir, liveMonitoring(dirs, reportDir, w.clock)),
      snapshots: workspaceSnapshots(dirs),
      features: new FeatureCache(team.features, team.plugins.features),
    },
    options: { scope: 'live', driftEveryTradingDays: w.driftEveryTradingDays ?? 1 },
    ...(w.signal ? { signal: w.signal } : {}),
  };
}
