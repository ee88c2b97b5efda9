/** What every route module of the exchange shares: the market, the clock and the accounts. */
import type { FastifyRequest } from 'fastify';
import type { PaperAccount } from '../../adapters/broker/paper-account.ts';
import type { InMemoryMarketData } from '../../adapters/market/memory.ts';
import type { Clock } from '../../ports.ts';
import type { AccountRegistry } from './accounts.ts';
import { invalid, unprocessable } from './wire.ts';

export interface ExchangeContext {
  market: InMemoryMarketData;
  clock: Clock;
  registry: AccountRegistry;
  /** Sorted symbols the exchange lists, and the symbol behind each asset id. */
  symbols: readonly string[];
  symbolByAssetId: ReadonlyMap<string, string>;
}

export const nowMs = (ctx: ExchangeContext): number => ctx.clock.now().toMillis();

/** The trading account behind the request's APCA-API-KEY-ID / APCA-API-SECRET-KEY headers. */
export async function accountOf(ctx: ExchangeContext, req: FastifyRequest): Promise<{ account: PaperAccount; uuid: string }> {
  const { key, secret } = ctx.registry.authenticate(req.headers['apca-api-key-id'], req.headers['apca-api-secret-key']);
  return ctx.registry.account(key, secret);
}

type Query = Record<string, string | string[] | undefined>;

/** One query parameter (the first, if repeated). */
export function param(req: FastifyRequest, name: string): string | undefined {
  const v = (req.query as Query)[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A boolean parameter as either SDK sends it (`True` from alpaca-py, `true` from JS). */
export function boolParam(req: FastifyRequest, name: string): boolean | undefined {
  const v = param(req, name);
  if (v === undefined || v === '') return undefined;
  if (/^(true|1)$/i.test(v)) return true;
  if (/^(false|0)$/i.test(v)) return false;
  throw invalid(`${name} must be true or false`);
}

/** An integer parameter within bounds. */
export function intParam(req: FastifyRequest, name: string, min: number, max: number): number | undefined {
  const v = param(req, name);
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw invalid(`${name} must be an integer between ${min} and ${max}`);
  return Number(v);
}

export function enumParam<T extends string>(req: FastifyRequest, name: string, values: readonly T[]): T | undefined {
  const v = param(req, name);
  if (v === undefined || v === '') return undefined;
  if (!(values as readonly string[]).includes(v)) throw invalid(`${name} must be one of ${values.join(', ')}`);
  return v as T;
}

/** Comma-separated symbols, upper-cased and de-duplicated, at most `cap` of them. */
export function symbolsParam(req: FastifyRequest, name: string, cap: number): string[] | undefined {
  const raw = (req.query as Query)[name];
  if (raw === undefined) return undefined;
  const out = new Set<string>();
  for (const part of (Array.isArray(raw) ? raw : [raw]).join(',').split(',')) {
    const s = part.trim().toUpperCase();
    if (!s) continue;
    out.add(s);
    if (s.length > 32) throw invalid(`invalid symbol ${s.slice(0, 40)}`);
    // Checked while de-duplicating: 2,000 copies of one symbol are one symbol; 2,000 different ones are refused at once.
    if (out.size > cap) throw unprocessable(`too many symbols: at most ${cap} distinct symbols per request`);
  }
  return [...out];
}
