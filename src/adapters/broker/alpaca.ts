/**
 * The Broker port on Alpaca through the official SDK v4. The SDK does the HTTP, auth, retries of
 * safe verbs and typed errors; this layer reads Alpaca's raw JSON (decimal strings) through zod
 * into the broker's own types and maps SDK errors onto BrokerError kinds. The SDK has no base-URL
 * option, so a fetch wrapper points it at `arena exchange` (ALPACA_TRADING_URL / ALPACA_DATA_URL).
 * Live trading is refused unless the team says `live: true` and ARENA_CONFIRM_LIVE=yes.
 */
import { Alpaca, ApiError, FetchError } from '@alpacahq/alpaca-trade-api';
import { z } from 'zod';
import { errorMessage } from '../../core/errors.ts';
import { redact, registerSecretValue } from '../../core/redact.ts';
import { BrokerError, type BrokerErrorKind } from '../../domain/trading/errors.ts';
import type { Account, MarketClock, Order, OrderRequest, Position } from '../../domain/trading/types.ts';
import { ORDER_STATUSES } from '../../domain/trading/types.ts';
import type { Broker, OrderQuery } from '../../ports.ts';

const PAPER_HOST = 'https://paper-api.alpaca.markets';
const LIVE_HOST = 'https://api.alpaca.markets';
const DATA_HOST = 'https://data.alpaca.markets';

const num = z.union([z.string(), z.number()]).transform((v) => Number(v));
const numOrNull = z.union([z.string(), z.number(), z.null()]).optional().transform((v) => (v === null || v === undefined ? null : Number(v)));
const strOrNull = z.string().nullable().optional().transform((v) => v ?? null);

