/**
 * Trading API v2, account side: account, account configurations, clock, calendar, assets,
 * portfolio history and account activities.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isoNy, nyMidnight, parseInstant, sessionOfDate } from '../../domain/trading/auctions.ts';
import type { AccountConfig, Fill } from '../../domain/trading/types.ts';
import { calendarDate, calendarJson } from './calendar.ts';
import { accountOf, enumParam, intParam, param, type ExchangeContext } from './context.ts';
import { accountJson, assetJson, configJson, configPatchSchema, fillActivityJson, invalid, notFound, unprocessable, zodMessage } from './wire.ts';

/** Activity types Alpaca defines (alpaca-py's ActivityType and the JS SDK's enum); this exchange produces FILL only. */
const ACTIVITY_TYPES = new Set(
  'FILL TRANS MISC ACATC ACATS CFEE CGD CSD CSW DIV DIVCGL DIVCGS DIVFEE DIVFT DIVNRA DIVROC DIVTW DIVTXEX DIVWH EXTRD FEE FXTRD INT INTNRA INTPNL INTTW JNL JNLC JNLS MA MEM NC OCT OPASN OPCA OPCSH OPEXC OPEXP OPTRD PTC PTR REORG SPIN SPLIT SWP VOF WH FOPT'.split(' '),
);

function instantParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = parseInstant(value);
  if (!Number.isFinite(ms)) throw invalid(`Invalid format for parameter ${name}: error parsing '${value.slice(0, 40)}' as RFC3339 or 2006-01-02 time`);
  return ms;
}

