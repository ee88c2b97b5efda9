/**
 * Webhook notifications that never hold up a cycle. `notify` only queues (synchronously, it never
 * throws and never waits); each webhook has its own queue, drained in the background: at most one
 * message per interval (the platform's rate limit), the notices that waited meanwhile sent together
 * in one message, each message retried with exponential backoff and full jitter on a network error,
 * a timeout, HTTP 429 (its Retry-After honoured) or 5xx, and given up after a few attempts. A queue
 * is bounded: when a webhook is dead and notices pile up, the oldest are dropped and counted. So a
 * dead or hanging webhook costs the cycle nothing but a queued entry.
 *
 * Webhook URLs carry their credential: they are registered with the redactor and logged by the name
 * of the variable that holds them; every text is redacted before it is sent.
 */
import { ConfigError, errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { redact, registerSecretValue } from '../../core/redact.ts';
import type { Secrets } from '../../config/secrets.ts';
import type { NotifyConfig, NotifyEvent } from '../../config/schema.ts';
import { BATCH_LIMIT, bodyFor, type Notice, type Platform } from './bodies.ts';

export type { Notice, Platform } from './bodies.ts';

export interface WebhookTarget {
  platform: Platform;
  url: string;
  /** How logs name it: the platform and the variable holding the URL. */
  name: string;
  events: ReadonlySet<NotifyEvent>;
}

export interface NotifierOptions {
  webhooks: readonly WebhookTarget[];
  /** Least time between two messages to one webhook (60 s / notify.per_minute). */
  intervalMs: number;
  /** Notices waiting per webhook at most; beyond, the oldest are dropped. */
  queueSize: number;
  logger: Logger;
  /** Attempts per message, the first included (default 5). */
  attempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Per request (default 10 s): a webhook that never answers is a failed attempt, not a stuck queue. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  random?: () => number;
}

export interface WebhookStats {
  name: string;
  /** Waiting now. */
  queued: number;
  /** Delivered (notices, not messages). */
  sent: number;
  /** Dropped because the queue was full. */
  dropped: number;
  /** Given up after every attempt, or refused by the platform (4xx). */
  failed: number;
  /** HTTP requests made. */
  requests: number;
}

interface Channel {
  target: WebhookTarget;
  queue: Notice[];
  running: boolean;
  lastSentAt: number;
  stats: WebhookStats;
  /** Logged once per run of drops, not once per drop. */
  dropWarned: boolean;
}

class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const TEAMS_THROTTLED = /HTTP error 429/;

export class Notifier {
  private readonly channels: Channel[];
  private readonly abort = new AbortController();
  private closing = false;
  private readonly idleWaiters = new Set<() => void>();

  constructor(private readonly o: NotifierOptions) {
    this.channels = o.webhooks.map((target) => ({ target, queue: [], running: false, lastSentAt: Number.NEGATIVE_INFINITY, stats: { name: target.name, queued: 0, sent: 0, dropped: 0, failed: 0, requests: 0 }, dropWarned: false }));
  }

  /** Queues a notice for every webhook that wants its event; returns at once. */
  notify(n: Notice): void {
    if (this.closing) return;
    const clean: Notice = { ...n, title: redact(n.title), text: redact(n.text), ...(n.fields ? { fields: n.fields.map((f) => ({ name: redact(f.name), value: redact(f.value) })) } : {}) };
    for (const ch of this.channels) {
      if (!ch.target.events.has(n.event)) continue;
      ch.queue.push(clean);
      if (ch.queue.length > this.o.queueSize) {
        const over = ch.queue.length - this.o.queueSize;
        ch.queue.splice(0, over);
        ch.stats.dropped += over;
        if (!ch.dropWarned) this.warn(`notify: ${ch.target.name}: queue full (${this.o.queueSize}); dropping the oldest notices (the webhook is slow or down)`);
        ch.dropWarned = true;
      }
      ch.stats.queued = ch.queue.length;
      void this.drain(ch);
    }
  }

  stats(): WebhookStats[] {
    return this.channels.map((c) => ({ ...c.stats, queued: c.queue.length }));
  }

  /** Resolves once every queue is empty and nothing is being sent (tests, and a clean stop). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.add(resolve));
  }

  private isIdle(): boolean {
    return this.channels.every((c) => !c.running && c.queue.length === 0);
  }

  /** Stops taking notices, gives the queues up to `graceMs` to drain, then abandons what is left. */
  async close(graceMs = 5000): Promise<void> {
    this.closing = true;
    if (!this.isIdle()) {
      // A referenced timer: with every send asleep in an (unreferenced) backoff, an unreferenced grace would
      // leave the event loop empty and end the process mid-shutdown (exit 13, an unsettled top-level await).
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([this.idle(), new Promise<void>((resolve) => (grace = setTimeout(resolve, graceMs)))]);
      clearTimeout(grace);
    }
    const left = this.channels.reduce((a, c) => a + c.queue.length, 0);
    if (left) this.warn(`notify: ${left} notice(s) not sent at shutdown`);
    this.abort.abort();
  }

  /** A send still in flight when close() gave up ends after it: its logger may be closed by then (the daemon's is), so it says nothing. */
  private warn(message: string): void {
    if (!this.abort.signal.aborted) this.o.logger.warn(message);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.abort.signal.aborted) return resolve();
      const wake = () => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        this.abort.signal.removeEventListener('abort', wake);
        resolve();
      }, ms);
      t.unref();
      this.abort.signal.addEventListener('abort', wake, { once: true });
    });
  }

  private async drain(ch: Channel): Promise<void> {
    if (ch.running) return;
    ch.running = true;
    try {
      while (ch.queue.length && !this.abort.signal.aborted) {
        const wait = ch.lastSentAt + this.o.intervalMs - Date.now();
        if (wait > 0) await this.sleep(wait);
        if (this.abort.signal.aborted) break;
        const waiting = ch.queue.splice(0, BATCH_LIMIT[ch.target.platform]);
        const { body, count } = bodyFor(ch.target.platform, waiting);
        // What did not fit in this message goes back to the front: it is the next message (never silently lost).
        ch.queue.unshift(...waiting.slice(count));
        ch.dropWarned = false;
        await this.deliver(ch, body, count);
        ch.lastSentAt = Date.now();
      }
    } catch (err) {
      // Nothing here may reach the cycle; a bug in a body builder is logged and the batch lost.
      this.warn(`notify: ${ch.target.name}: ${redact(errorMessage(err))}`);
    } finally {
      ch.running = false;
      if (this.isIdle()) {
        for (const w of this.idleWaiters) w();
        this.idleWaiters.clear();
      }
    }
  }

  private async post(ch: Channel, body: unknown): Promise<void> {
    const doFetch = this.o.fetch ?? fetch;
    ch.stats.requests++;
    let res: Response;
    try {
      res = await doFetch(ch.target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.any([AbortSignal.timeout(this.o.timeoutMs ?? 10_000), this.abort.signal]),
      });
    } catch (err) {
      throw new RetryableError(`no answer (${(err as Error).name === 'TimeoutError' ? 'timed out' : errorMessage(err)})`);
    }
    const text = await res.text().catch(() => '');
    if (res.status === 429 || res.status >= 500 || (res.ok && TEAMS_THROTTLED.test(text))) {
      // Slack and Discord say how long to wait (Retry-After in seconds; Discord's body has retry_after too).
      let after = Number(res.headers.get('retry-after'));
      if (!Number.isFinite(after) || after <= 0) {
        try {
          after = Number((JSON.parse(text) as { retry_after?: unknown }).retry_after);
        } catch {
          after = Number.NaN;
        }
      }
      throw new RetryableError(`HTTP ${res.status}${text ? `: ${text.slice(0, 120)}` : ''}`, Number.isFinite(after) && after > 0 ? after * 1000 : undefined);
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''} (refused by the platform; not retried)`);
  }

  /** Posts one message carrying `count` notices, retrying as the platform allows. */
  private async deliver(ch: Channel, body: unknown, count: number): Promise<void> {
    const attempts = this.o.attempts ?? 5;
    const base = this.o.backoffBaseMs ?? 1000;
    const max = this.o.backoffMaxMs ?? 60_000;
    const random = this.o.random ?? Math.random;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.post(ch, body);
        ch.stats.sent += count;
        return;
      } catch (err) {
        const retryable = err instanceof RetryableError;
        if (!retryable || attempt >= attempts || this.abort.signal.aborted) {
          ch.stats.failed += count;
          this.warn(redact(`notify: ${ch.target.name}: ${count} notice(s) not delivered after ${attempt} attempt(s): ${errorMessage(err)}`));
          return;
        }
        // A retry is a message too: never sooner than the webhook's rate allows.
        const wait = Math.max(this.o.intervalMs, err.retryAfterMs !== undefined ? Math.min(max, err.retryAfterMs) : Math.round(random() * Math.min(max, base * 2 ** (attempt - 1))));
        await this.sleep(wait);
      }
    }
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * The webhooks of a `notify:` section with their URLs from the secrets; a variable that is not set or
 * not an https URL (plain http only to this machine) is a ConfigError naming the field.
 */
export function resolveWebhooks(cfg: NotifyConfig, secrets: Secrets, display: string): WebhookTarget[] {
  return cfg.webhooks.map((w, i) => {
    const field = `notify.webhooks[${i}].url_env`;
    const url = secrets.get(w.url_env);
    if (!url) throw new ConfigError(display, field, `expected ${w.url_env} to be set in .env.secrets or the environment (the ${w.platform} webhook URL), got nothing`);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(display, field, `expected ${w.url_env} to hold a webhook URL (https://…), got something else`);
    }
    if (!(parsed.protocol === 'https:' || (parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname))))
      throw new ConfigError(display, field, `expected ${w.url_env} to hold an https URL (plain http only to this machine)`);
    registerSecretValue(url);
    for (const part of parsed.pathname.split('/')) if (part.length >= 16) registerSecretValue(part);
    return { platform: w.platform, url, name: `${w.platform} (${w.url_env})`, events: new Set(w.events) };
  });
}

/** A notifier for a `notify:` section (null when there is none). */
export function notifierFor(cfg: NotifyConfig | undefined, secrets: Secrets, display: string, logger: Logger, tuning: Partial<Omit<NotifierOptions, 'webhooks' | 'logger' | 'queueSize'>> = {}): Notifier | null {
  if (!cfg) return null;
  return new Notifier({ webhooks: resolveWebhooks(cfg, secrets, display), intervalMs: Math.ceil(60_000 / cfg.per_minute), queueSize: cfg.queue_size, logger, ...tuning });
}
