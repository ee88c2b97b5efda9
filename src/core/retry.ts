/**
 * Resilience in one place: retries with exponential backoff and full jitter, for idempotent calls only.
 * Callers decide what is retryable; nothing here retries a non-idempotent request by accident.
 */
export interface RetryOptions {
  /** Total attempts including the first. */
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** Return true when the error may be retried (e.g. 429, 5xx, timeouts, connection refused). */
  retryable: (err: unknown) => boolean;
  /** Server-suggested wait (e.g. Retry-After / X-Ratelimit-Reset), in ms. */
  retryAfterMs?: (err: unknown) => number | undefined;
  onRetry?: (err: unknown, attempt: number, waitMs: number) => void;
  /** Injected for tests so they do not sleep. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const doSleep = opts.sleep ?? sleep;
  const random = opts.random ?? Math.random;
  let lastErr: unknown;
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      lastErr = err;
      if (attempt === opts.attempts || !opts.retryable(err)) throw err;
      const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** (attempt - 1));
      const suggested = opts.retryAfterMs?.(err);
      const wait = suggested !== undefined ? Math.min(opts.maxMs, suggested) : Math.round(random() * cap);
      opts.onRetry?.(err, attempt, wait);
      await doSleep(wait);
    }
  }
  throw lastErr;
}

/** Network-level failures that are safe to retry for idempotent calls. */
export function isTransientNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown; cause?: { code?: unknown } } | undefined)?.code ??
    (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return (
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT'].includes(code)
  );
}
