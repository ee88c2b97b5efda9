/**
 * Notifications against a local webhook receiver: each platform gets its own body shape (checked
 * against the platforms' documented shapes, src/testing/webhook-shapes.ts), notices that wait are sent
 * together, failures are retried (5xx, 429 with its wait, Teams' throttling text) and a refusal (4xx)
 * is not; a dead webhook that never answers leaves `notify` returning at once, with the queue bounded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { Writable } from 'node:stream';
import winston from 'winston';
import { closeLogger } from '../../core/log.ts';
import { redact, registerSecretValue } from '../../core/redact.ts';
import { loadEnv } from '../../config/env.ts';
import { notifySchema } from '../../config/schema.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../testing/webhook-receiver.ts';
import { discordBody, slackBody, teamsAdaptiveBody, teamsMessageCardBody, textOf } from '../../testing/webhook-shapes.ts';
import { Notifier, notifierFor, resolveWebhooks, type Notice } from './notifier.ts';

const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

const notice = (over: Partial<Notice> = {}): Notice => ({ event: 'config', team: 'red', level: 'error', title: 'config rejected at abc1234', text: 'teams/red.yml: broker.starting_cash: expected 100000 (pinned), got 200000', at: '2017-10-02T20:30:00.000Z', ...over });

/** A logger whose lines the test can read. */
function memoryLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const logger = winston.createLogger({ format: winston.format.simple(), transports: [new winston.transports.Stream({ stream })] });
  return { logger, lines };
}

