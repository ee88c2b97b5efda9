/**
 * Typed market-data errors. Alpha Vantage answers almost every failure with HTTP 200 and a JSON body
 * (`Information`, `Note`, `Error Message`), and the npm client rejects with plain strings; everything
 * is funnelled into one `MarketDataError` whose `kind` drives retries, caching and the message.
 */
import { z } from 'zod';
import { ArenaError, errorMessage } from '../../core/errors.ts';
import { isTransientNetworkError } from '../../core/retry.ts';

export type MarketDataErrorKind = 'rate_limit' | 'premium' | 'bad_symbol' | 'bad_key' | 'http' | 'timeout' | 'malformed' | 'network';

export interface MarketDataErrorInit {
  kind: MarketDataErrorKind;
  provider: string;
  symbol?: string | undefined;
  /** What happened, in the provider's or our words (never containing the API key). */
  detail: string;
  /** HTTP status for kind `http`. */
  status?: number | undefined;
  /** True when our own request budget refused the call (no network request was made). */
  localBudget?: boolean | undefined;
  /** True when the server said the whole day's quota is spent (not just a burst/per-minute limit). */
  dailyQuota?: boolean | undefined;
  cause?: unknown;
}

const ADVICE: Record<MarketDataErrorKind, string> = {
  rate_limit: 'wait for the daily quota to reset (free tier: 25 requests a day, about 1 a second) or use a premium key; cached data is served meanwhile',
  premium: 'this endpoint needs a premium Alpha Vantage plan: use TIME_SERIES_DAILY instead or upgrade the key',
  bad_symbol: 'check the ticker in the team file (symbols:) — the provider does not know it',
  bad_key: 'set a valid ALPHAVANTAGE_API_KEY in .env.secrets (claim a free key at https://www.alphavantage.co/support/#api-key)',
  http: 'the provider had a server error: it is retried automatically; if it persists, try again later',
  timeout: 'the provider did not answer in time: it is retried automatically; raise the timeout if the network is slow',
  malformed: 'the provider sent a body we could not read: try again later; if it persists, report it with the response',
  network: 'the provider could not be reached: check the network or ALPHAVANTAGE_BASE_URL',
};

/** Kinds worth retrying: the same request may well succeed a moment later. */
const TRANSIENT: ReadonlySet<MarketDataErrorKind> = new Set(['timeout', 'network']);

export class MarketDataError extends ArenaError {
  readonly kind: MarketDataErrorKind;
  readonly provider: string;
  readonly symbol: string | undefined;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly detail: string;
  readonly localBudget: boolean;
  readonly dailyQuota: boolean;

  constructor(init: MarketDataErrorInit) {
    const where = init.symbol ? `${init.provider} ${init.symbol}` : init.provider;
    const advice = ADVICE[init.kind];
    super(`${where}: ${init.kind.replace('_', ' ')}: ${init.detail} — ${advice}`, { cause: init.cause, hint: advice });
    this.kind = init.kind;
    this.provider = init.provider;
    this.symbol = init.symbol;
    this.status = init.status;
    this.detail = init.detail;
    this.localBudget = init.localBudget ?? false;
    this.dailyQuota = init.dailyQuota ?? false;
    this.retryable = TRANSIENT.has(init.kind) || (init.kind === 'http' && (init.status ?? 0) >= 500);
  }
}

export const isMarketDataError = (err: unknown): err is MarketDataError => err instanceof MarketDataError;

/** The three error bodies Alpha Vantage sends with HTTP 200. */
export const errorBodySchema = z.union([
  z.object({ 'Error Message': z.string() }),
  z.object({ Information: z.string() }),
  z.object({ Note: z.string() }),
]);
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** Recognise an error body; `undefined` when the value is not one (e.g. a real data body). */
export function errorBodyOf(value: unknown): ErrorBody | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  // A data body always carries `Meta Data`; an error body never does.
  if ('Meta Data' in value) return undefined;
  const parsed = errorBodySchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

export interface ErrorContext {
  provider: string;
  symbol?: string | undefined;
  /** Scrubbed from every message (the key sits in the request URL). */
  secret?: string | undefined;
}

function scrub(text: string, secret: string | undefined): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  const clipped = oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine;
  return secret ? clipped.split(secret).join('***') : clipped;
}