const accountSchema = z.object({ id: z.string(), account_number: z.string(), cash: num, buying_power: num, equity: num, last_equity: num, long_market_value: num, multiplier: num, created_at: z.string() });
const clockSchema = z.object({ timestamp: z.string(), is_open: z.boolean(), next_open: z.string(), next_close: z.string() });
const orderSchema = z.object({
  id: z.string(),
  client_order_id: z.string(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  type: z.enum(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']),
  time_in_force: z.enum(['day', 'gtc', 'opg', 'cls', 'ioc', 'fok']),
  // A notional order has no qty until it fills (Alpaca: "If entered [notional], qty will be null").
  qty: numOrNull.transform((v) => v ?? 0),
  notional: numOrNull,
  filled_qty: num,
  filled_avg_price: numOrNull,
  limit_price: numOrNull,
  stop_price: numOrNull,
  trail_price: numOrNull,
  trail_percent: numOrNull,
  order_class: z.enum(['simple', 'bracket', 'oco', 'oto', 'mleg', '']).optional().nullable().transform((v) => (v === 'bracket' || v === 'oco' || v === 'oto' ? v : 'simple')),
  replaces: strOrNull,
  replaced_by: strOrNull,
  replaced_at: strOrNull,
  status: z.enum(ORDER_STATUSES),
  created_at: z.string(),
  submitted_at: z.string(),
  updated_at: z.string(),
  filled_at: strOrNull,
  expired_at: strOrNull,
  canceled_at: strOrNull,
});
const positionSchema = z.object({ symbol: z.string(), qty: num, qty_available: num, avg_entry_price: num, cost_basis: num, current_price: num, lastday_price: num, market_value: num, unrealized_pl: num });

export interface AlpacaBrokerOptions {
  keyId: string;
  secretKey: string;
  /** Base URL of an Alpaca-compatible trading API (e.g. `arena exchange`); default Alpaca's paper host. */
  tradingUrl?: string;
  dataUrl?: string;
  live?: boolean;
  /** ARENA_CONFIRM_LIVE=yes: the second key that allows real money (with `live`). */
  confirmLive?: boolean;
  timeoutMs?: number;
  /** Injected in tests (false disables the SDK's own retries/limits). */
  retry?: boolean;
}

function rewritingFetch(tradingUrl: string | undefined, dataUrl: string | undefined): typeof fetch {
  return (input, init) => {
    let url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    if (tradingUrl) url = url.replace(PAPER_HOST, tradingUrl.replace(/\/$/, '')).replace(LIVE_HOST, tradingUrl.replace(/\/$/, ''));
    if (dataUrl) url = url.replace(DATA_HOST, dataUrl.replace(/\/$/, ''));
    return fetch(url, init);
  };
}

function kindOf(status: number, message: string): BrokerErrorKind {
  if (status === 401) return 'auth';
  if (status === 403) return /buying power/i.test(message) ? 'insufficient_buying_power' : /insufficient qty/i.test(message) ? 'insufficient_qty' : 'forbidden';
  if (status === 404) return /position/i.test(message) ? 'position_not_found' : 'order_not_found';
  if (status === 422) return /client_order_id must be unique/i.test(message) ? 'duplicate_client_order_id' : /cancel/i.test(message) ? 'not_cancelable' : 'validation';
  if (status === 429) return 'rate_limit';
  return status >= 500 ? 'unavailable' : 'validation';
}

/** SDK failures in the broker's vocabulary (the secret never reaches a message). */
export function mapAlpacaError(err: unknown, what: string): BrokerError {
  if (err instanceof BrokerError) return err;
  if (err instanceof ApiError) {
    const message = redact(err.message || `HTTP ${err.status}`);
    return new BrokerError(kindOf(err.status, message), `${what}: ${message}`, { status: err.status, code: err.code ?? null }, { cause: err });
  }
  if (err instanceof FetchError) return new BrokerError('unavailable', `${what}: cannot reach Alpaca (${redact(errorMessage(err))})`, {}, { cause: err, hint: 'check the network, ALPACA_TRADING_URL, or `arena doctor`' });
  return new BrokerError('unavailable', `${what}: ${redact(errorMessage(err))}`, {}, { cause: err });
}

export class AlpacaBroker implements Broker {
  readonly kind = 'alpaca' as const;
  private readonly alpaca: Alpaca;

  constructor(opts: AlpacaBrokerOptions) {
    if (opts.live && !opts.confirmLive)
      throw new BrokerError('live_refused', 'live trading refused: broker.live is true but ARENA_CONFIRM_LIVE=yes is not set', {}, { hint: 'paper trading is the default; set ARENA_CONFIRM_LIVE=yes only if you mean real money' });
    registerSecretValue(opts.secretKey);
    this.alpaca = new Alpaca({
      keyId: opts.keyId,
      secret: opts.secretKey,
      paper: !opts.live,
      timeoutMs: opts.timeoutMs ?? 30_000,
      ...(opts.retry === false ? { retry: false, rateLimit: false } : {}),
      fetchApi: rewritingFetch(opts.tradingUrl, opts.dataUrl),
    });
  }

  /** Calls a `...Raw` SDK method and parses the body Alpaca sent, not the SDK's camel-cased copy. */
  private async raw<T>(what: string, schema: z.ZodType<T>, call: () => Promise<{ raw: Response }>): Promise<T> {
    let res: { raw: Response };
    try {
      res = await call();
    } catch (err) {
      throw mapAlpacaError(err, what);
    }
    const parsed = schema.safeParse(await res.raw.json());
    if (!parsed.success) throw new BrokerError('unavailable', `${what}: unexpected answer from Alpaca (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`);
    return parsed.data;
  }

  async account(): Promise<Account> {
    const a = await this.raw('account', accountSchema, () => this.alpaca.trading.account.getAccountRaw());
    return { id: a.id, account_number: a.account_number, status: 'ACTIVE', currency: 'USD', cash: a.cash, buying_power: a.buying_power, equity: a.equity, last_equity: a.last_equity, long_market_value: a.long_market_value, multiplier: a.multiplier, created_at: a.created_at };
  }

  clock(): Promise<MarketClock> {
    return this.raw('clock', clockSchema, () => this.alpaca.trading.clock.legacyClockRaw());
  }

  async positions(): Promise<Position[]> {
    return this.raw('positions', z.array(positionSchema), () => this.alpaca.trading.positions.getAllOpenPositionsRaw());
  }

  async position(symbol: string): Promise<Position | null> {
    try {
      return await this.raw(`position ${symbol}`, positionSchema, () => this.alpaca.trading.positions.getOpenPositionRaw({ symbolOrAssetId: symbol }));
    } catch (err) {
      if (err instanceof BrokerError && err.kind === 'position_not_found') return null;
      throw err;
    }
  }

  async submitOrder(req: OrderRequest): Promise<Order> {
    // POST is never retried (by the SDK or here): the caller looks the client_order_id up instead.
    // Amounts go out as decimal strings, as the SDK's own ergonomic helpers send them.
    const str = (x: number | undefined) => (x === undefined ? undefined : String(x));
    const body = {
      symbol: req.symbol,
      side: req.side,
      type: req.type,
      timeInForce: req.time_in_force,
      clientOrderId: req.client_order_id,
      qty: str(req.qty),
      notional: str(req.notional),
      limitPrice: str(req.limit_price),
      stopPrice: str(req.stop_price),
      trailPrice: str(req.trail_price),
      trailPercent: str(req.trail_percent),
      ...(req.order_class && req.order_class !== 'simple' ? { orderClass: req.order_class } : {}),
      ...(req.take_profit ? { takeProfit: { limitPrice: String(req.take_profit.limit_price) } } : {}),
      ...(req.stop_loss ? { stopLoss: { stopPrice: String(req.stop_loss.stop_price), limitPrice: str(req.stop_loss.limit_price) } } : {}),
    };
    const o = await this.raw(`order ${req.client_order_id}`, orderSchema, () =>
      this.alpaca.trading.orders.postOrderRaw({ postOrderRequest: body as Parameters<Alpaca['trading']['orders']['postOrderRaw']>[0]['postOrderRequest'] }),
    );
    return { ...o, commission: 0 };
  }

  async orderByClientOrderId(clientOrderId: string): Promise<Order | null> {
    try {
      const o = await this.raw(`order ${clientOrderId}`, orderSchema, () => this.alpaca.trading.orders.getOrderByClientOrderIdRaw({ clientOrderId }));
      return { ...o, commission: 0 };
    } catch (err) {
      if (err instanceof BrokerError && err.kind === 'order_not_found') return null;
      throw err;
    }
  }

  async orders(query: OrderQuery = {}): Promise<Order[]> {
    const list = await this.raw('orders', z.array(orderSchema), () =>
      this.alpaca.trading.orders.getAllOrdersRaw({
        ...(query.status ? { status: query.status } : {}),
        ...(query.limit ? { limit: query.limit } : {}),
        ...(query.after ? { after: query.after } : {}),
        ...(query.until ? { until: query.until } : {}),
        ...(query.direction ? { direction: query.direction } : {}),
        ...(query.symbols?.length ? { symbols: query.symbols.join(',') } : {}),
      } as Parameters<Alpaca['trading']['orders']['getAllOrdersRaw']>[0]),
    );
    return list.map((o) => ({ ...o, commission: 0 }));
  }

  async cancelOrder(orderId: string): Promise<void> {
    try {
      await this.alpaca.trading.orders.deleteOrderByOrderIDRaw({ orderId });
    } catch (err) {
      throw mapAlpacaError(err, `cancel ${orderId}`);
    }
  }

  async cancelAllOrders(): Promise<{ id: string; status: number }[]> {
    return this.raw('cancel all', z.array(z.object({ id: z.string(), status: z.number() })), () => this.alpaca.trading.orders.deleteAllOrdersRaw());
  }

  /** Sells a position: all of it, or `qty` shares, or `percentage` percent (Alpaca: qty XOR percentage). */
  async closePosition(symbol: string, _clientOrderId?: string, amount: { qty?: number; percentage?: number } = {}): Promise<Order> {
    const o = await this.raw(`close ${symbol}`, orderSchema, () => this.alpaca.trading.positions.deleteOpenPositionRaw({ symbolOrAssetId: symbol, ...amount }));
    return { ...o, commission: 0 };
  }
}
