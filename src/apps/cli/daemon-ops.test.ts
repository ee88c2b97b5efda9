/**
 * DaemonOps around a config change that names other webhooks: the replaced notifier finishes its
 * queue in the background, and close() waits for it (a daemon's logger is closed right after, so a
 * notifier still draining then would log into a closed logger).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import winston from 'winston';
import { DateTime } from 'luxon';
import { ReplayClock } from '../../adapters/clock.ts';
import { loadEnv } from '../../config/env.ts';
import type { TeamConfig } from '../../config/load.ts';
import { notifySchema } from '../../config/schema.ts';
import type { ConfigFollower, ConfigStatus } from '../../engine/config-follow.ts';
import type { ConfigEvent, ConfigRecord } from '../../engine/records.ts';
import { startWebhookReceiver } from '../../testing/webhook-receiver.ts';
import { DaemonOps } from './daemon-ops.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'daemon-ops-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('DaemonOps', () => {
  it('close() waits for a notifier replaced by a config change to finish', async () => {
    const rx = await startWebhookReceiver({ '/old': { kind: 'hang' } });
    const env = loadEnv({ file: '/nonexistent', env: { OLD_HOOK: rx.url('/old'), NEW_HOOK: rx.url('/new') } });
    const teamWith = (urlEnv: string): TeamConfig =>
      ({ team: 'red', file: 'teams/red.yml', workspaceDir: path.join(scratch, 'ws'), notify: notifySchema.parse({ webhooks: [{ platform: 'slack', url_env: urlEnv, events: ['errors', 'config'] }] }) }) as unknown as TeamConfig;
    let current = teamWith('OLD_HOOK');
    const event: ConfigEvent = { kind: 'adopted', commit: 'abcdef1234567890', reason: null, changes: [], retrain: false };
    const status: ConfigStatus = { commit: event.commit, state: 'adopted', reason: null, rejected_commit: null, repo: 'class.git', branch: 'red', path: 'teams/red.yml', fetch_error: null, last_adopted: event, last_rejected: null };
    // What DaemonOps reads of a follower; the check adopts a config naming another webhook.
    const follow = {
      get team() {
        return current;
      },
      check: async () => {
        current = teamWith('NEW_HOOK');
        return event;
      },
      record: (e: ConfigEvent | null): ConfigRecord => ({ commit: event.commit, repo: 'class.git', branch: 'red', path: 'teams/red.yml', event: e }),
      status: () => status,
      history: [],
    } as unknown as ConfigFollower;
    const order: string[] = [];
    const logger = winston.createLogger({
      format: winston.format.simple(),
      transports: [new winston.transports.Stream({ stream: new Writable({ write: (chunk: Buffer, _enc, cb) => (order.push(String(chunk).trim()), cb()) }) })],
    });
    const ops = await DaemonOps.start({ team: current, follow, env, logger, clock: new ReplayClock({ start: DateTime.fromISO('2017-10-02T20:30:00Z') }), out: path.join(scratch, 'reports'), notifyTuning: { intervalMs: 0, attempts: 1, timeoutMs: 60_000 } });
    try {
      // The old webhook holds the failure notice; then the branch names another webhook.
      ops.failed('2017-10-02', 'boom');
      await new Promise<void>((resolve) => {
        const t = setInterval(() => rx.held > 0 && (clearInterval(t), resolve()), 10);
      });
      await ops.beforeDate('2017-10-03');
      expect(ops.notifierStats.map((s) => s.name)).toEqual(['slack (NEW_HOOK)']);
      const closed = ops.close().then(() => order.push('closed'));
      // The old webhook lets go (the request fails): the old notifier gives the notice up, and only then close() ends.
      await rx.close();
      await closed;
      const gaveUp = order.findIndex((l) => /slack \(OLD_HOOK\): 1 notice\(s\) not delivered/.test(l));
      expect(gaveUp).toBeGreaterThanOrEqual(0);
      expect(order.indexOf('closed')).toBeGreaterThan(gaveUp);
    } finally {
      await rx.close();
      logger.close();
    }
  });
});
