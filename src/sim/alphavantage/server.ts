/**
 * A local Alpha Vantage emulator: `GET /query` in the exact shapes of PROTOCOLS.md ("Alpha Vantage"),
 * serving any MarketData up to a settable "as of" date (so a replay can move it), with switchable faults.
 *
 *   GET  /query?function=TIME_SERIES_DAILY&symbol=MSFT&outputsize=compact|full&datatype=json|csv&apikey=K
 *   GET  /query?function=RSI|EMA|SMA|MACD|BBANDS&symbol&interval=daily&time_period&series_type[…]
 *   POST /__admin/faults {"mode":"rate_limit","count":2,"delayMs":…,"function":"RSI"}   GET /__admin/faults
 *   POST /__admin/as-of {"asOf":"2017-06-30"}                          GET /__admin/state
 *
 * Like the real service, every /query failure except `http_500` is HTTP 200 with an error body.
 * node:http rather than fastify: one route, and full control over truncated (malformed) bodies.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Bar } from '../../domain/market/types.ts';
import { bbands, ema, macd, rsi, sma } from './indicators.ts';

import { FAULT_MODES, type FaultMode } from './fault-modes.ts';
import type { MarketData } from '../../ports.ts';

export const faultSpecSchema = z.strictObject({
  mode: z.enum(FAULT_MODES),
  /** How many /query requests the fault affects; absent = until changed. */
  count: z.number().int().positive().optional(),
  /** For `slow`: delay before answering. Default 2000 ms. */
  delayMs: z.number().int().min(0).max(600_000).optional(),
  /**
   * Only requests for this function (e.g. `RSI`) get the fault; the others are answered normally and do
   * not use up `count`. Absent = every /query request.
   */
  function: z.string().regex(/^[A-Z_]+$/).optional(),
});
export type FaultSpec = z.infer<typeof faultSpecSchema>;

const asOfSchema = z.strictObject({ asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) });

export const RATE_LIMIT_BODY = {
  Information:
    'Thank you for using Alpha Vantage! Please consider spreading out your free API requests more sparingly. Our standard API rate limit is 25 requests per day (25 requests per day for free keys). Please subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly remove all daily rate limits.',
} as const;
export const RATE_LIMIT_NOTE_BODY = {
  Note: 'Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute and 500 calls per day. Please visit https://www.alphavantage.co/premium/ if you would like to target a higher API call frequency.',
} as const;
export const PREMIUM_BODY = {
  Information:
    'Thank you for using Alpha Vantage! This is a premium endpoint. You may subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly unlock all premium endpoints',
} as const;
export const BAD_KEY_BODY = {
  'Error Message':
    'the parameter apikey is invalid or missing. Please claim your free API key on (https://www.alphavantage.co/support/#api-key). It should take less than 20 seconds.',
} as const;
export const badSymbolBody = (fn: string): { 'Error Message': string } => ({
  'Error Message': `Invalid API call. Please retry or visit the documentation (https://www.alphavantage.co/documentation/) for ${fn}.`,
});

export interface AlphaVantageEmulatorOptions {
  port?: number;
  /** Default 127.0.0.1 (never all interfaces by accident). */
  host?: string;
  data: MarketData;
  /** When set, any other key gets the bad-key body; when unset, any non-empty key is accepted. */
  apiKey?: string;
  /** Serve bars up to this date. Default: today in New York. */
  asOf?: string;
  /** Start with this fault active. */
  fault?: FaultSpec | FaultMode;
}

export interface EmulatorRequestRecord {
  function: string | null;
  symbol: string | null;
  outputsize: string | null;
  datatype: string | null;
  /** What was answered: `ok`, a fault mode, or `bad_key` / `bad_symbol` / `premium` / `bad_request`. */
  outcome: string;
}

export interface AlphaVantageEmulator {
  /** The `/query` endpoint: use it as ALPHAVANTAGE_BASE_URL. */
  readonly url: string;
  /** `http://host:port`. */
  readonly origin: string;
  readonly port: number;
  /** /query requests received so far (admin calls not counted). */
  readonly requests: number;
  readonly asOf: string;
  readonly fault: FaultSpec;
  /** The last 1000 /query requests, oldest first (the API key is not recorded). */
  readonly history: readonly EmulatorRequestRecord[];
  setAsOf(date: string): void;
  setFault(fault: FaultSpec | FaultMode | null): void;
  close(): Promise<void>;
}

const HISTORY_LIMIT = 1000;
const round4 = (x: number): string => x.toFixed(4);
const json = (value: unknown): string => JSON.stringify(value, null, 4);

