/**
 * Market-data providers by name (`data.provider` in the team file). Each says which secrets it
 * needs, whether its history is local and deterministic (a season can replay it), and builds the
 * MarketData a team reads. A team's own provider is a plug-in module with the same shape
 * (engine/plugins.ts). Adapters a team does not use are not loaded: the Alpaca SDK and the MinIO
 * client weigh tens of MB.
 */
import path from 'node:path';
import type { TeamConfig } from '../../config/load.ts';
import type { Env } from '../../config/env.ts';
import { alpacaKeyNames } from '../../config/secrets.ts';
import type { Logger } from '../../core/log.ts';
import type { Clock, MarketData } from '../../ports.ts';
import { CsvMarketData, sampleMarketData } from './csv.ts';

export interface ProviderContext {
  env: Env;
  /** The team's workspace root (cache and request budget live under it). */
  workspace: string;
  logger: Logger;
  /** The clock cycles run on: a replay clock makes a request budget count by the replay day. */
  clock?: Clock;
}

export interface ProviderFactory {
  readonly name: string;
  /** Secret names this provider needs (each entry: alternatives, the first is the one to set). */
  secrets(team: TeamConfig): string[][];
  /** Local, deterministic history: a season may replay it. */
  readonly replayable: boolean;
  create(team: TeamConfig, ctx: ProviderContext): Promise<MarketData>;
}

async function storeFor(team: TeamConfig, ctx: ProviderContext, kind: 'team' | 'fs') {
  const { createArtifactStore } = await import('../storage/index.ts');
  const root = path.join(ctx.workspace, 'cache');
  if (kind === 'fs') return createArtifactStore({ kind: 'fs', bucket_prefix: team.storage.bucket_prefix, region: team.storage.region }, { root, team: team.team });
  const access = ctx.env.get('MINIO_ACCESS_KEY');
  const secret = ctx.env.get('MINIO_SECRET_KEY');
  const endpoint = ctx.env.endpoints.minio;
  return createArtifactStore(team.storage, { root, team: team.team, ...(endpoint ? { endpoint } : {}), ...(access ? { accessKey: access } : {}), ...(secret ? { secretKey: secret } : {}) });
}

export const BUILTIN_PROVIDERS: ReadonlyMap<string, ProviderFactory> = new Map(
  (
    [
      { name: 'sample', replayable: true, secrets: () => [], create: async () => sampleMarketData() },
      { name: 'csv', replayable: true, secrets: () => [], create: async (team) => new CsvMarketData(path.resolve(team.root, team.data.dir as string)) },
      {
        name: 'alphavantage',
        replayable: false,
        secrets: () => [['ALPHAVANTAGE_API_KEY']],
        async create(team, ctx) {
          const { AlphaVantageMarketData } = await import('./alphavantage/index.ts');
          // In a replay the free tier's daily quota is the replayed day's, not today's (UTC) on the wall.
          const replay = ctx.clock?.kind === 'replay' ? ctx.clock : null;
          return new AlphaVantageMarketData({
            apiKey: ctx.env.require('ALPHAVANTAGE_API_KEY', 'data.provider alphavantage'),
            ...(ctx.env.endpoints.alphavantage ? { baseUrl: ctx.env.endpoints.alphavantage } : {}),
            store: await storeFor(team, ctx, 'team'),
            budgetFile: path.join(ctx.workspace, 'state', 'alphavantage-budget.json'),
            refreshIntervalMs: team.data.refresh_interval_minutes * 60_000,
            ...(team.data.requests_per_day ? { requestsPerDay: team.data.requests_per_day } : {}),
            ...(replay ? { budgetDayClock: () => replay.now().toJSDate() } : {}),
            logger: ctx.logger,
          });
        },
      },
      {
        name: 'alpaca',
        replayable: false,
        secrets: (team) => alpacaKeyNames(team),
        async create(team, ctx) {
          const { AlpacaMarketData } = await import('./alpaca.ts');
          const [keyId, secretKey] = alpacaKeyNames(team).map((names) => ctx.env.requireAny(names, 'data.provider alpaca')) as [string, string];
          return new AlpacaMarketData({ keyId, secretKey, ...(ctx.env.endpoints.alpacaData ? { dataUrl: ctx.env.endpoints.alpacaData } : {}), store: await storeFor(team, ctx, 'fs') });
        },
      },
    ] satisfies ProviderFactory[]
  ).map((p) => [p.name, p]),
);
