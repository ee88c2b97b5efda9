/**
 * A local Alpaca-compatible paper exchange (`arena exchange`): the Trading API v2 and the daily
 * bars of Market Data v2 that this project uses, with Alpaca's JSON shapes (money and quantities as
 * decimal strings), status codes and error bodies (PROTOCOLS.md). One account per key pair, each a
 * PaperAccount (the same engine as the `local` broker) with its own durable ledger; one clock and
 * one market for everybody, so teams compete on equal terms.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DateTime } from 'luxon';
import { z } from 'zod';

import { NY, previousTradingDay, session, tradingDays } from '../../domain/calendar/nyse.ts';
import type { InMemoryMarketData } from '../../adapters/market/memory.ts';
import type { Bar } from '../../domain/market/types.ts';
import { ALPACA_ERROR_CODES, BrokerError } from '../../domain/trading/errors.ts';
import { PaperAccount } from '../../adapters/broker/paper-account.ts';
import type { Order, Position } from '../../domain/trading/types.ts';
import { ReplayClock } from '../../adapters/clock.ts';
import type { Clock, OrderQuery } from '../../ports.ts';

/** Allowed key pairs; fee settings per account let a competition mirror each team's broker settings. */
export const accountsFileSchema = z.array(z.strictObject({
  key_id: z.string().min(1),
  secret_key: z.string().min(1),
  starting_cash: z.number().positive().default(100_000),
  name: z.string().optional(),
  slippage_bps: z.number().min(0).optional(),
  commission_per_share: z.number().min(0).optional(),
  commission_min: z.number().min(0).optional(),
  margin_multiplier: z.number().min(1).max(4).optional(),
}));

export interface AlpacaExchangeOptions {
  market: InMemoryMarketData;
  clock: Clock;
  /** Ledgers live here, one file per account. */
  stateDir: string;
  port?: number;
  host?: string;
  /** Allowed key pairs; when absent any non-empty pair opens an account with `defaultCash`. */
  accounts?: z.infer<typeof accountsFileSchema>;
  defaultCash?: number;
  slippageBps?: number;
  commissionPerShare?: number;
  commissionMin?: number;
}

export interface AlpacaExchange {
  /** `http://host:port`: both the trading and the data base URL. */
  readonly url: string;
  readonly port: number;
  /** The account behind a key pair, in-process (a competition reads ledgers for its leaderboard). */
  account(keyId: string, secretKey: string): Promise<PaperAccount>;
  close(): Promise<void>;
}

