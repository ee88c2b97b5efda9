/** Trading API v2, orders and positions. */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { parseInstant } from '../../domain/trading/auctions.ts';
import type { OrderRequest } from '../../domain/trading/types.ts';
import { accountOf, boolParam, enumParam, intParam, param, symbolsParam, type ExchangeContext } from './context.ts';
import { HttpError, UUID_RE, invalid, notFound, orderBodySchema, orderJson, positionJson, replaceBodySchema, zodMessage } from './wire.ts';

/** Generated client_order_ids: random UUIDs, unique under any burst (Alpaca generates one when none is sent). */
const newClientOrderId = (): string => randomUUID();

const orderIdParam = (raw: string): string => {
  const id = decodeURIComponent(raw);
  // Alpaca answers an id that is not a UUID like this (Alpaca-API issue 135).
  if (!UUID_RE.test(id)) throw invalid('order_id is missing');
  return id.toLowerCase();
};

const undef = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

export function registerOrderRoutes(app: FastifyInstance, ctx: ExchangeContext): void {
  app.post('/v2/orders', async (req) => {
    const { account } = await accountOf(ctx, req);
    const parsed = orderBodySchema.safeParse(req.body ?? {});
    if (!parsed.success) throw invalid(zodMessage(parsed.error));
    const b = parsed.data;
    const order: OrderRequest = {
      symbol: b.symbol.toUpperCase(),
      side: b.side,
      type: b.type,
      time_in_force: b.time_in_force,
      client_order_id: b.client_order_id ?? newClientOrderId(),
      ...(b.qty != null ? { qty: b.qty } : {}),
      ...(b.notional != null ? { notional: b.notional } : {}),
      ...(b.limit_price != null ? { limit_price: b.limit_price } : {}),
      ...(b.stop_price != null ? { stop_price: b.stop_price } : {}),
      ...(b.trail_price != null ? { trail_price: b.trail_price } : {}),
      ...(b.trail_percent != null ? { trail_percent: b.trail_percent } : {}),
      ...(b.extended_hours ? { extended_hours: true } : {}),
      ...(b.order_class ? { order_class: b.order_class } : {}),
      ...(b.take_profit ? { take_profit: { limit_price: b.take_profit.limit_price } } : {}),
      ...(b.stop_loss ? { stop_loss: { stop_price: b.stop_loss.stop_price, ...(b.stop_loss.limit_price != null ? { limit_price: b.stop_loss.limit_price } : {}) } } : {}),
    };
    return orderJson(await account.submitOrder(order));
  });

  app.get('/v2/orders', async (req) => {
    const { account } = await accountOf(ctx, req);
    const instant = (name: string): string | undefined => {
      const v = param(req, name);
      if (v === undefined || v === '') return undefined;
      const ms = parseInstant(v);
      if (!Number.isFinite(ms)) throw invalid(`Invalid format for parameter ${name}: error parsing '${v.slice(0, 40)}' as RFC3339 or 2006-01-02 time`);
      return new Date(ms).toISOString();
    };
    const after = instant('after');
    const until = instant('until');
    const symbols = symbolsParam(req, 'symbols', 500);
    const status = enumParam(req, 'status', ['open', 'closed', 'all']);
    const limit = intParam(req, 'limit', 1, 500);
    const direction = enumParam(req, 'direction', ['asc', 'desc']);
    const side = enumParam(req, 'side', ['buy', 'sell']);
    const nested = boolParam(req, 'nested');
    const list = await account.orders({
      ...(status ? { status } : {}),
      ...(limit ? { limit } : {}),
      ...(after ? { after } : {}),
      ...(until ? { until } : {}),
      ...(direction ? { direction } : {}),
      ...(side ? { side } : {}),
      ...(symbols ? { symbols } : {}),
      ...(nested ? { nested } : {}),
    });
    return list.map((o) => orderJson(o));
  });

  app.get('/v2/orders::by_client_order_id', async (req) => {
    const { account } = await accountOf(ctx, req);
    const coid = param(req, 'client_order_id');
    if (!coid) throw invalid('client_order_id is required');
    const o = await account.orderByClientOrderId(coid, boolParam(req, 'nested') ?? false);
    if (!o) throw notFound('order not found');
    return orderJson(o);
  });

  app.delete('/v2/orders', async (req, reply) => {
    const { account } = await accountOf(ctx, req);
    const out = await account.cancelAllOrders();
    return reply.code(207).send(out);
  });

  app.get<{ Params: { id: string } }>('/v2/orders/:id', async (req) => {
    const { account } = await accountOf(ctx, req);
    const o = await account.orderById(orderIdParam(req.params.id), boolParam(req, 'nested') ?? false);
    if (!o) throw notFound('order not found');
    return orderJson(o);
  });

  app.delete<{ Params: { id: string } }>('/v2/orders/:id', async (req, reply) => {
    const { account } = await accountOf(ctx, req);
    await account.cancelOrder(orderIdParam(req.params.id));
    return reply.code(204).send();
  });

  app.patch<{ Params: { id: string } }>('/v2/orders/:id', async (req) => {
    const { account } = await accountOf(ctx, req);
    const id = orderIdParam(req.params.id);
    const parsed = replaceBodySchema.safeParse(req.body ?? {});
    if (!parsed.success) throw invalid(zodMessage(parsed.error));
    const b = parsed.data;
    const o = await account.replaceOrder(id, {
      client_order_id: b.client_order_id ?? newClientOrderId(),
      ...(undef(b.qty) !== undefined ? { qty: b.qty as number } : {}),
      ...(b.time_in_force ? { time_in_force: b.time_in_force } : {}),
      ...(undef(b.limit_price) !== undefined ? { limit_price: b.limit_price as number } : {}),
      ...(undef(b.stop_price) !== undefined ? { stop_price: b.stop_price as number } : {}),
      ...(undef(b.trail) !== undefined ? { trail: b.trail as number } : {}),
    });
    return orderJson(o);
  });

  app.get('/v2/positions', async (req) => {
    const { account } = await accountOf(ctx, req);
    return (await account.positions()).map(positionJson);
  });

  app.delete('/v2/positions', async (req, reply) => {
    const { account } = await accountOf(ctx, req);
    const out = await account.closeAllPositions(boolParam(req, 'cancel_orders') ?? false, newClientOrderId);
    return reply.code(207).send(out.map((r) => ({ symbol: r.symbol, status: r.status, body: r.status === 200 ? orderJson(r.body as Parameters<typeof orderJson>[0]) : r.body })));
  });

  /** A position by symbol or by its asset id. */
  const symbolOf = (raw: string): string => {
    const v = decodeURIComponent(raw);
    return ctx.symbolByAssetId.get(v.toLowerCase()) ?? v.toUpperCase();
  };

  app.get<{ Params: { symbol: string } }>('/v2/positions/:symbol', async (req) => {
    const { account } = await accountOf(ctx, req);
    const pos = await account.position(symbolOf(req.params.symbol));
    if (!pos) throw notFound('position does not exist');
    return positionJson(pos);
  });

  app.delete<{ Params: { symbol: string } }>('/v2/positions/:symbol', async (req) => {
    const { account } = await accountOf(ctx, req);
    const decimal = (name: string): number | undefined => {
      const v = param(req, name);
      if (v === undefined || v === '') return undefined;
      if (!/^(\d+\.?\d*|\.\d+)$/.test(v) || (v.split('.')[1]?.length ?? 0) > 9) throw invalid(`${name} must be a decimal with at most 9 decimal places`);
      return Number(v);
    };
    const qty = decimal('qty');
    const percentage = decimal('percentage');
    if (qty !== undefined && percentage !== undefined) throw new HttpError(422, { code: 40010001, message: 'qty and percentage cannot be given together' });
    const o = await account.closePosition(symbolOf(req.params.symbol), newClientOrderId(), { ...(qty !== undefined ? { qty } : {}), ...(percentage !== undefined ? { percentage } : {}) });
    return orderJson(o);
  });
}
