/**
 * Market Data API v2, daily stock bars and the latest bar/trade, under the fairness rule of
 * market-view.ts. Work per request is bounded: at most `limit` (≤ 10,000) bars in total across
 * all symbols per page (as Alpaca's `limit`), found by binary search, and at most 500 distinct
 * symbols; a client follows `next_page_token` for the rest. So one big request never holds up
 * another account's.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { NY } from '../../domain/calendar/nyse.ts';
import type { Bar } from '../../domain/market/types.ts';
import { parseInstant } from '../../domain/trading/auctions.ts';
import { enumParam, intParam, nowMs, param, symbolsParam, type ExchangeContext } from './context.ts';
import { latestBar, latestTrade, marketViewAt, visibleRange, type MarketView } from './market-view.ts';
import { HttpError, barJson, invalid, notFound, tradeJson, unprocessable } from './wire.ts';

export const MAX_SYMBOLS = 500;

/** The New York date a start/end parameter falls on (a daily bar is stamped at midnight New York). */
function dateBound(name: 'start' | 'end', value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    if (!Number.isFinite(parseInstant(value))) throw badTime(name, value);
    return value;
  }
  const ms = parseInstant(value);
  if (!Number.isFinite(ms)) throw badTime(name, value);
  const t = DateTime.fromMillis(ms, { zone: NY });
  // A start after midnight excludes that day's bar (stamped at midnight); an end anywhere in a day includes it.
  if (name === 'start' && t.toMillis() > t.startOf('day').toMillis()) return t.plus({ days: 1 }).toISODate() as string;
  return t.toISODate() as string;
}

const badTime = (name: string, value: string) => new HttpError(400, { code: 40010001, message: `Invalid format for parameter ${name}: error parsing '${value.slice(0, 40)}' as RFC3339 or 2006-01-02 time` });

interface Page {
  bars: Record<string, Record<string, unknown>[]>;
  next: string | null;
}

/** One page of bars for several symbols: sorted by symbol, then by time; `limit` bars in total. */
function barsPage(ctx: ExchangeContext, req: FastifyRequest, symbols: string[], view: MarketView): Page {
  const tf = param(req, 'timeframe') ?? '1Day';
  if (!/^1(Day|D)$/.test(tf)) throw unprocessable(`invalid timeframe ${tf.slice(0, 20)}: this exchange serves daily bars (1Day) only`);
  enumParam(req, 'adjustment', ['raw', 'split', 'dividend', 'all']);
  enumParam(req, 'feed', ['iex', 'sip', 'delayed_sip', 'otc', 'boats', 'overnight']);
  const sort = enumParam(req, 'sort', ['asc', 'desc']) ?? 'asc';
  const limit = intParam(req, 'limit', 1, 10_000) ?? 1000;
  const end = dateBound('end', param(req, 'end')) ?? '9999-12-31';
  // Without a start, Alpaca starts at the current day; with daily bars that would be empty until the close: from the last session.
  const start = dateBound('start', param(req, 'start')) ?? view.lastClosed?.date ?? end;
  const token = param(req, 'page_token');
  let si = 0;
  let offset = 0;
  if (token) {
    const m = /^(\d+)\.(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!m) throw invalid('page_token is invalid');
    si = Number(m[1]);
    offset = Number(m[2]);
  }
  const sorted = [...symbols].sort();
  const out: Record<string, Record<string, unknown>[]> = {};
  let left = limit;
  for (; si < sorted.length; si++, offset = 0) {
    const sym = sorted[si] as string;
    if (!ctx.market.knows(sym)) continue;
    const r = visibleRange(ctx.market, sym, view, start, end);
    const n = r.to - r.from;
    if (offset >= n) continue;
    const take = Math.min(left, n - offset);
    const list: Record<string, unknown>[] = [];
    for (let k = 0; k < take; k++) {
      const i = sort === 'asc' ? r.from + offset + k : r.to - 1 - offset - k;
      list.push(barJson(r.bars[i] as Bar));
    }
    out[sym] = list;
    left -= take;
    if (left === 0) {
      const more = offset + take < n ? `${si}.${offset + take}` : si + 1 < sorted.length ? `${si + 1}.0` : null;
      return { bars: out, next: more ? Buffer.from(more).toString('base64url') : null };
    }
  }
  return { bars: out, next: null };
}

export function registerDataRoutes(app: FastifyInstance, ctx: ExchangeContext): void {
  // The data API checks the key pair like the trading API (with --accounts, the secret must match), but refuses with 403 as Alpaca's does.
  app.addHook('onRequest', (req, _reply, done) => {
    try {
      if (req.url.startsWith('/v2/stocks')) ctx.registry.authenticate(req.headers['apca-api-key-id'], req.headers['apca-api-secret-key'], 'data');
      done();
    } catch (err) {
      done(err as Error);
    }
  });

  const symbolsOf = (req: FastifyRequest): string[] => {
    const symbols = symbolsParam(req, 'symbols', MAX_SYMBOLS);
    if (!symbols?.length) throw invalid('symbols is required');
    return symbols;
  };

  app.get('/v2/stocks/bars', async (req) => {
    const page = barsPage(ctx, req, symbolsOf(req), marketViewAt(nowMs(ctx)));
    return { bars: page.bars, next_page_token: page.next, currency: 'USD' };
  });

  app.get('/v2/stocks/bars/latest', async (req) => {
    const view = marketViewAt(nowMs(ctx));
    const bars: Record<string, unknown> = {};
    for (const sym of symbolsOf(req)) {
      const b = ctx.market.knows(sym) ? latestBar(ctx.market, sym, view) : null;
      if (b) bars[sym] = barJson(b);
    }
    return { bars, currency: 'USD' };
  });

  app.get('/v2/stocks/trades/latest', async (req) => {
    const view = marketViewAt(nowMs(ctx));
    const trades: Record<string, unknown> = {};
    for (const sym of symbolsOf(req)) {
      const t = ctx.market.knows(sym) ? latestTrade(ctx.market, sym, view) : null;
      if (t) trades[sym] = tradeJson(t.price, t.atMs);
    }
    return { trades, currency: 'USD' };
  });

  const one = (raw: string): string => {
    const sym = decodeURIComponent(raw).toUpperCase();
    if (sym.length > 32) throw invalid('invalid symbol');
    return sym;
  };

  app.get<{ Params: { symbol: string } }>('/v2/stocks/:symbol/bars', async (req) => {
    const sym = one(req.params.symbol);
    const page = barsPage(ctx, req, [sym], marketViewAt(nowMs(ctx)));
    return { bars: page.bars[sym] ?? [], symbol: sym, next_page_token: page.next, currency: 'USD' };
  });

  app.get<{ Params: { symbol: string } }>('/v2/stocks/:symbol/bars/latest', async (req) => {
    const sym = one(req.params.symbol);
    const b = ctx.market.knows(sym) ? latestBar(ctx.market, sym, marketViewAt(nowMs(ctx))) : null;
    if (!b) throw notFound(`no bar for ${sym}`);
    return { symbol: sym, bar: barJson(b), currency: 'USD' };
  });

  app.get<{ Params: { symbol: string } }>('/v2/stocks/:symbol/trades/latest', async (req) => {
    const sym = one(req.params.symbol);
    const t = ctx.market.knows(sym) ? latestTrade(ctx.market, sym, marketViewAt(nowMs(ctx))) : null;
    if (!t) throw notFound(`no trade for ${sym}`);
    return { symbol: sym, trade: tradeJson(t.price, t.atMs), currency: 'USD' };
  });
}