const s = (x: number | null | undefined): string | null => (x === null || x === undefined ? null : String(Math.round(x * 1e6) / 1e6));
const assetId = (symbol: string): string => {
  const h = createHash('sha256').update(`asset:${symbol}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export function orderJson(o: Order): Record<string, unknown> {
  return {
    id: o.id,
    client_order_id: o.client_order_id,
    created_at: o.created_at,
    updated_at: o.updated_at,
    submitted_at: o.submitted_at,
    filled_at: o.filled_at,
    expired_at: o.expired_at,
    canceled_at: o.canceled_at,
    failed_at: null,
    replaced_at: null,
    replaced_by: null,
    replaces: null,
    asset_id: assetId(o.symbol),
    symbol: o.symbol,
    asset_class: 'us_equity',
    notional: null,
    qty: s(o.qty),
    filled_qty: s(o.filled_qty),
    filled_avg_price: s(o.filled_avg_price),
    order_class: 'simple',
    order_type: o.type,
    type: o.type,
    side: o.side,
    position_intent: o.side === 'buy' ? 'buy_to_open' : 'sell_to_close',
    time_in_force: o.time_in_force,
    limit_price: null,
    stop_price: null,
    status: o.status,
    extended_hours: false,
    legs: null,
    trail_percent: null,
    trail_price: null,
    hwm: null,
  };
}

function positionJson(p: Position): Record<string, unknown> {
  return {
    asset_id: assetId(p.symbol),
    symbol: p.symbol,
    exchange: 'NASDAQ',
    asset_class: 'us_equity',
    asset_marginable: true,
    avg_entry_price: s(p.avg_entry_price),
    qty: s(p.qty),
    qty_available: s(p.qty_available),
    side: 'long',
    market_value: s(p.market_value),
    cost_basis: s(p.cost_basis),
    unrealized_pl: s(p.unrealized_pl),
    unrealized_plpc: s(p.cost_basis ? p.unrealized_pl / p.cost_basis : 0),
    unrealized_intraday_pl: s(p.qty * (p.current_price - p.lastday_price)),
    unrealized_intraday_plpc: s(p.lastday_price ? p.current_price / p.lastday_price - 1 : 0),
    current_price: s(p.current_price),
    lastday_price: s(p.lastday_price),
    change_today: s(p.lastday_price ? p.current_price / p.lastday_price - 1 : 0),
  };
}

/** Daily bar `t`: midnight New York, in UTC. */
const barJson = (b: Bar) => ({
  t: DateTime.fromISO(b.date, { zone: NY }).toUTC().toISO({ suppressMilliseconds: true }),
  o: b.open ?? b.close,
  h: b.high ?? b.close,
  l: b.low ?? b.close,
  c: b.close,
  v: b.volume ?? 0,
  n: 0,
  vw: b.close,
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

/** Alpaca's body: code and message, plus the fields Alpaca itself adds (buying power on a 403 buy). */
const brokerHttpError = (e: BrokerError): HttpError => {
  const { status, code } = ALPACA_ERROR_CODES[e.kind];
  const extra = e.kind === 'insufficient_buying_power' ? e.details : {};
  return new HttpError(status, { code, message: e.message, ...extra });
};

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, { code: 40010000, message: 'request body format is invalid' });
  }
}

const orderBody = z.object({
  symbol: z.string().min(1),
  qty: z.union([z.string(), z.number()]).optional(),
  notional: z.union([z.string(), z.number()]).optional(),
  side: z.enum(['buy', 'sell']),
  type: z.enum(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']),
  time_in_force: z.string(),
  client_order_id: z.string().optional(),
}).passthrough();

export async function startAlpacaExchange(opts: AlpacaExchangeOptions): Promise<AlpacaExchange> {
  const accounts = new Map<string, Promise<PaperAccount>>();
  const allowed = opts.accounts ? new Map(opts.accounts.map((a) => [a.key_id, a])) : null;
  let generated = 0;

  const open = (key: string, secret: string): Promise<PaperAccount> => {
    const entry = allowed?.get(key);
    if (allowed && (!entry || entry.secret_key !== secret)) throw new HttpError(401, { code: 40110000, message: 'unauthorized' });
    // The secret is part of the identity: a known key with a wrong secret is a different (unknown) pair.
    const id = createHash('sha256').update(`${key}\0${secret}`).digest('hex').slice(0, 16);
    let acct = accounts.get(id);
    if (!acct) {
      generated++;
      acct = PaperAccount.open({
        ledgerFile: path.join(opts.stateDir, `account-${id}.jsonl`),
        accountId: `ex-${id}`,
        clock: opts.clock,
        prices: opts.market,
        startingCash: entry?.starting_cash ?? opts.defaultCash ?? 100_000,
        slippageBps: entry?.slippage_bps ?? opts.slippageBps ?? 5,
        commissionPerShare: entry?.commission_per_share ?? opts.commissionPerShare ?? 0,
        commissionMin: entry?.commission_min ?? opts.commissionMin ?? 0,
        multiplier: entry?.margin_multiplier ?? 1,
      });
      accounts.set(id, acct);
    }
    return acct;
  };

  const accountFor = (req: IncomingMessage): Promise<PaperAccount> => {
    const key = req.headers['apca-api-key-id'];
    const secret = req.headers['apca-api-secret-key'];
    if (typeof key !== 'string' || typeof secret !== 'string' || !key || !secret) throw new HttpError(401, { code: 40110000, message: 'unauthorized' });
    return open(key, secret);
  };

  const today = () => opts.clock.now().setZone(NY).toISODate() as string;

  async function trading(req: IncomingMessage, url: URL): Promise<{ status: number; body: unknown }> {
    const acct = await accountFor(req);
    const p = url.pathname;
    const m = req.method ?? 'GET';
    if (p === '/v2/account' && m === 'GET') {
      const a = await acct.account();
      return { status: 200, body: { id: a.id, account_number: a.account_number, status: a.status, crypto_status: 'INACTIVE', currency: a.currency, cash: s(a.cash), buying_power: s(a.buying_power), regt_buying_power: s(a.buying_power), non_marginable_buying_power: s(a.cash), equity: s(a.equity), last_equity: s(a.last_equity), portfolio_value: s(a.equity), long_market_value: s(a.long_market_value), short_market_value: '0', multiplier: String(a.multiplier), initial_margin: '0', maintenance_margin: '0', sma: '0', trading_blocked: false, transfers_blocked: false, account_blocked: false, trade_suspended_by_user: false, shorting_enabled: false, created_at: a.created_at } };
    }
    if (p === '/v2/clock' && m === 'GET') return { status: 200, body: await acct.clock() };
    if (p === '/v2/calendar' && m === 'GET') {
      const start = url.searchParams.get('start') ?? today();
      const end = url.searchParams.get('end') ?? start;
      const days = tradingDays(start.slice(0, 10), end.slice(0, 10)).map((d) => {
        const ss = session(d);
        return { date: d, open: ss?.open.toFormat('HH:mm'), close: ss?.close.toFormat('HH:mm'), session_open: '0400', session_close: '2000', settlement_date: d };
      });
      return { status: 200, body: days };
    }
    if (p === '/v2/orders' && m === 'POST') {
      const parsed = orderBody.safeParse(await readJson(req));
      if (!parsed.success) throw new HttpError(422, { code: 40010000, message: `${parsed.error.issues[0]?.path.join('.') ?? 'body'} is invalid` });
      const b = parsed.data;
      if (b.qty === undefined) throw new HttpError(422, { code: 40010000, message: 'qty is required (notional orders are not supported by this exchange)' });
      const order = await acct.submitOrder({ symbol: b.symbol.toUpperCase(), qty: Number(b.qty), side: b.side, type: b.type as 'market', time_in_force: b.time_in_force as 'day', client_order_id: b.client_order_id ?? `auto-${Date.now().toString(36)}-${generated}` });
      return { status: 200, body: orderJson(order) };
    }
    if (p === '/v2/orders' && m === 'GET') {
      const q: OrderQuery = {};
      const st = url.searchParams.get('status');
      if (st === 'open' || st === 'closed' || st === 'all') q.status = st;
      const lim = url.searchParams.get('limit');
      if (lim) q.limit = Number(lim);
      const after = url.searchParams.get('after');
      if (after) q.after = after;
      const until = url.searchParams.get('until');
      if (until) q.until = until;
      const dir = url.searchParams.get('direction');
      if (dir === 'asc' || dir === 'desc') q.direction = dir;
      const symbols = url.searchParams.get('symbols');
      if (symbols) q.symbols = symbols.split(',');
      return { status: 200, body: (await acct.orders(q)).map(orderJson) };
    }
    if (p === '/v2/orders:by_client_order_id' && m === 'GET') {
      const o = await acct.orderByClientOrderId(url.searchParams.get('client_order_id') ?? '');
      if (!o) throw new HttpError(404, { code: 40410000, message: 'order not found' });
      return { status: 200, body: orderJson(o) };
    }
    if (p === '/v2/orders' && m === 'DELETE') {
      const r = await acct.cancelAllOrders();
      return { status: 207, body: r.map((x) => ({ id: x.id, status: x.status })) };
    }
    const orderPath = /^\/v2\/orders\/([^/]+)$/.exec(p);
    if (orderPath) {
      const id = decodeURIComponent(orderPath[1] as string);
      if (m === 'DELETE') {
        await acct.cancelOrder(id);
        return { status: 204, body: null };
      }
      const o = (await acct.orders({ status: 'all', limit: 500 })).find((x) => x.id === id);
      if (!o) throw new HttpError(404, { code: 40410000, message: 'order not found' });
      return { status: 200, body: orderJson(o) };
    }
    if (p === '/v2/positions' && m === 'GET') return { status: 200, body: (await acct.positions()).map(positionJson) };
    if (p === '/v2/positions' && m === 'DELETE') {
      const out = [];
      for (const pos of await acct.positions()) out.push({ symbol: pos.symbol, status: 200, body: orderJson(await acct.closePosition(pos.symbol)) });
      return { status: 207, body: out };
    }
    const posPath = /^\/v2\/positions\/([^/]+)$/.exec(p);
    if (posPath) {
      const symbol = decodeURIComponent(posPath[1] as string).toUpperCase();
      if (m === 'DELETE') return { status: 200, body: orderJson(await acct.closePosition(symbol)) };
      const pos = await acct.position(symbol);
      if (!pos) throw new HttpError(404, { code: 40410000, message: 'position does not exist' });
      return { status: 200, body: positionJson(pos) };
    }
    throw new HttpError(404, { code: 40410000, message: 'endpoint not found' });
  }

  /** Daily bars up to the exchange's "today" (never the future); `limit` and `page_token` page through them. */
  function bars(symbol: string, url: URL): { list: Bar[]; next: string | null } {
    const tf = url.searchParams.get('timeframe') ?? '1Day';
    if (!/^1D(ay)?$/i.test(tf)) throw new HttpError(422, { code: 42210000, message: `invalid timeframe ${tf}: this exchange serves daily bars only` });
    const now = today();
    const end = (url.searchParams.get('end') ?? now).slice(0, 10);
    const start = (url.searchParams.get('start') ?? previousTradingDay(now)).slice(0, 10);
    const upTo = end < now ? end : now;
    const all = opts.market.bars(symbol).filter((b) => b.date >= start && b.date <= upTo);
    const offset = Number(url.searchParams.get('page_token') ? Buffer.from(url.searchParams.get('page_token') as string, 'base64url').toString() : '0');
    const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 1000), 1), 10_000);
    const list = all.slice(offset, offset + limit);
    return { list, next: offset + limit < all.length ? Buffer.from(String(offset + limit)).toString('base64url') : null };
  }

  async function data(req: IncomingMessage, url: URL): Promise<{ status: number; body: unknown }> {
    const key = req.headers['apca-api-key-id'];
    if (typeof key !== 'string' || !key || (allowed && !allowed.has(key))) throw new HttpError(403, { message: 'forbidden' });
    const p = url.pathname;
    if (p === '/v2/stocks/bars') {
      const symbols = (url.searchParams.get('symbols') ?? '').split(',').filter(Boolean).map((x) => x.toUpperCase());
      if (!symbols.length) throw new HttpError(400, { message: 'symbols is required' });
      const out: Record<string, unknown[]> = {};
      let next: string | null = null;
      for (const sym of symbols) {
        if (!opts.market.knows(sym)) continue;
        const r = bars(sym, url);
        out[sym] = r.list.map(barJson);
        next ??= r.next;
      }
      return { status: 200, body: { bars: out, next_page_token: next, currency: 'USD' } };
    }
    const single = /^\/v2\/stocks\/([^/]+)\/(bars|bars\/latest|trades\/latest)$/.exec(p);
    if (single) {
      const sym = decodeURIComponent(single[1] as string).toUpperCase();
      if (!opts.market.knows(sym)) throw new HttpError(404, { message: `symbol ${sym} not found` });
      if (single[2] === 'bars') {
        const r = bars(sym, url);
        return { status: 200, body: { bars: r.list.map(barJson), symbol: sym, next_page_token: r.next } };
      }
      const last = opts.market.lastBarOnOrBefore(sym, today());
      if (!last) throw new HttpError(404, { message: `no data for ${sym}` });
      if (single[2] === 'bars/latest') return { status: 200, body: { symbol: sym, bar: barJson(last) } };
      return { status: 200, body: { symbol: sym, trade: { t: barJson(last).t, x: 'V', p: last.close, s: 100, c: ['@'], i: 1, z: 'C' } } };
    }
    throw new HttpError(404, { message: 'endpoint not found' });
  }

  async function admin(req: IncomingMessage, url: URL): Promise<{ status: number; body: unknown }> {
    if (url.pathname === '/__admin/clock' && req.method === 'POST') {
      if (!(opts.clock instanceof ReplayClock)) throw new HttpError(409, { message: 'the exchange runs on the wall clock' });
      const b = z.object({ to: z.string() }).safeParse(await readJson(req));
      const to = b.success ? DateTime.fromISO(b.data.to, { zone: NY }) : null;
      if (!to?.isValid) throw new HttpError(400, { message: 'expected {"to": "<ISO date-time>"}' });
      try {
        opts.clock.advanceTo(to);
      } catch (err) {
        throw new HttpError(409, { message: (err as Error).message });
      }
      return { status: 200, body: { now: opts.clock.now().toISO() } };
    }
    if (url.pathname === '/__admin/state' && req.method === 'GET') return { status: 200, body: { now: opts.clock.now().toISO(), accounts: accounts.size } };
    throw new HttpError(404, { message: 'endpoint not found' });
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let out: { status: number; body: unknown };
    try {
      if (url.pathname.startsWith('/__admin/')) out = await admin(req, url);
      else if (url.pathname.startsWith('/v2/stocks/')) out = await data(req, url);
      else out = await trading(req, url);
    } catch (err) {
      const e = err instanceof BrokerError ? brokerHttpError(err) : err instanceof HttpError ? err : new HttpError(500, { code: 50010000, message: 'internal error' });
      out = { status: e.status, body: e.body };
    }
    res.statusCode = out.status;
    if (out.status === 204) return res.end();
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(out.body));
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    account: async (keyId, secretKey) => {
      try {
        return await open(keyId, secretKey);
      } catch (err) {
        if (err instanceof HttpError) throw new Error(`no account for key ${keyId} on this exchange`, { cause: err });
        throw err;
      }
    },
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

export function readAccountsFile(file: string): z.infer<typeof accountsFileSchema> {
  return accountsFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}
