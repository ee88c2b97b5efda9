/**
 * Alpaca's JSON on the wire: money and quantities as decimal strings, UUID ids, every key of the
 * documented entities (alpaca-facts.md), and the request bodies both official SDKs send (numbers
 * from alpaca-py, decimal strings from the JS SDK).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Bar } from '../../domain/market/types.ts';
import { nyMidnight, isoNy, sessionOfDate } from '../../domain/trading/auctions.ts';
import { trailingStopPrice } from '../../domain/trading/fill-model.ts';
import type { Account, AccountConfig, Fill, Order, Position } from '../../domain/trading/types.ts';

/** An error answered with Alpaca's body: `{code, message}` plus any fields Alpaca adds (bad keys: `{message}` alone, as Alpaca's gateway answers). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: { code?: number; message: string } & Record<string, unknown>,
  ) {
    super(body.message);
  }
}

export const badRequest = (message: string) => new HttpError(400, { code: 40010000, message });
export const invalid = (message: string) => new HttpError(422, { code: 40010001, message });
export const unprocessable = (message: string) => new HttpError(422, { code: 42210000, message });
export const notFound = (message: string) => new HttpError(404, { code: 40410000, message });

/** A decimal string: no exponent, at most `digits` decimals, trailing zeros dropped. */
export function dec(x: number | null | undefined, digits = 6): string | null {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  if (r === 0) return '0';
  const plain = String(r);
  return plain.includes('e') ? r.toFixed(digits).replace(/\.?0+$/, '') : plain;
}

