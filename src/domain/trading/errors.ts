/**
 * The broker's own errors. Adapters map their failures here (the Alpaca SDK's typed errors, the
 * local engine's checks) so the trade step handles one vocabulary.
 */
import { ArenaError } from '../../core/errors.ts';

export type BrokerErrorKind =
  | 'insufficient_buying_power'
  | 'insufficient_qty'
  | 'duplicate_client_order_id'
  | 'order_not_found'
  | 'position_not_found'
  | 'not_cancelable'
  | 'not_replaceable'
  | 'validation'
  | 'unprocessable'
  | 'bad_request'
  | 'auth'
  | 'forbidden'
  | 'rate_limit'
  | 'unavailable'
  | 'live_refused';

/** HTTP status and Alpaca error code for each kind, as the exchange server answers them. */
export const ALPACA_ERROR_CODES: Record<BrokerErrorKind, { status: number; code: number }> = {
  insufficient_buying_power: { status: 403, code: 40310000 },
  insufficient_qty: { status: 403, code: 40310000 },
  duplicate_client_order_id: { status: 422, code: 40010001 },
  order_not_found: { status: 404, code: 40410000 },
  position_not_found: { status: 404, code: 40410000 },
  not_cancelable: { status: 422, code: 42210000 },
  not_replaceable: { status: 422, code: 42210000 },
  validation: { status: 422, code: 40010001 },
  unprocessable: { status: 422, code: 42210000 },
  bad_request: { status: 400, code: 40010001 },
  auth: { status: 401, code: 40110000 },
  forbidden: { status: 403, code: 40310000 },
  rate_limit: { status: 429, code: 42910000 },
  unavailable: { status: 503, code: 50010000 },
  live_refused: { status: 403, code: 40310000 },
};

export class BrokerError extends ArenaError {
  constructor(
    readonly kind: BrokerErrorKind,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown; hint?: string },
  ) {
    super(message, options);
  }
  get retryable(): boolean {
    return this.kind === 'rate_limit' || this.kind === 'unavailable';
  }
}
