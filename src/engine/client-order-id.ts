import { createHash } from 'node:crypto';
import type { Side } from '../domain/trading/types.ts';

/**
 * Deterministic client_order_id: the same team, date, symbol, side and intent always give the
 * same id, so a re-run or restarted cycle finds its order instead of placing it twice. Readable
 * prefix for people, a hash suffix so an id never exceeds Alpaca's 128 characters.
 */
export function clientOrderId(parts: { team: string; date: string; symbol: string; side: Side; intent: string; scope?: string }): string {
  const key = [parts.scope ?? 'live', parts.team, parts.date, parts.symbol, parts.side, parts.intent].join('|');
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 10);
  const readable = `${parts.team}-${parts.date}-${parts.symbol}-${parts.side}-${parts.intent}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  return `arena-${readable}-${hash}`;
}