type Answer = { status: number; contentType: string; body: string };
const ok = (value: unknown): Answer => ({ status: 200, contentType: 'application/json', body: json(value) });

const INDICATOR_NAMES: Record<string, string> = {
  RSI: 'Relative Strength Index (RSI)',
  EMA: 'Exponential Moving Average (EMA)',
  SMA: 'Simple Moving Average (SMA)',
  MACD: 'Moving Average Convergence/Divergence (MACD)',
  BBANDS: 'Bollinger Bands (BBANDS)',
};

function normaliseFault(f: FaultSpec | FaultMode | null | undefined): FaultSpec {
  if (f === null || f === undefined) return { mode: 'none' };
  return typeof f === 'string' ? faultSpecSchema.parse({ mode: f }) : faultSpecSchema.parse(f);
}

export async function startAlphaVantageEmulator(opts: AlphaVantageEmulatorOptions): Promise<AlphaVantageEmulator> {
  const host = opts.host ?? '127.0.0.1';
  let asOf = opts.asOf ?? DateTime.now().setZone('America/New_York').toISODate() ?? '9999-12-31';
  let fault = normaliseFault(opts.fault);
  let requests = 0;
  const history: EmulatorRequestRecord[] = [];
  const closing = new AbortController();

  /** Take the active fault for one request of function `fn` (decrementing its count). */
  const takeFault = (fn: string): FaultSpec => {
    const f = fault;
    if (f.mode === 'none') return f;
    if (f.function !== undefined && f.function !== fn) return { mode: 'none' };
    if (f.count !== undefined) fault = f.count <= 1 ? { mode: 'none' } : { ...f, count: f.count - 1 };
    return f;
  };

  const bars = async (symbol: string): Promise<Bar[] | null> => {
    if (opts.data.knownSymbols) {
      const known = await opts.data.knownSymbols();
      if (!known.some((s) => s.toUpperCase() === symbol.toUpperCase())) return null;
    }
    try {
      const series = await opts.data.daily({ symbol, asOf });
      // A symbol with no history yet is unknown to the service, as far as a client can tell.
      return series.bars.length > 0 ? series.bars : null;
    } catch (err) {
      if ((err as { kind?: unknown }).kind === 'bad_symbol') return null;
      throw err;
    }
  };

  async function daily(q: URLSearchParams, fn: string): Promise<Answer> {
    const symbol = q.get('symbol') ?? '';
    const series = symbol ? await bars(symbol) : null;
    if (!series) return ok(badSymbolBody(fn));
    const full = q.get('outputsize') === 'full';
    const rows = (full ? series : series.slice(-100)).slice().reverse(); // newest first
    const last = series[series.length - 1] as Bar;
    // Close-only sources have no open/high/low/volume: "" rather than invented numbers (real AV never does this).
    const cell = (x: number | null, f: (v: number) => string): string => (x === null ? '' : f(x));
    const vol = (v: number): string => String(Math.round(v));
    if ((q.get('datatype') ?? 'json').toLowerCase() === 'csv') {
      const lines = ['timestamp,open,high,low,close,volume'];
      for (const b of rows) lines.push([b.date, cell(b.open, round4), cell(b.high, round4), cell(b.low, round4), round4(b.close), cell(b.volume, vol)].join(','));
      return { status: 200, contentType: 'text/csv', body: lines.join('\r\n') + '\r\n' };
    }
    const ts: Record<string, Record<string, string>> = {};
    for (const b of rows) {
      ts[b.date] = {
        '1. open': cell(b.open, round4),
        '2. high': cell(b.high, round4),
        '3. low': cell(b.low, round4),
        '4. close': round4(b.close),
        '5. volume': cell(b.volume, vol),
      };
    }
    return ok({
      'Meta Data': {
        '1. Information': 'Daily Prices (open, high, low, close) and Volumes',
        '2. Symbol': symbol,
        '3. Last Refreshed': last.date,
        '4. Output Size': full ? 'Full size' : 'Compact',
        '5. Time Zone': 'US/Eastern',
      },
      'Time Series (Daily)': ts,
    });
  }

  async function indicator(q: URLSearchParams, fn: string): Promise<Answer> {
    const invalid = ok(badSymbolBody(fn));
    const symbol = q.get('symbol') ?? '';
    const interval = q.get('interval');
    const seriesType = q.get('series_type');
    if (!symbol || interval !== 'daily' || !seriesType || !['close', 'open', 'high', 'low'].includes(seriesType)) return invalid;
    const intParam = (name: string, dflt?: number): number | null => {
      const v = q.get(name);
      if (v === null || v === '') return dflt ?? null;
      return /^\d+$/.test(v) && Number(v) >= 1 ? Number(v) : null;
    };
    const numParam = (name: string, dflt: number): number | null => {
      const v = q.get(name);
      if (v === null || v === '') return dflt;
      return /^\d+(\.\d+)?$/.test(v) ? Number(v) : null;
    };
    const series = await bars(symbol);
    if (!series) return invalid;
    const field = seriesType as 'close' | 'open' | 'high' | 'low';
    const values = series.map((b) => b[field]);
    if (values.some((v) => v === null || !Number.isFinite(v))) return invalid; // close-only data has no open/high/low
    const xs = values as number[];
    const dates = series.map((b) => b.date);
    const meta: Record<string, string | number> = {
      '1: Symbol': symbol,
      '2: Indicator': INDICATOR_NAMES[fn] ?? fn,
      '3: Last Refreshed': dates[dates.length - 1] as string,
      '4: Interval': 'daily',
    };
    const rows: [string, Record<string, string>][] = [];
    const push = (i: number, row: Record<string, number>) => {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(row)) out[k] = round4(v);
      rows.push([dates[i] as string, out]);
    };

    if (fn === 'RSI' || fn === 'EMA' || fn === 'SMA') {
      const n = intParam('time_period');
      if (n === null) return invalid;
      const out = fn === 'RSI' ? rsi(xs, n) : fn === 'EMA' ? ema(xs, n) : sma(xs, n);
      out.forEach((v, i) => v !== null && push(i, { [fn]: v }));
      Object.assign(meta, { '5: Time Period': n, '6: Series Type': seriesType, '7: Time Zone': 'US/Eastern Time' });
    } else if (fn === 'MACD') {
      const fast = intParam('fastperiod', 12);
      const slow = intParam('slowperiod', 26);
      const signal = intParam('signalperiod', 9);
      if (fast === null || slow === null || signal === null) return invalid;
      macd(xs, fast, slow, signal).forEach((r, i) => r !== null && push(i, { MACD: r.MACD, MACD_Signal: r.MACD_Signal, MACD_Hist: r.MACD_Hist }));
      Object.assign(meta, {
        '5.1: Fast Period': fast,
        '5.2: Slow Period': slow,
        '5.3: Signal Period': signal,
        '6: Series Type': seriesType,
        '7: Time Zone': 'US/Eastern Time',
      });
    } else {
      const n = intParam('time_period');
      const up = numParam('nbdevup', 2);
      const dn = numParam('nbdevdn', 2);
      const matype = q.get('matype') ?? '0';
      // Only matype 0 (SMA) is emulated; other moving averages are refused rather than approximated.
      if (n === null || up === null || dn === null || matype !== '0') return invalid;
      bbands(xs, n, up, dn).forEach((r, i) => r !== null && push(i, { ...r }));
      Object.assign(meta, {
        '5: Time Period': n,
        '6.1: Deviation multiplier for upper band': up,
        '6.2: Deviation multiplier for lower band': dn,
        '6.3: MA Type': 0,
        '7: Series Type': seriesType,
        '8: Time Zone': 'US/Eastern Time',
      });
    }
    rows.reverse(); // newest first
    if ((q.get('datatype') ?? 'json').toLowerCase() === 'csv') {
      const cols = rows[0] ? Object.keys(rows[0][1]) : [];
      const lines = [['time', ...cols].join(','), ...rows.map(([d, r]) => [d, ...cols.map((c) => r[c])].join(','))];
      return { status: 200, contentType: 'text/csv', body: lines.join('\r\n') + '\r\n' };
    }
    return ok({ 'Meta Data': meta, [`Technical Analysis: ${fn}`]: Object.fromEntries(rows) });
  }

  async function query(q: URLSearchParams): Promise<{ answer: Answer; outcome: string }> {
    const fn = (q.get('function') ?? '').toUpperCase();
    const f = takeFault(fn);
    switch (f.mode) {
      case 'rate_limit':
        return { answer: ok(RATE_LIMIT_BODY), outcome: f.mode };
      case 'rate_limit_note':
        return { answer: ok(RATE_LIMIT_NOTE_BODY), outcome: f.mode };
      case 'premium':
        return { answer: ok(PREMIUM_BODY), outcome: f.mode };
      case 'bad_symbol':
        return { answer: ok(badSymbolBody(fn || 'TIME_SERIES_DAILY')), outcome: f.mode };
      case 'bad_key':
        return { answer: ok(BAD_KEY_BODY), outcome: f.mode };
      case 'http_500':
        return { answer: { status: 500, contentType: 'text/plain', body: 'Internal Server Error' }, outcome: f.mode };
      case 'slow':
        await delay(f.delayMs ?? 2000, undefined, { signal: closing.signal }).catch(() => undefined);
        break;
      default:
        break;
    }
    const key = q.get('apikey') ?? '';
    if (key === '' || (opts.apiKey !== undefined && key !== opts.apiKey)) return { answer: ok(BAD_KEY_BODY), outcome: 'bad_key' };

    let answer: Answer;
    let outcome = 'ok';
    if (fn === 'TIME_SERIES_DAILY') answer = await daily(q, fn);
    else if (fn === 'TIME_SERIES_DAILY_ADJUSTED') {
      answer = ok(PREMIUM_BODY);
      outcome = 'premium';
    } else if (fn in INDICATOR_NAMES) answer = await indicator(q, fn);
    else {
      answer = ok({ 'Error Message': `This API function (${fn}) does not exist.` });
      outcome = 'bad_request';
    }
    if (outcome === 'ok' && answer.body.includes('"Error Message"')) outcome = 'bad_symbol';
    if (f.mode === 'malformed' && answer.status === 200) {
      // Cut the body mid-way: a truncated transfer, which no JSON parser accepts.
      answer = { ...answer, body: answer.body.slice(0, Math.max(1, Math.floor(answer.body.length / 2))) };
      outcome = 'malformed';
    }
    if (f.mode === 'slow') outcome = `slow/${outcome}`;
    return { answer, outcome };
  }

  const readBody = (req: http.IncomingMessage): Promise<unknown> =>
    new Promise((resolve, reject) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        text += c;
        if (text.length > 64 * 1024) reject(new Error('body too large'));
      });
      req.on('end', () => {
        try {
          resolve(text === '' ? {} : JSON.parse(text));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
      req.on('error', reject);
    });

  const send = (res: http.ServerResponse, a: Answer): void => {
    res.writeHead(a.status, { 'content-type': a.contentType, 'content-length': Buffer.byteLength(a.body) });
    res.end(a.body);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/query' && req.method === 'GET') {
      requests++;
      const q = url.searchParams;
      const { answer, outcome } = await query(q);
      history.push({ function: q.get('function'), symbol: q.get('symbol'), outputsize: q.get('outputsize'), datatype: q.get('datatype'), outcome });
      if (history.length > HISTORY_LIMIT) history.splice(0, history.length - HISTORY_LIMIT); // a long-running server stays small
      send(res, answer);
      return;
    }
    if (url.pathname === '/__admin/faults') {
      if (req.method === 'GET') return send(res, ok(fault));
      if (req.method === 'POST') {
        const parsed = faultSpecSchema.safeParse(await readBody(req).catch(() => undefined));
        if (!parsed.success) return send(res, { status: 400, contentType: 'application/json', body: json({ error: `expected {mode: ${FAULT_MODES.join('|')}, count?, delayMs?, function?}`, issues: parsed.error.issues }) });
        fault = parsed.data;
        return send(res, ok(fault));
      }
    }
    if (url.pathname === '/__admin/as-of' && req.method === 'POST') {
      const parsed = asOfSchema.safeParse(await readBody(req).catch(() => undefined));
      if (!parsed.success) return send(res, { status: 400, contentType: 'application/json', body: json({ error: 'expected {"asOf":"YYYY-MM-DD"}' }) });
      asOf = parsed.data.asOf;
      return send(res, ok({ asOf }));
    }
    if (url.pathname === '/__admin/state' && req.method === 'GET') return send(res, ok({ asOf, fault, requests }));
    send(res, { status: 404, contentType: 'application/json', body: json({ error: `no route ${req.method ?? ''} ${url.pathname}` }) });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, { status: 500, contentType: 'text/plain', body: `emulator error: ${err instanceof Error ? err.message : String(err)}` });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: `${origin}/query`,
    origin,
    port,
    get requests() {
      return requests;
    },
    get asOf() {
      return asOf;
    },
    get fault() {
      return fault;
    },
    history,
    setAsOf(date: string) {
      asOf = asOfSchema.parse({ asOf: date }).asOf;
    },
    setFault(f: FaultSpec | FaultMode | null) {
      fault = normaliseFault(f);
    },
    close() {
      closing.abort();
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