/** A UUID (RFC 4122 layout, version 4 bits) derived from a string: stable ids for assets and accounts. */
export function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const assetIds = new Map<string, string>();
export function assetId(symbol: string): string {
  let id = assetIds.get(symbol);
  if (!id) {
    id = uuidFrom(`asset:${symbol}`);
    assetIds.set(symbol, id);
  }
  return id;
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---- request bodies

/** A decimal as a JSON number or a string; hex, blanks and words are refused (Alpaca validates decimals). */
export const decimal = z.union([
  z.number().refine(Number.isFinite, 'must be a finite number'),
  z
    .string()
    .trim()
    .regex(/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/, 'must be a decimal number')
    .transform(Number),
]);

const side = z.enum(['buy', 'sell']);
const orderType = z.enum(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']);
const tif = z.enum(['day', 'gtc', 'opg', 'cls', 'ioc', 'fok']);

export const orderBodySchema = z.object({
  symbol: z.string().trim().min(1).max(32),
  qty: decimal.optional().nullable(),
  notional: decimal.optional().nullable(),
  side,
  type: orderType,
  time_in_force: tif,
  limit_price: decimal.optional().nullable(),
  stop_price: decimal.optional().nullable(),
  trail_price: decimal.optional().nullable(),
  trail_percent: decimal.optional().nullable(),
  extended_hours: z.boolean().optional().nullable(),
  client_order_id: z.string().max(128).optional().nullable(),
  order_class: z.enum(['simple', 'bracket', 'oco', 'oto', '']).optional().nullable(),
  take_profit: z.object({ limit_price: decimal }).optional().nullable(),
  stop_loss: z.object({ stop_price: decimal, limit_price: decimal.optional().nullable() }).optional().nullable(),
  position_intent: z.enum(['buy_to_open', 'buy_to_close', 'sell_to_open', 'sell_to_close']).optional().nullable(),
});

export const replaceBodySchema = z.object({
  qty: decimal.optional().nullable(),
  time_in_force: tif.optional().nullable(),
  limit_price: decimal.optional().nullable(),
  stop_price: decimal.optional().nullable(),
  trail: decimal.optional().nullable(),
  client_order_id: z.string().max(128).optional().nullable(),
});

export const configPatchSchema = z
  .object({
    dtbp_check: z.enum(['both', 'entry', 'exit']),
    trade_confirm_email: z.enum(['all', 'none']),
    suspend_trade: z.boolean(),
    no_shorting: z.boolean(),
    fractional_trading: z.boolean(),
    max_margin_multiplier: z.union([z.string(), z.number()]).transform(String),
    pdt_check: z.enum(['both', 'entry', 'exit']),
    ptp_no_exception_entry: z.boolean(),
    max_options_trading_level: z.number().int().min(0),
  })
  .partial();

/** The first zod issue as Alpaca words it: `<field> <problem>`. */
export function zodMessage(err: z.ZodError): string {
  const i = err.issues[0];
  if (!i) return 'request is invalid';
  const field = i.path.join('.') || 'body';
  return i.code === 'invalid_type' && i.input === undefined ? `${field} is required` : `${field} is invalid: ${i.message}`;
}

// ---- entities

export function orderJson(o: Order & { legs?: Order[] }, hwm: number | null = null): Record<string, unknown> {
  const trailing = o.type === 'trailing_stop';
  const mark = trailing ? (hwm ?? o.hwm ?? null) : null;
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
    replaced_at: o.replaced_at ?? null,
    replaced_by: o.replaced_by ?? null,
    replaces: o.replaces ?? null,
    asset_id: assetId(o.symbol),
    symbol: o.symbol,
    asset_class: 'us_equity',
    notional: o.notional ? dec(o.notional, 2) : null,
    qty: o.notional ? null : dec(o.qty, 9),
    filled_qty: dec(o.filled_qty, 9),
    filled_avg_price: dec(o.filled_avg_price),
    order_class: o.order_class ?? 'simple',
    order_type: o.type,
    type: o.type,
    side: o.side,
    position_intent: o.side === 'buy' ? 'buy_to_open' : 'sell_to_close',
    time_in_force: o.time_in_force,
    limit_price: dec(o.limit_price ?? null),
    stop_price: trailing ? (mark !== null ? dec(trailingStopPrice(o, mark)) : null) : dec(o.stop_price ?? null),
    status: o.status,
    extended_hours: o.extended_hours ?? false,
    legs: o.legs ? o.legs.map((l) => orderJson(l)) : null,
    trail_percent: dec(o.trail_percent ?? null),
    trail_price: dec(o.trail_price ?? null),
    hwm: dec(mark),
    subtag: null,
    source: null,
    commission: dec(o.commission),
  };
}

export function positionJson(p: Position): Record<string, unknown> {
  const intraday = p.qty * (p.current_price - p.lastday_price);
  const change = p.lastday_price ? p.current_price / p.lastday_price - 1 : 0;
  return {
    asset_id: assetId(p.symbol),
    symbol: p.symbol,
    exchange: 'NASDAQ',
    asset_class: 'us_equity',
    asset_marginable: true,
    avg_entry_price: dec(p.avg_entry_price),
    qty: dec(p.qty, 9),
    qty_available: dec(p.qty_available, 9),
    side: 'long',
    market_value: dec(p.market_value),
    cost_basis: dec(p.cost_basis),
    unrealized_pl: dec(p.unrealized_pl),
    unrealized_plpc: dec(p.cost_basis ? p.unrealized_pl / p.cost_basis : 0),
    unrealized_intraday_pl: dec(intraday),
    unrealized_intraday_plpc: dec(p.lastday_price ? intraday / (p.qty * p.lastday_price) : 0),
    current_price: dec(p.current_price),
    lastday_price: dec(p.lastday_price),
    change_today: dec(change),
  };
}

/** No `pattern_day_trader`, `daytrade_count` or `daytrading_buying_power`: Alpaca removed them in 2026 (PROTOCOLS.md). */
export function accountJson(a: Account, uuid: string): Record<string, unknown> {
  const bp = dec(a.buying_power);
  return {
    id: uuid,
    account_number: a.account_number,
    status: a.status,
    crypto_status: 'INACTIVE',
    currency: a.currency,
    buying_power: bp,
    regt_buying_power: bp,
    effective_buying_power: bp,
    non_marginable_buying_power: dec(a.non_marginable_buying_power ?? a.buying_power),
    options_buying_power: '0',
    cash: dec(a.cash),
    accrued_fees: '0',
    pending_transfer_in: '0',
    pending_transfer_out: '0',
    portfolio_value: dec(a.equity),
    equity: dec(a.equity),
    last_equity: dec(a.last_equity),
    long_market_value: dec(a.long_market_value),
    short_market_value: '0',
    position_market_value: dec(a.long_market_value),
    initial_margin: '0',
    maintenance_margin: '0',
    last_maintenance_margin: '0',
    sma: '0',
    multiplier: String(a.multiplier),
    trading_blocked: false,
    transfers_blocked: false,
    account_blocked: false,
    trade_suspended_by_user: false,
    shorting_enabled: false,
    options_approved_level: 0,
    options_trading_level: 0,
    created_at: a.created_at,
  };
}

export function configJson(c: AccountConfig): Record<string, unknown> {
  return { ...c };
}

export function assetJson(symbol: string): Record<string, unknown> {
  return {
    id: assetId(symbol),
    class: 'us_equity',
    exchange: 'NASDAQ',
    symbol,
    name: symbol,
    status: 'active',
    tradable: true,
    marginable: true,
    maintenance_margin_requirement: 100,
    shortable: false,
    easy_to_borrow: false,
    fractionable: true,
    min_order_size: '0.000000001',
    min_trade_increment: '0.000000001',
    price_increment: '0.01',
    attributes: [],
  };
}

/** A daily bar: `t` is midnight New York in UTC; trade count and VWAP are unknown on daily data (null). */
export function barJson(b: Bar): Record<string, unknown> {
  return { t: nyMidnight(b.date).iso, o: b.open ?? b.close, h: b.high ?? b.close, l: b.low ?? b.close, c: b.close, v: b.volume ?? 0, n: null, vw: null };
}

/** A trade at a price and instant (the exchange's only trades: each session's opening and closing auctions). */
export function tradeJson(price: number, atMs: number): Record<string, unknown> {
  return { t: new Date(atMs).toISOString(), x: 'V', p: price, s: 100, c: ['@'], i: Math.floor(atMs / 1000), z: 'C' };
}

/** A FILL activity's id: `<UTC yyyymmddhhmmssSSS>::<uuid>` as Alpaca's (usable as a page token); fills are whole, so the order's id is the fill's. */
export function fillActivityId(f: Fill): string {
  return `${new Date(f.atMs).toISOString().replace(/[-:T.Z]/g, '').slice(0, 17)}::${f.orderId}`;
}

export function fillActivityJson(f: Fill): Record<string, unknown> {
  return {
    activity_type: 'FILL',
    id: fillActivityId(f),
    transaction_time: new Date(f.atMs).toISOString(),
    type: 'fill',
    price: dec(f.price),
    qty: dec(f.qty, 9),
    side: f.side,
    symbol: f.symbol,
    leaves_qty: '0',
    order_id: f.orderId,
    cum_qty: dec(f.qty, 9),
    order_status: 'filled',
  };
}

/** Close time of a bar's session, for the "latest trade" of a closed session. */
export function closeMsOf(date: string): number {
  return sessionOfDate(date)?.closeMs ?? nyMidnight(date).ms;
}

export { isoNy };
