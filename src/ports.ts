/**
 * The ports: every interface the engine talks to and the adapters implement, in one place
 * (DESIGN.md "Ports and adapters"). Data shapes live in the domain; these are the seams.
 */
import type { DateTime } from 'luxon';
import type { z } from 'zod';
import type { Bar, DailyRequest, DailySeries } from './domain/market/types.ts';
import type { Account, MarketClock, Order, OrderRequest, Position } from './domain/trading/types.ts';

// ---- time

export interface Clock {
  readonly kind: 'wall' | 'replay';
  /** The current time in America/New_York (simulated for a replay clock). */
  now(): DateTime;
  /** Resolves once now() >= t; rejects with the signal's reason when aborted. */
  sleepUntil(t: DateTime, signal?: AbortSignal): Promise<void>;
}

// ---- market data

export interface MarketData {
  readonly provider: string;
  daily(req: DailyRequest): Promise<DailySeries>;
  /** Symbols this source can serve, when it can tell (bundled data, a CSV directory). */
  knownSymbols?(): Promise<string[]>;
}

export type SeriesType = 'close' | 'open' | 'high' | 'low';

export type IndicatorSpec =
  | { function: 'RSI' | 'EMA' | 'SMA'; timePeriod: number; seriesType?: SeriesType }
  | { function: 'MACD'; fastPeriod?: number; slowPeriod?: number; signalPeriod?: number; seriesType?: SeriesType }
  | { function: 'BBANDS'; timePeriod: number; nbdevup?: number; nbdevdn?: number; matype?: number; seriesType?: SeriesType };

/** A MarketData source that also serves Alpha Vantage technical indicators (the fetch step asks for them). */
export interface IndicatorSource {
  /** `deadline`: as DailyRequest's, the cycle's fetch deadline (epoch ms). */
  indicator(symbol: string, spec: IndicatorSpec, opts?: { asOf?: string; deadline?: number }): Promise<IndicatorSeries>;
}

export interface IndicatorSeries {
  symbol: string;
  function: IndicatorSpec['function'];
  /** Canonical parameter string, e.g. `RSI_14_close` (also the cache file name). */
  key: string;
  /** Date → values (`{RSI}`, `{MACD, MACD_Signal, MACD_Hist}`, `{Real Upper Band, …}`), ascending, dates ≤ asOf. */
  values: Map<string, Record<string, number>>;
  stale: boolean;
  staleReason?: string;
}

/** What a data-provider plug-in is given to build its MarketData. */
export interface ProviderPluginContext {
  /** The team's symbols and benchmark. */
  symbols: readonly string[];
  /** The team file's directory (relative paths in params resolve against it). */
  root: string;
  /** The team's workspace (a cache or a request budget belongs under it). */
  workspace: string;
  /** Secrets from `.env.secrets` or the environment (never from the team file). */
  secrets: { get(name: string): string | undefined; require(name: string, purpose: string): string };
  logger: { info(message: string): unknown; warn(message: string): unknown };
}

/** A team's own market-data source (`data: { module: ./teams/x/provider.ts, params: {…} }`). */
export interface MarketDataProvider<P = unknown> {
  readonly name: string;
  /** Its `data.params`, validated at config load. */
  readonly schema: z.ZodType<P>;
  /** Local, deterministic history: a season may replay it. */
  readonly replayable: boolean;
  create(params: P, ctx: ProviderPluginContext): Promise<MarketData>;
}

/** Daily prices by symbol and trading date (bars the engine may only read once they happened). */
export interface PriceSource {
  bar(symbol: string, date: string): Bar | null;
  /** The last bar on or before `date`. */
  lastBarOnOrBefore(symbol: string, date: string): Bar | null;
  knows(symbol: string): boolean;
}

// ---- trading

export interface OrderQuery {
  status?: 'open' | 'closed' | 'all';
  limit?: number;
  after?: string;
  until?: string;
  direction?: 'asc' | 'desc';
  symbols?: string[];
}

/** The Broker port: `local` (the paper engine) and `alpaca` (official SDK) implement it. */
export interface Broker {
  readonly kind: 'local' | 'alpaca';
  account(): Promise<Account>;
  clock(): Promise<MarketClock>;
  positions(): Promise<Position[]>;
  position(symbol: string): Promise<Position | null>;
  submitOrder(req: OrderRequest): Promise<Order>;
  orderByClientOrderId(clientOrderId: string): Promise<Order | null>;
  orders(query?: OrderQuery): Promise<Order[]>;
  cancelOrder(orderId: string): Promise<void>;
  cancelAllOrders(): Promise<{ id: string; status: number }[]>;
  /** Sells a position: all of it, or `qty` shares, or `percentage` percent (one of them). */
  closePosition(symbol: string, clientOrderId?: string, amount?: { qty?: number; percentage?: number }): Promise<Order>;
}

// ---- artifacts, tracking, versioning

export interface ArtifactStore {
  readonly kind: string;
  put(key: string, body: Uint8Array | string): Promise<void>;
  get(key: string): Promise<Uint8Array | null>;
  exists(key: string): Promise<boolean>;
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}

export interface RunRecord {
  run_id: string;
  team: string;
  name: string;
  started_at: string;
  ended_at: string | null;
  status: 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';
  params: Record<string, string>;
  metrics: Record<string, number>;
  /** Per-epoch series (loss, val_loss) and other stepped metrics. */
  series: Record<string, { step: number; value: number }[]>;
  tags: Record<string, string>;
  artifacts: string[];
}

export interface Tracker {
  readonly kind: 'local' | 'mlflow';
  /** Record a finished run (local always; MLflow additionally when configured). Returns the run id. */
  logRun(run: Omit<RunRecord, 'run_id'> & { run_id?: string }, artifactsDir?: string): Promise<string>;
  /** Upload a version's files to the run (MLflow artifact proxy); a no-op locally, where they already live. */
  logArtifacts?(runId: string, dir: string, artifactPath: string): Promise<void>;
  /** A version was promoted: register it (MLflow registry with the `champion` alias). */
  promote(args: { modelName: string; runId: string; version: string }): Promise<void>;
}

export interface VersionResult {
  commit: string | null;
  pushed: boolean;
  notes: string[];
  /** DVC md5 of each versioned path (directories end in `.dir`), as in its `.dvc` file. */
  md5?: Record<string, string>;
}

/** What versions a cycle's artifacts (DVC + git); null when versioning is off or unavailable. */
export interface Versioner {
  /** `paths` go through DVC (`dvc add`); `gitPaths` are small text files committed to git as they are. */
  commitCycle(args: { date: string; runId: string; paths: string[]; gitPaths?: string[]; message: string }): Promise<VersionResult>;
}