describe('webhook notifications', () => {
  it('sends each platform its body shape, redacts secrets, and names a webhook by its variable, never its URL', async () => {
    const rx = await startWebhookReceiver({});
    receivers.push(rx);
    const env = loadEnv({
      file: '/nonexistent',
      env: { SLACK_WEBHOOK_URL_RED: rx.url('/slack/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX'), DISCORD_WEBHOOK_URL: rx.url('/discord/123/token-abcdefghijklmnop'), TEAMS_WEBHOOK_URL: rx.url('/teams/workflow'), TEAMS_CONNECTOR_URL: rx.url('/teams-card/hook') },
    });
    const cfg = notifySchema.parse({
      webhooks: [
        { platform: 'slack', url_env: 'SLACK_WEBHOOK_URL_RED' },
        { platform: 'discord', url_env: 'DISCORD_WEBHOOK_URL', events: ['config', 'daily_summary'] },
        { platform: 'teams', url_env: 'TEAMS_WEBHOOK_URL' },
        { platform: 'teams_message_card', url_env: 'TEAMS_CONNECTOR_URL', events: ['errors'] },
      ],
    });
    const { logger, lines } = memoryLogger();
    const n = notifierFor(cfg, env, 'teams/red.yml', logger, { intervalMs: 0 }) as Notifier;
    registerSecretValue('ghp_thisIsASecretToken123');
    n.notify(notice({ text: 'git fetch failed: Authorization ghp_thisIsASecretToken123 refused <@everyone> & more' }));
    n.notify(notice({ event: 'daily_summary', level: 'info', title: '2017-10-02: equity $100,512.10 (+0.51%)', text: '1 order(s) placed; champion v0001', fields: [{ name: 'cash', value: '$50,000.00' }, { name: 'positions', value: 'MSFT 120' }] }));
    n.notify(notice({ event: 'errors', title: 'cycle failed', text: 'cycle 2017-10-03 failed: boom' }));
    await n.idle();

    const slack = rx.requests.filter((r) => r.path.startsWith('/slack')).map((r) => r.body);
    const discord = rx.requests.filter((r) => r.path.startsWith('/discord')).map((r) => r.body);
    const teams = rx.requests.filter((r) => r.path === '/teams/workflow').map((r) => r.body);
    const card = rx.requests.filter((r) => r.path.startsWith('/teams-card')).map((r) => r.body);
    // Each platform accepted every message in its own shape; every notice a webhook asked for arrived.
    for (const b of slack) expect(slackBody.safeParse(b).error).toBeUndefined();
    for (const b of discord) expect(discordBody.safeParse(b).error).toBeUndefined();
    for (const b of teams) expect(teamsAdaptiveBody.safeParse(b).error).toBeUndefined();
    for (const b of card) expect(teamsMessageCardBody.safeParse(b).error).toBeUndefined();
    expect(textOf(slack)).toMatch(/config rejected at abc1234[\s\S]*equity \$100,512\.10[\s\S]*cycle failed/);
    expect(textOf(discord)).toMatch(/config rejected[\s\S]*equity/);
    expect(textOf(discord)).not.toMatch(/cycle failed/);
    expect(textOf(teams)).toMatch(/config rejected[\s\S]*equity[\s\S]*cycle failed/);
    expect(textOf(card)).toMatch(/cycle failed/);
    expect(textOf(card)).not.toMatch(/config rejected/);
    // Slack's control characters escaped; the secret never sent.
    expect(textOf(slack)).toContain('&lt;@everyone&gt; &amp; more');
    for (const b of [slack, discord, teams, card]) expect(textOf(b)).not.toContain('ghp_thisIsASecretToken123');
    expect(textOf(slack)).toContain('Authorization *** refused');
    expect(n.stats().map((s) => [s.name, s.sent, s.failed])).toEqual([
      ['slack (SLACK_WEBHOOK_URL_RED)', 3, 0],
      ['discord (DISCORD_WEBHOOK_URL)', 2, 0],
      ['teams (TEAMS_WEBHOOK_URL)', 3, 0],
      ['teams_message_card (TEAMS_CONNECTOR_URL)', 1, 0],
    ]);
    // The URLs are secrets: redacted wherever they would appear.
    expect(redact(`posting to ${rx.url('/slack/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX')}`)).not.toContain('XXXXXXXXXXXXXXXXXXXXXXXX');
    await n.close();
    await closeLogger(logger);
    expect(lines.join('\n')).not.toContain(rx.origin);
  });

  it('sends what waited during the rate-limit interval as one message', async () => {
    const rx = await startWebhookReceiver({});
    receivers.push(rx);
    const { logger } = memoryLogger();
    const n = new Notifier({ webhooks: [{ platform: 'slack', url: rx.url('/slack'), name: 'slack', events: new Set(['fills']) }], intervalMs: 300, queueSize: 100, logger });
    for (let i = 1; i <= 6; i++) n.notify(notice({ event: 'fills', title: `fill ${i}` }));
    n.notify(notice({ event: 'gate', title: 'not subscribed' }));
    await n.idle();
    // The first goes at once; the other five waited for the interval and went together.
    expect(rx.requests).toHaveLength(2);
    expect((rx.requests[1]?.body as { blocks: unknown[] }).blocks).toHaveLength(5);
    expect(textOf(rx.requests.map((r) => r.body))).not.toContain('not subscribed');
    expect(n.stats()[0]).toMatchObject({ sent: 6, failed: 0, dropped: 0, requests: 2 });
    await n.close();
  });

  it('retries 5xx, 429 (after the wait the platform asks) and Teams throttling; gives up on a 4xx at once', async () => {
    const rx = await startWebhookReceiver({
      '/flaky': { kind: 'fail', status: 503, times: 2 },
      '/limited': { kind: 'fail', status: 429, times: 1, body: JSON.stringify({ message: 'You are being rate limited.', retry_after: 0.05, global: false }) },
      '/teams': { kind: 'teams-throttled', times: 1 },
      '/gone': { kind: 'fail', status: 404, times: 99 },
    });
    receivers.push(rx);
    const { logger, lines } = memoryLogger();
    const hook = (p: string, platform: 'slack' | 'discord' | 'teams') => ({ platform, url: rx.url(p), name: `${platform} ${p}`, events: new Set(['config'] as const) });
    const n = new Notifier({ webhooks: [hook('/flaky', 'slack'), hook('/limited', 'discord'), hook('/teams', 'teams'), hook('/gone', 'slack')], intervalMs: 0, queueSize: 10, logger, backoffBaseMs: 10, attempts: 4 });
    n.notify(notice());
    await n.idle();
    const count = (p: string) => rx.requests.filter((r) => r.path === p).length;
    expect([count('/flaky'), count('/limited'), count('/teams'), count('/gone')]).toEqual([3, 2, 2, 1]);
    expect(rx.delivered('/flaky')).toHaveLength(1);
    expect(rx.delivered('/limited')).toHaveLength(1);
    expect(rx.delivered('/teams')).toHaveLength(1);
    expect(n.stats().map((s) => [s.sent, s.failed])).toEqual([[1, 0], [1, 0], [1, 0], [0, 1]]);
    expect(lines.join('\n')).toMatch(/slack \/gone: 1 notice\(s\) not delivered after 1 attempt\(s\): HTTP 404: .*not retried/);
    await n.close();
  });

  it('a dead webhook that never answers: notify returns at once, the cycle goes on, the queue stays bounded', async () => {
    const rx = await startWebhookReceiver({ '/dead': { kind: 'hang' } });
    receivers.push(rx);
    const { logger, lines } = memoryLogger();
    // A timeout far beyond the test: the receiver holds the first request for as long as the snapshot needs.
    const n = new Notifier({ webhooks: [{ platform: 'slack', url: rx.url('/dead'), name: 'slack (DEAD)', events: new Set(['daily_summary', 'fills']) }], intervalMs: 0, queueSize: 3, logger, timeoutMs: 60_000, attempts: 2, backoffBaseMs: 10 });
    // What a cycle does: queue its notices and carry on. It completes while the webhook still holds the first request.
    const cycle = async () => {
      for (let i = 0; i < 10; i++) n.notify(notice({ event: 'fills', title: `fill ${i}` }));
      return 'cycle done';
    };
    expect(await cycle()).toBe('cycle done');
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (rx.held > 0) {
          clearInterval(t);
          resolve();
        }
      }, 10);
    });
    // One batch in flight (the first notice), nine more queued into a queue of three: six dropped.
    expect(n.stats()[0]).toMatchObject({ queued: 3, dropped: 6, sent: 0, requests: 1 });
    expect(lines.join('\n')).toMatch(/queue full \(3\); dropping the oldest notices/);
    // Shutdown gives up on the held request: what is left is abandoned, nothing delivered.
    await n.close(0);
    expect(n.stats()[0]).toMatchObject({ sent: 0, dropped: 6 });
    expect(lines.join('\n')).toMatch(/3 notice\(s\) not sent at shutdown/);
  });

  it('a request that times out is retried, then given up after the last attempt', async () => {
    const { logger, lines } = memoryLogger();
    const timeouts: number[] = [];
    // A webhook that never answers: the request ends only when the notifier's own timeout signal fires.
    const hang: typeof fetch = (_url, init) =>
      new Promise<Response>((_resolve, reject) => {
        const signal = init?.signal as AbortSignal;
        signal.addEventListener('abort', () => {
          timeouts.push(1);
          reject(signal.reason);
        }, { once: true });
      });
    const n = new Notifier({ webhooks: [{ platform: 'slack', url: 'https://hooks.example.com/dead', name: 'slack (DEAD)', events: new Set(['fills']) }], intervalMs: 0, queueSize: 10, logger, timeoutMs: 1, attempts: 2, backoffBaseMs: 1, fetch: hang });
    n.notify(notice({ event: 'fills', title: 'fill 1' }));
    await n.idle();
    expect(timeouts).toHaveLength(2);
    expect(n.stats()[0]).toMatchObject({ queued: 0, sent: 0, failed: 1, requests: 2 });
    expect(lines.join('\n')).toMatch(/slack \(DEAD\): 1 notice\(s\) not delivered after 2 attempt\(s\): no answer \(timed out\)/);
    await n.close(0);
  });

  it('Discord: notices beyond one message\'s 6,000 characters go in the next message, none lost; one too big alone is cut', async () => {
    const rx = await startWebhookReceiver({});
    receivers.push(rx);
    const { logger } = memoryLogger();
    const n = new Notifier({ webhooks: [{ platform: 'discord', url: rx.url('/discord'), name: 'discord', events: new Set(['fills']) }], intervalMs: 0, queueSize: 100, logger });
    // Waiting together (the first is in flight when the others arrive): 2,500 characters each, two fit in a message.
    for (let i = 1; i <= 4; i++) n.notify(notice({ event: 'fills', title: `fill ${i}`, text: 'x'.repeat(2500) }));
    // Alone above the budget: 25 fields of 1,000 characters.
    n.notify(notice({ event: 'fills', title: 'huge', text: 'y', fields: Array.from({ length: 25 }, (_, i) => ({ name: `f${i}`, value: 'z'.repeat(1000) })) }));
    await n.idle();
    const bodies = rx.requests.map((r) => r.body as { content: string; embeds: { title: string; fields: { name: string; value: string }[] }[] });
    for (const b of bodies) expect(discordBody.safeParse(b).error).toBeUndefined();
    expect(bodies.map((b) => b.embeds.map((e) => e.title))).toEqual([['[red] fill 1'], ['[red] fill 2', '[red] fill 3'], ['[red] fill 4'], ['[red] huge']]);
    // The summary names only the notices the message carries.
    expect(bodies[2]?.content).toBe('[red] fill 4');
    expect(bodies[3]?.embeds[0]?.fields.at(-1)?.value).toMatch(/^\d+ more field\(s\) cut to fit Discord's 6,000-character limit$/);
    expect(n.stats()[0]).toMatchObject({ sent: 5, failed: 0, dropped: 0, requests: 4 });
    await n.close();
  });

  it('a webhook variable that is missing or not an https URL is a config error naming the field', () => {
    const cfg = notifySchema.parse({ webhooks: [{ platform: 'slack', url_env: 'SLACK_URL' }] });
    const secrets = (v: string | undefined) => loadEnv({ file: '/nonexistent', env: { SLACK_URL: v } });
    expect(() => resolveWebhooks(cfg, secrets(undefined), 'teams/red.yml')).toThrow(new ConfigError('teams/red.yml', 'notify.webhooks[0].url_env', 'expected SLACK_URL to be set in .env.secrets or the environment (the slack webhook URL), got nothing'));
    expect(() => resolveWebhooks(cfg, secrets('not a url'), 'teams/red.yml')).toThrow(/notify\.webhooks\[0\]\.url_env: expected SLACK_URL to hold a webhook URL/);
    expect(() => resolveWebhooks(cfg, secrets('http://hooks.example.com/x'), 'teams/red.yml')).toThrow(/expected SLACK_URL to hold an https URL \(plain http only to this machine\)/);
    expect(resolveWebhooks(cfg, secrets('https://hooks.slack.com/services/T0/B0/abcdefghijklmnopqrstuvwx'), 'teams/red.yml')[0]?.name).toBe('slack (SLACK_URL)');
    expect(() => notifySchema.parse({ webhooks: [{ platform: 'slack', url: 'https://hooks.slack.com/x' }] })).toThrow();
  });
});