export function registerAccountRoutes(app: FastifyInstance, ctx: ExchangeContext): void {
  app.get('/v2/account', async (req) => {
    const { account, uuid } = await accountOf(ctx, req);
    return accountJson(await account.account(), uuid);
  });

  // The margin multiplier is one of the exchange's terms, not an account setting: shown as the terms say.
  const configBody = (c: AccountConfig) => configJson({ ...c, max_margin_multiplier: String(ctx.registry.terms.marginMultiplier) });

  app.get('/v2/account/configurations', async (req) => {
    const { account } = await accountOf(ctx, req);
    return configBody(await account.configuration());
  });

  app.patch('/v2/account/configurations', async (req) => {
    const { account } = await accountOf(ctx, req);
    // alpaca-py sends every field, nulls included: a null leaves the setting as it is.
    const body = Object.fromEntries(Object.entries((req.body ?? {}) as Record<string, unknown>).filter(([, v]) => v !== null));
    const parsed = configPatchSchema.safeParse(body);
    if (!parsed.success) throw invalid(zodMessage(parsed.error));
    const patch = parsed.data;
    if (patch.no_shorting === false) throw unprocessable('shorting is not available on this exchange (no_shorting must stay true)');
    if (patch.max_margin_multiplier !== undefined && patch.max_margin_multiplier !== String(ctx.registry.terms.marginMultiplier)) throw unprocessable(`max_margin_multiplier is set by the exchange (${ctx.registry.terms.marginMultiplier})`);
    return configBody(await account.configure(patch));
  });

  app.get('/v2/clock', async (req) => {
    const { account } = await accountOf(ctx, req);
    return account.clock();
  });

  app.get('/v2/calendar', async (req, reply) => {
    await accountOf(ctx, req);
    const json = calendarJson(calendarDate('start', param(req, 'start')), calendarDate('end', param(req, 'end')));
    return reply.type('application/json; charset=utf-8').send(json);
  });

  app.get('/v2/assets', async (req) => {
    await accountOf(ctx, req);
    const status = enumParam(req, 'status', ['active', 'inactive']);
    const assetClass = param(req, 'asset_class');
    const exchange = param(req, 'exchange');
    const attributes = param(req, 'attributes');
    if (status === 'inactive' || (assetClass && assetClass !== 'us_equity') || (exchange && exchange !== 'NASDAQ') || attributes) return [];
    return ctx.symbols.map(assetJson);
  });

  app.get<{ Params: { id: string } }>('/v2/assets/:id', async (req) => {
    await accountOf(ctx, req);
    const id = decodeURIComponent(req.params.id);
    const symbol = ctx.symbolByAssetId.get(id.toLowerCase()) ?? (ctx.market.knows(id.toUpperCase()) ? id.toUpperCase() : null);
    if (!symbol) throw notFound(`asset not found for ${id.slice(0, 40)}`);
    return assetJson(symbol);
  });

  app.get('/v2/account/portfolio/history', async (req) => {
    const { account } = await accountOf(ctx, req);
    const timeframe = param(req, 'timeframe') ?? '1D';
    if (timeframe !== '1D') throw unprocessable(`timeframe ${timeframe.slice(0, 20)} is not available: this exchange keeps the equity at each close (1D)`);
    const period = param(req, 'period');
    const pm = period === undefined ? null : /^(\d{1,4})(D|W|M|A)$/.exec(period);
    if (period !== undefined && !pm) throw invalid('period must be <number><D|W|M|A>, e.g. 1M');
    const dateEnd = param(req, 'date_end');
    if (dateEnd !== undefined && !sessionOfDate(dateEnd) && !/^\d{4}-\d{2}-\d{2}$/.test(dateEnd)) throw invalid('date_end must be YYYY-MM-DD');
    const { closes, startingCash, now, equityNow } = await account.equityAtCloses();
    const end = instantParam('end', param(req, 'end')) ?? (dateEnd ? nyMidnight(dateEnd).ms + 86_400_000 - 1 : now);
    let start = instantParam('start', param(req, 'start'));
    if (start === undefined) {
      const n = Number(pm?.[1] ?? 1);
      const unit = pm?.[2] ?? 'M';
      const d = new Date(end);
      if (unit === 'D') d.setUTCDate(d.getUTCDate() - n);
      else if (unit === 'W') d.setUTCDate(d.getUTCDate() - 7 * n);
      else if (unit === 'M') d.setUTCMonth(d.getUTCMonth() - n);
      else d.setUTCFullYear(d.getUTCFullYear() - n);
      start = d.getTime();
    }
    const points = closes.filter((c) => c.closeMs >= start && c.closeMs <= end && c.closeMs <= now).map((c) => ({ date: c.date, equity: c.equity }));
    const before = [...closes].reverse().find((c) => c.closeMs < start);
    // While a session runs, the last point is today's equity at what is known (the open), as Alpaca shows intraday.
    const today = isoNy(now).slice(0, 10);
    const session = sessionOfDate(today);
    if (session && now >= session.openMs && now < session.closeMs && end >= now && points.at(-1)?.date !== today) points.push({ date: today, equity: equityNow });
    const base = before?.equity ?? startingCash;
    return {
      timestamp: points.map((p) => Math.floor(nyMidnight(p.date).ms / 1000)),
      equity: points.map((p) => Math.round(p.equity * 100) / 100),
      profit_loss: points.map((p) => Math.round((p.equity - base) * 100) / 100),
      profit_loss_pct: points.map((p) => (base ? Math.round(((p.equity - base) / base) * 1e8) / 1e8 : null)),
      base_value: Math.round(base * 100) / 100,
      base_value_asof: before?.date ?? null,
      timeframe: '1D',
      cashflow: {},
    };
  });

  const activities = async (req: FastifyRequest, pathType: string | undefined) => {
    const { account } = await accountOf(ctx, req);
    const types = (pathType ?? param(req, 'activity_types') ?? '')
      .split(',')
      .map((t) => t.trim().toUpperCase())
      .filter(Boolean);
    for (const t of types) if (!ACTIVITY_TYPES.has(t)) throw invalid(`invalid activity type ${t.slice(0, 20)}`);
    const category = enumParam(req, 'category', ['trade_activity', 'non_trade_activity']);
    const date = param(req, 'date');
    const after = instantParam('after', param(req, 'after'));
    const until = instantParam('until', param(req, 'until'));
    if (date !== undefined && (after !== undefined || until !== undefined)) throw invalid('date cannot be combined with after or until');
    const day = date !== undefined ? (instantParam('date', date) as number) : undefined;
    const direction = enumParam(req, 'direction', ['asc', 'desc']) ?? 'desc';
    const pageSize = intParam(req, 'page_size', 1, 100) ?? 100;
    const token = param(req, 'page_token');
    const wantFills = (types.length === 0 || types.includes('FILL')) && category !== 'non_trade_activity';
    if (!wantFills) return [];
    const wantDay = day !== undefined ? (/^\d{4}-\d{2}-\d{2}$/.test(date as string) ? (date as string) : isoNy(day).slice(0, 10)) : null;
    const keep = (f: Fill) => (after === undefined || f.atMs > after) && (until === undefined || f.atMs < until) && (wantDay === null || isoNy(f.atMs).slice(0, 10) === wantDay);
    // Walk the fills in the asked direction from the page token; only the page is turned into JSON.
    const fills = await account.fills();
    const asc = direction === 'asc';
    let k = asc ? 0 : fills.length - 1;
    if (token) {
      const orderId = token.split('::')[1] ?? '';
      while (k >= 0 && k < fills.length && (fills[k] as Fill).orderId !== orderId) k += asc ? 1 : -1;
      if (k < 0 || k >= fills.length) throw invalid('page_token is not an activity id of this account');
      k += asc ? 1 : -1;
    }
    const page: Record<string, unknown>[] = [];
    for (; k >= 0 && k < fills.length && page.length < pageSize; k += asc ? 1 : -1) if (keep(fills[k] as Fill)) page.push(fillActivityJson(fills[k] as Fill));
    return page;
  };
  app.get('/v2/account/activities', async (req) => activities(req, undefined));
  app.get<{ Params: { type: string } }>('/v2/account/activities/:type', async (req) => activities(req, req.params.type));
}
