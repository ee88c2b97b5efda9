/**
 * Wires one team's runtime for live work (`arena cycle`, `arena run`): the team's own data source,
 * its broker on the wall clock (or a replay clock for `--date`), its workspace journal and ledger.
 */
import path from 'node:path';

import { alpacaKeys, type TeamConfig } from '../config/load.ts';
import { loadSecrets } from '../config/secrets.ts';
import type { AlpacaBroker } from '../adapters/broker/alpaca.ts';
import type { Logger } from '../core/log.ts';
import { AlphaVantageMarketData } from '../adapters/market/alphavantage/index.ts';
import { CsvMarketData, sampleMarketData } from '../adapters/market/csv.ts';

import { ModelRegistry } from '../adapters/models/registry.ts';
import { createTracker } from '../adapters/tracking/index.ts';
import { PaperAccount } from '../adapters/broker/paper-account.ts';
import { InMemoryMarketData } from '../adapters/market/memory.ts';
import { Journal } from './journal.ts';
import { journalFile, runDirs, type TeamRuntime } from './runtime.ts';
import { createVersionerFor } from './versioning.ts';
import type { Clock, MarketData } from '../ports.ts';
import { builtinBackendFor } from '../adapters/models/index.ts';

/** The team's own data source (exported for `arena features`, which must see the same `av_*` values). */
export async function marketFor(team: TeamConfig, dirs: ReturnType<typeof runDirs>, logger: Logger): Promise<MarketData> {
  const secrets = loadSecrets({ cwd: team.root });
  switch (team.data.provider) {
    case 'sample':
      return sampleMarketData();
    case 'csv':
      return new CsvMarketData(path.resolve(team.root, team.data.dir as string));
    case 'alphavantage': {
      // Adapters a team does not use are not loaded (the Alpaca SDK and the MinIO client weigh tens of MB).
      const { createArtifactStore } = await import('../adapters/storage/index.ts');
      return new AlphaVantageMarketData({
        apiKey: secrets.require('ALPHAVANTAGE_API_KEY', 'data.provider alphavantage'),
        store: createArtifactStore(team.storage, {
          root: path.join(dirs.root, 'cache'),
          team: team.team,
          ...(process.env.MINIO_ENDPOINT ? { endpoint: process.env.MINIO_ENDPOINT } : {}),
          ...(secrets.get('MINIO_ACCESS_KEY') ? { accessKey: secrets.get('MINIO_ACCESS_KEY') as string } : {}),
          ...(secrets.get('MINIO_SECRET_KEY') ? { secretKey: secrets.get('MINIO_SECRET_KEY') as string } : {}),
        }),
        budgetFile: path.join(dirs.state, 'alphavantage-budget.json'),
        refreshIntervalMs: team.data.refresh_interval_minutes * 60_000,
        ...(team.data.requests_per_day ? { requestsPerDay: team.data.requests_per_day } : {}),
        logger,
      });
    }
    case 'alpaca': {
      const [{ AlpacaMarketData }, { createArtifactStore }] = await Promise.all([import('../adapters/market/alpaca.ts'), import('../adapters/storage/index.ts')]);
      return new AlpacaMarketData({
        ...alpacaKeys(team, secrets, 'data.provider alpaca'),
        store: createArtifactStore({ kind: 'fs', bucket_prefix: team.storage.bucket_prefix, region: team.storage.region }, { root: path.join(dirs.root, 'cache'), team: team.team }),
      });
    }
  }
}

/** Every symbol's full local history, so the paper broker can price fills and marks. */
async function priceBook(market: MarketData, team: TeamConfig, asOf: string): Promise<InMemoryMarketData> {
  const series = new Map<string, Awaited<ReturnType<MarketData['daily']>>['bars']>();
  for (const s of [...new Set([...team.symbols, team.data.benchmark])]) series.set(s, (await market.daily({ symbol: s, asOf })).bars);
  return new InMemoryMarketData(market.provider, series);
}

/** The team's Alpaca account: its own keys first (ALPACA_KEY_ID_<TEAM>), then the shared ones. */
async function alpacaBrokerFor(team: TeamConfig): Promise<AlpacaBroker> {
  const { AlpacaBroker } = await import('../adapters/broker/alpaca.ts');
  return new AlpacaBroker({ ...alpacaKeys(team, loadSecrets({ cwd: team.root }), 'broker.kind alpaca'), live: team.broker.live });
}

export async function openLiveRuntime(team: TeamConfig, opts: { clock: Clock; logger: Logger; asOf: string; reportsOut: string; signal?: AbortSignal }): Promise<TeamRuntime> {
  const dirs = runDirs(team.workspaceDir);
  const market = await marketFor(team, dirs, opts.logger);
  const prices = await priceBook(market, team, opts.asOf);
  const broker = team.broker.kind === 'alpaca' ? await alpacaBrokerFor(team) : await PaperAccount.open({
    ledgerFile: path.join(dirs.state, 'ledger.jsonl'),
    accountId: `${team.team}-live`,
    clock: opts.clock,
    prices,
    startingCash: team.broker.starting_cash,
    slippageBps: team.broker.slippage_bps,
    commissionPerShare: team.broker.commission_per_share,
    commissionMin: team.broker.commission_min,
    multiplier: team.broker.margin_multiplier,
  });
  return {
    team,
    mode: 'live',
    scope: 'live',
    dirs,
    reportDir: path.join(opts.reportsOut, team.team),
    // A remote provider stays the market so its stale flags reach the quality gate; local files are read once.
    market: team.data.provider === 'alphavantage' || team.data.provider === 'alpaca' ? market : prices,
    broker,
    registry: new ModelRegistry(dirs.models, builtinBackendFor),
      backendFor: builtinBackendFor,
    tracker: createTracker({
      team: team.team,
      runsDir: dirs.runs,
      logger: opts.logger,
      ...(process.env.MLFLOW_TRACKING_URI ? { mlflowUri: process.env.MLFLOW_TRACKING_URI } : {}),
      ...(loadSecrets({ cwd: team.root }).get('MLFLOW_TRACKING_TOKEN') ? { mlflowToken: loadSecrets({ cwd: team.root }).get('MLFLOW_TRACKING_TOKEN') as string } : {}),
    }),
    versioner: await createVersionerFor(team, team.workspaceDir, opts.logger),
    journal: new Journal(journalFile(dirs)),
    clock: opts.clock,
    logger: opts.logger,
    features: { plan: null, planKey: '', builders: new Map() },
    ...(opts.signal ? { signal: opts.signal } : {}),
    retrainRequested: false,
    writeSnapshots: true,
  };
}
