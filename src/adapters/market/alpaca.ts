/**
 * The `alpaca` provider: daily bars through the official SDK v4 (Market Data v2, multi-symbol
 * endpoint, `feed=iex` sent explicitly, every page followed). Bars are read from Alpaca's raw JSON
 * with zod; a daily bar's `t` (midnight New York, in UTC) becomes the New York trading date.
 * With a cache store, a failed refresh serves the cached bars marked stale, as Alpha Vantage does.
 */
import { Alpaca, ApiError } from '@alpacahq/alpaca-trade-api';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { NY } from '../../domain/calendar/nyse.ts';
import { ArenaError, errorMessage } from '../../core/errors.ts';
import { redact, registerSecretValue } from '../../core/redact.ts';

import type { Bar, DailyRequest, DailySeries } from '../../domain/market/types.ts';
import type { ArtifactStore, MarketData } from '../../ports.ts';

const DATA_HOST = 'https://data.alpaca.markets';

const barSchema = z.object({ t: z.string(), o: z.number(), h: z.number(), l: z.number(), c: z.number(), v: z.number() });
const pageSchema = z.object({ bars: z.record(z.string(), z.array(barSchema)).nullable(), next_page_token: z.string().nullable().optional() });
const cacheSchema = z.object({ fetchedAt: z.string(), bars: z.array(z.object({ date: z.string(), open: z.number().nullable(), high: z.number().nullable(), low: z.number().nullable(), close: z.number(), volume: z.number().nullable() })) });

export class AlpacaDataError extends ArenaError {}

export interface AlpacaMarketDataOptions {
  keyId: string;
  secretKey: string;
  /** Base URL of an Alpaca-compatible data API (`arena exchange`); default ALPACA_DATA_URL, else Alpaca. */
  dataUrl?: string;
  /** Where history starts when nothing is cached. Default 2016-01-01 (IEX history is short anyway). */
  since?: string;
  store?: ArtifactStore;
  retry?: boolean;
  /** Bars per page (Alpaca allows up to 10,000). */
  pageLimit?: number;
}

export class AlpacaMarketData implements MarketData {
  readonly provider = 'alpaca';
  private readonly alpaca: Alpaca;

  constructor(private readonly opts: AlpacaMarketDataOptions) {
    registerSecretValue(opts.secretKey);
    const base = opts.dataUrl?.replace(/\/$/, '');
    this.alpaca = new Alpaca({
      keyId: opts.keyId,
      secret: opts.secretKey,
      ...(opts.retry === false ? { retry: false, rateLimit: false } : {}),
      fetchApi: (input: string | URL | Request, init?: RequestInit) => {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
        return fetch(base ? url.replace(DATA_HOST, base) : url, init);
      },
    });
  }

  private async fetchAll(symbol: string, start: string, end: string): Promise<Bar[]> {
    const out: Bar[] = [];
    let pageToken: string | undefined;
    do {
      let json: unknown;
      try {
        const res = await this.alpaca.marketData.stocks.stockBarsRaw({
          symbols: symbol,
          timeframe: '1Day',
          start: new Date(`${start}T00:00:00Z`),
          end: new Date(`${end}T23:59:59Z`),
          limit: this.opts.pageLimit ?? 10_000,
          adjustment: 'all',
          feed: 'iex',
          ...(pageToken ? { pageToken } : {}),
        } as Parameters<Alpaca['marketData']['stocks']['stockBarsRaw']>[0]);
        json = await res.raw.json();
      } catch (err) {
        const status = err instanceof ApiError ? ` (HTTP ${err.status})` : '';
        throw new AlpacaDataError(redact(`alpaca bars for ${symbol}${status}: ${errorMessage(err)}`), { cause: err, hint: 'check the Alpaca keys, ALPACA_DATA_URL, or `arena doctor`' });
      }
      const page = pageSchema.safeParse(json);
      if (!page.success) throw new AlpacaDataError(`alpaca bars for ${symbol}: unexpected answer (${page.error.issues[0]?.path.join('.') ?? ''})`);
      for (const b of page.data.bars?.[symbol] ?? []) {
        const date = DateTime.fromISO(b.t, { zone: 'utc' }).setZone(NY).toISODate() as string;
        out.push({ date, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v });
      }
      pageToken = page.data.next_page_token ?? undefined;
    } while (pageToken);
    return out;
  }

  async daily(req: DailyRequest): Promise<DailySeries> {
    const symbol = req.symbol.toUpperCase();
    const key = `cache/alpaca/${symbol}.json`;
    const cutoff = (bars: Bar[]) => bars.filter((b) => b.date <= req.asOf && (!req.from || b.date >= req.from));
    try {
      const bars = await this.fetchAll(symbol, req.from ?? this.opts.since ?? '2016-01-01', req.asOf);
      if (this.opts.store && !req.from) await this.opts.store.put(key, JSON.stringify({ fetchedAt: new Date().toISOString(), bars }));
      return { symbol, bars: cutoff(bars), source: this.provider, stale: false };
    } catch (err) {
      const cached = this.opts.store ? await this.opts.store.get(key) : null;
      const parsed = cached ? cacheSchema.safeParse(JSON.parse(Buffer.from(cached).toString('utf8'))) : null;
      if (!parsed?.success) throw err;
      return { symbol, bars: cutoff(parsed.data.bars), source: this.provider, stale: true, staleReason: `${errorMessage(err)}; serving the cache fetched ${parsed.data.fetchedAt}` };
    }
  }
}
