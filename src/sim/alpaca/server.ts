/**
 * A local Alpaca-compatible paper exchange (`arena exchange`): Trading API v2 and the daily bars
 * of Market Data v2, with Alpaca's JSON shapes (money and quantities as decimal strings, UUID
 * ids), status codes and error bodies (alpaca-facts.md, PROTOCOLS.md), so the official SDKs
 * (alpaca-py, @alpacahq/alpaca-trade-api) work against it unchanged. One account per key pair,
 * each a PaperAccount (the engine of the `local` broker) with its own durable ledger; one clock,
 * one market and one set of terms for everybody, so teams compete on equal terms.
 *
 * Routes by concern: account-routes.ts (account, configurations, clock, calendar, assets, portfolio
 * history, activities), order-routes.ts (orders, positions), data-routes.ts (bars, latest bar and
 * trade, under the fairness rule of market-view.ts), admin-routes.ts (clock, state, health).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyError } from 'fastify';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { ReplayClock } from '../../adapters/clock.ts';
import type { PaperAccount } from '../../adapters/broker/paper-account.ts';
import type { InMemoryMarketData } from '../../adapters/market/memory.ts';
import { readJsonFile, writeFileAtomic } from '../../core/fsx.ts';
import { NY } from '../../domain/calendar/nyse.ts';
import { ALPACA_ERROR_CODES, BrokerError } from '../../domain/trading/errors.ts';
import type { Clock } from '../../ports.ts';
import { AccountRegistry, DEFAULT_TERMS, accountsFileSchema, type AccountsFile, type ExchangeTerms } from './accounts.ts';
import { registerAccountRoutes } from './account-routes.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { warmCalendar } from './calendar.ts';
import type { ExchangeContext } from './context.ts';
import { registerDataRoutes } from './data-routes.ts';
import { registerOrderRoutes } from './order-routes.ts';
import { HttpError, assetId } from './wire.ts';

export { accountsFileSchema, DEFAULT_TERMS, type AccountsFile, type ExchangeTerms } from './accounts.ts';
export { orderJson } from './wire.ts';

/** Request bodies above this are refused with 413 (an order is a few hundred bytes). */
export const BODY_LIMIT = 64 * 1024;

export interface AlpacaExchangeOptions {
  market: InMemoryMarketData;
  clock: Clock;
  /** Ledgers live here, one file per account, and the replay clock's last position. */
  stateDir: string;
  port?: number;
  host?: string;
  /** Allowed key pairs; when absent any non-empty pair opens an account. */
  accounts?: AccountsFile;
  /** The terms of every account (starting cash, fees, slippage, margin): one place for everybody. */
  terms?: Partial<ExchangeTerms>;
  /** Bearer token of the admin endpoints; without one they are refused. */
  adminToken?: string;
}

export interface AlpacaExchange {
  /** `http://host:port`: both the trading and the data base URL. */
  readonly url: string;
  readonly port: number;
  /** The account behind a key pair, in-process (a competition reads ledgers for its leaderboard). */
  account(keyId: string, secretKey: string): Promise<PaperAccount>;
  close(): Promise<void>;
}

const clockFileSchema = z.object({ now: z.string() });

/** Alpaca's body for an engine error, with the fields Alpaca itself adds (buying power, quantities held). */
function brokerBody(e: BrokerError): { status: number; body: Record<string, unknown> } {
  const { status, code } = ALPACA_ERROR_CODES[e.kind];
  const extra: Record<string, unknown> = {};
  if (e.kind === 'insufficient_buying_power') Object.assign(extra, { buying_power: e.details.buying_power, cost_basis: e.details.cost_basis });
  if (e.kind === 'insufficient_qty') for (const k of ['available', 'existing_qty', 'held_for_orders', 'related_orders', 'symbol']) if (e.details[k] !== undefined) extra[k] = e.details[k];
  return { status, body: { code, message: e.message, ...extra } };
}

export async function startAlpacaExchange(opts: AlpacaExchangeOptions): Promise<AlpacaExchange> {
  const terms: ExchangeTerms = { ...DEFAULT_TERMS, ...opts.terms };
  const registry = await AccountRegistry.open({ stateDir: opts.stateDir, clock: opts.clock, prices: opts.market, terms, ...(opts.accounts ? { accounts: opts.accounts } : {}) });
  const clockFile = path.join(opts.stateDir, 'clock.json');

  // A replay clock never restarts behind what the state already holds: its last position, or the latest ledger event.
  if (opts.clock instanceof ReplayClock) {
    const saved = await readJsonFile(clockFile, (v) => clockFileSchema.parse(v)).catch(() => null);
    const latest = Math.max(saved ? Date.parse(saved.now) : -Infinity, await registry.latestLedgerMs());
    if (Number.isFinite(latest) && latest > opts.clock.now().toMillis()) opts.clock.advanceTo(DateTime.fromMillis(latest, { zone: NY }));
  }

  const symbols = (await opts.market.knownSymbols()).slice().sort();
  const ctx: ExchangeContext = { market: opts.market, clock: opts.clock, registry, symbols, symbolByAssetId: new Map(symbols.map((s) => [assetId(s), s])) };

  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT, forceCloseConnections: true, routerOptions: { maxParamLength: 256 } });
  // Bodies are JSON whatever the content type says (clients differ); an empty body is no body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    const text = String(body);
    if (!text.trim()) return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(new HttpError(400, { code: 40010000, message: 'request body format is invalid' }), undefined);
    }
  });
  app.setErrorHandler((err: FastifyError | HttpError | BrokerError, _req, reply) => {
    if (err instanceof HttpError) return reply.code(err.status).send(err.body);
    if (err instanceof BrokerError) {
      const { status, body } = brokerBody(err);
      return reply.code(status).send(body);
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send({ code: 40010000, message: `request body is too large (limit ${BODY_LIMIT} bytes)` });
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ code: 40010000, message: err.message });
    return reply.code(500).send({ code: 50010000, message: 'internal error' });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ code: 40410000, message: 'endpoint not found' }));

  registerAdminRoutes(app, ctx, {
    token: opts.adminToken,
    onClockMoved: () => writeFileAtomic(clockFile, JSON.stringify({ now: opts.clock.now().toISO() }) + '\n'),
  });
  registerDataRoutes(app, ctx);
  registerAccountRoutes(app, ctx);
  registerOrderRoutes(app, ctx);

  await fs.mkdir(opts.stateDir, { recursive: true });
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? 0, host });
  void warmCalendar();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
  return {
    url: `http://${host}:${port}`,
    port,
    account: async (keyId, secretKey) => {
      try {
        registry.authenticate(keyId, secretKey);
      } catch (err) {
        throw new Error(`no account for key ${keyId} on this exchange`, { cause: err });
      }
      return (await registry.account(keyId, secretKey)).account;
    },
    close: async () => {
      await app.close();
      await registry.closeAll();
    },
  };
}

/** Reads an `--accounts` file: `[{"key_id", "secret_key", "name"?}]`. */
export async function readAccountsFile(file: string): Promise<AccountsFile> {
  return accountsFileSchema.parse(JSON.parse(await fs.readFile(file, 'utf8')));
}