/** Classify the text of an `Information` / `Note` / `Error Message` body. */
export function errorFromBody(body: ErrorBody, ctx: ErrorContext): MarketDataError {
  const base = { provider: ctx.provider, symbol: ctx.symbol };
  if ('Error Message' in body) {
    const text = body['Error Message'];
    const detail = scrub(text, ctx.secret);
    if (/apikey|api key/i.test(text)) return new MarketDataError({ ...base, kind: 'bad_key', detail });
    if (/invalid api call/i.test(text)) return new MarketDataError({ ...base, kind: 'bad_symbol', detail });
    // e.g. "This API function (X) does not exist." — a request we built wrongly: not retryable.
    return new MarketDataError({ ...base, kind: 'malformed', detail });
  }
  if ('Note' in body) {
    // The legacy per-minute / per-day frequency notice.
    return new MarketDataError({ ...base, kind: 'rate_limit', detail: scrub(body.Note, ctx.secret) });
  }
  const text = body.Information;
  const detail = scrub(text, ctx.secret);
  // Rate-limit texts also mention "premium plans": only "premium endpoint" means a premium-only function.
  if (/premium endpoint/i.test(text)) return new MarketDataError({ ...base, kind: 'premium', detail });
  if (/rate limit|requests? per (day|minute|second)|call frequency|spreading out|sparingly/i.test(text)) {
    // "25 requests per day" is the daily quota; "1 request per second" alone is the burst limit.
    const dailyQuota = /requests? per day|daily rate limit/i.test(text) && !/per second/i.test(text);
    return new MarketDataError({ ...base, kind: 'rate_limit', detail, dailyQuota });
  }
  if (/api ?key/i.test(text)) return new MarketDataError({ ...base, kind: 'bad_key', detail });
  return new MarketDataError({ ...base, kind: 'malformed', detail: `unrecognised Information body: ${detail}` });
}

const CLIENT_PREFIX = 'An AlphaVantage error occurred. ';

/**
 * Turn whatever the npm client rejected with into a MarketDataError. The client rejects with strings
 * (`"An AlphaVantage error occurred. 500: …"`, `"… " + Information`, `"… " + JSON.stringify(body)`),
 * and with real Errors from fetch (network) or `res.json()` (truncated body).
 */
export function errorFromClientRejection(reason: unknown, ctx: ErrorContext): MarketDataError {
  const base = { provider: ctx.provider, symbol: ctx.symbol, cause: reason };
  if (reason instanceof MarketDataError) return reason;
  if (typeof reason === 'string') {
    const rest = reason.startsWith(CLIENT_PREFIX) ? reason.slice(CLIENT_PREFIX.length) : reason;
    const status = /^(\d{3}): /.exec(rest);
    if (status) {
      const code = Number(status[1]);
      // The client formats `res.text()` without awaiting it, so the body reads "[object Promise]".
      if (code === 429) return new MarketDataError({ ...base, kind: 'rate_limit', status: code, detail: `HTTP ${code}` });
      return new MarketDataError({ ...base, kind: 'http', status: code, detail: `HTTP ${code}` });
    }
    if (rest.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rest);
      } catch {
        parsed = undefined;
      }
      const body = errorBodyOf(parsed);
      if (body) return withCause(errorFromBody(body, ctx), reason);
      return new MarketDataError({ ...base, kind: 'malformed', detail: `unexpected body ${scrub(rest, ctx.secret)}` });
    }
    // A bare `Information` text (the client unwraps it).
    return withCause(errorFromBody({ Information: rest }, ctx), reason);
  }
  if (reason instanceof SyntaxError) {
    return new MarketDataError({ ...base, kind: 'malformed', detail: `response is not valid JSON (${scrub(reason.message, ctx.secret)})` });
  }
  if (isTransientNetworkError(reason) || (reason instanceof TypeError && /fetch failed|network/i.test(reason.message))) {
    const code = (reason as { cause?: { code?: unknown } }).cause?.code;
    const detail = `request failed${typeof code === 'string' ? ` (${code})` : ''}: ${scrub(errorMessage(reason), ctx.secret)}`;
    return new MarketDataError({ ...base, kind: 'network', detail });
  }
  return new MarketDataError({ ...base, kind: 'network', detail: scrub(errorMessage(reason), ctx.secret) });
}

function withCause(err: MarketDataError, cause: unknown): MarketDataError {
  if (err.cause === undefined) Object.defineProperty(err, 'cause', { value: cause, enumerable: false, configurable: true });
  return err;
}
