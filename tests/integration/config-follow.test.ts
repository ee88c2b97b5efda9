/**
 * A team's daemon follows its branch of a real git repository served over smart HTTP (git
 * http-backend behind a server that demands the token), trading on the shared exchange on a replay
 * clock. Day by day the team pushes: a valid change (adopted at the next cycle, its commit in the
 * journal and in `arena lineage`), a broken YAML, a strategy plug-in that throws at load (both
 * rejected with the reason, the team trading on its last good config), a second change to that same
 * module (loaded fresh, adopted), and a change to a field the competition pins (rejected). The team's
 * webhooks get each event in their platform's shape at a local receiver, while one dead webhook
 * (it never answers) fills its bounded queue and never holds a cycle up. The token reaches no file,
 * log or argv.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tradingDays } from '../../src/domain/calendar/nyse.ts';
import { dailyStrategyModule, fastTeamFile, workingClone } from '../../src/testing/config-repo.ts';
import { startGitHttpServer } from '../../src/testing/git-http-server.ts';
import { pollUntil, runArena, startArena } from '../../src/testing/processes.ts';
import { startWebhookReceiver } from '../../src/testing/webhook-receiver.ts';
import { discordBody, slackBody, teamsAdaptiveBody, textOf } from '../../src/testing/webhook-shapes.ts';
import { filesUnder, scratchDirs } from '../../src/testing/workspace.ts';

const tempDir = scratchDirs();

interface JournalLine {
  date: string;
  step: string;
  record: Record<string, unknown>;
}

describe('arena run --config-repo (a real git server over HTTP, the shared exchange)', () => {
  it('adopts a valid push at the next cycle; rejects a broken YAML, a plug-in that throws at load and a pinned field, trading on the last good config; notifies', { timeout: 600_000 }, async () => {
    const token = `ghp_${randomBytes(18).toString('hex')}`;
    const authorization = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
    const git = await startGitHttpServer({ root: tempDir('arena-follow-srv-'), name: 'class.git', authorization });
    const rx = await startWebhookReceiver({ '/dead': { kind: 'hang' } });
    const dir = tempDir('arena-follow-');
    const adminToken = 'follow-admin-token';
    const ex = startArena(dir, ['exchange', '--port', '0', '--replay-from', '2017-10-02', '--state', 'exchange'], { env: { ...process.env, ARENA_ADMIN_TOKEN: adminToken } });
    let daemon: ReturnType<typeof startArena> | null = null;
    try {
      // The team's branch: a small team whose strategy is its own module, and its webhooks.
      // The team pushes to the repository on disk: git here is synchronous, and the server answers in this very
      // process (over HTTP it would wait for itself). The daemon, another process, fetches over HTTP.
      const team = workingClone(git.repoDir, path.join(dir, 'clone'), { branch: 't1' });
      const file = 'teams/t1.yml';
      const notify = `notify:
  webhooks:
    - { platform: slack, url_env: SLACK_WEBHOOK_URL_T1, events: [config, daily_summary] }
    - { platform: discord, url_env: DISCORD_WEBHOOK_URL_T1, events: [config] }
    - { platform: teams, url_env: TEAMS_WEBHOOK_URL_T1, events: [config, retrain, gate] }
    - { platform: slack, url_env: DEAD_WEBHOOK_URL }
  per_minute: 120
  queue_size: 5
`;
      const teamFile = (o: Parameters<typeof fastTeamFile>[1] = {}) => fastTeamFile('t1', { ...o, extra: notify });
      team.write({ [file]: teamFile(), 'teams/t1/strategy.ts': dailyStrategyModule('v1') });
      const a = team.commitAndPush('t1: first config');

      // The competition's rules (the coordinator's copy), the secrets: token, key pair, webhook URLs.
      writeFileSync(path.join(dir, 'competition.yml'), 'pinned:\n  broker.starting_cash: 100000\n  broker.commission_per_share: 0.005\nuniverse: [MSFT, AAPL, GOOGL]\n');
      writeFileSync(
        path.join(dir, '.env.secrets'),
        [`GIT_TOKEN=${token}`, 'ALPACA_KEY_ID_T1=PKFOLLOWT1', 'ALPACA_SECRET_KEY_T1=follow-t1-secret', `SLACK_WEBHOOK_URL_T1=${rx.url('/slack/T0/B0/slacksecretpart0000')}`, `DISCORD_WEBHOOK_URL_T1=${rx.url('/discord/1/discordsecretpart000')}`, `TEAMS_WEBHOOK_URL_T1=${rx.url('/teams/workflow')}`, `DEAD_WEBHOOK_URL=${rx.url('/dead')}`].join('\n') + '\n',
      );
      const url = (await ex.waitFor(/exchange on (http:\/\/127\.0\.0\.1:\d+)/))[1] as string;
      const setClock = async (iso: string) => expect((await fetch(`${url}/__admin/clock`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` }, body: JSON.stringify({ to: iso }) })).status).toBe(200);

      const env = { ...process.env };
      delete env.GIT_TOKEN;
      daemon = startArena(dir, ['run', '--config-repo', git.url, '--branch', 't1', '--path', file, '--rules', 'competition.yml', '--exchange', url, '--first-day', '2017-10-02', '--port', '0', '--workspace', 'ws', '--out', 'reports'], { env });
      const port = Number((await daemon.waitFor(/daemon listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
      const health = async () => (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { last_cycle: string | null; config?: { commit: string; state: string; reason: string | null; rejected_commit: string | null } };
      const journal = (): JournalLine[] => readFileSync(path.join(dir, 'ws', 'state', 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as JournalLine);
      const rec = (date: string, step: string) => journal().find((l) => l.date === date && l.step === step)?.record as Record<string, unknown> & { orders?: { client_order_id: string; reason: string; qty: number }[] };
      const days = tradingDays('2017-10-02', '2017-10-09');
      /** Moves the clock past a day's close and waits for that day's cycle; the dead webhook must not hold it. */
      const play = async (date: string) => {
        await setClock(`${date}T16:31:00-04:00`);
        await pollUntil(`the cycle of ${date}`, async () => (await health()).last_cycle === date, { whileRunning: daemon as NonNullable<typeof daemon>, everyMs: 200 });
      };
      expect((await health()).config).toMatchObject({ commit: a, state: 'adopted', reason: null });

      // Day 1 on the first config.
      await play(days[0] as string);
      expect(rec(days[0] as string, 'config')).toMatchObject({ commit: a, branch: 't1', path: file, event: null });
      // The dead webhook is holding the first notice it got while the daemon went on.
      await pollUntil('the dead webhook holds a request', () => rx.held > 0);

      // Day 2: a valid change, adopted at this cycle; the model change makes the model step retrain.
      team.write({ [file]: teamFile({ qty: 2, epochs: 8 }) });
      const b = team.commitAndPush('t1: bigger orders, longer training');
      await play(days[1] as string);
      expect((await health()).config).toMatchObject({ commit: b, state: 'adopted', reason: null });
      const cfg2 = rec(days[1] as string, 'config') as { commit: string; event: { kind: string; changes: { field: string }[]; retrain: boolean } };
      expect(cfg2.commit).toBe(b);
      expect(cfg2.event).toMatchObject({ kind: 'adopted', retrain: true });
      expect(cfg2.event.changes.map((c) => c.field)).toEqual(['model.trainer.epochs', 'strategy.qty']);
      expect(rec(days[1] as string, 'model')).toMatchObject({ attempted: true });
      const order2 = rec(days[1] as string, 'trade')?.orders?.[0];
      expect(order2?.reason).toBe('v1: one order a day (qty 2)');
      // Lineage names the config commit that decided the order.
      const lin = await runArena(dir, ['lineage', order2?.client_order_id as string, '--workspace', 'ws', '--json']);
      expect(lin.code, lin.stderr).toBe(0);
      expect(JSON.parse(lin.stdout)).toMatchObject({ team_date: days[1], config: { commit: b, branch: 't1', path: file } });
      const report = readFileSync(path.join(dir, 'reports', 't1', 'config.html'), 'utf8');
      expect(report).toContain(b.slice(0, 7));
      expect(report).toContain('strategy.qty 1 → 2');
      expect(JSON.parse(readFileSync(path.join(dir, 'reports', 't1', 'config.json'), 'utf8')).history[0]).toMatchObject({ kind: 'adopted', commit: b, message: expect.stringMatching(new RegExp(`^config changed at ${b.slice(0, 7)}: model\\.trainer\\.epochs 5 → 8; strategy\\.qty 1 → 2`)) });

      // Day 3: a broken YAML — rejected with file and line; the team trades on the last good config.
      const good = team.read(file);
      team.write({ [file]: good.replace(/^model:$/m, 'model: [unclosed') });
      const c = team.commitAndPush('t1: a typo');
      await play(days[2] as string);
      const h3 = (await health()).config;
      expect(h3).toMatchObject({ commit: b, state: 'rejected', rejected_commit: c });
      expect(h3?.reason).toMatch(/^teams\/t1\.yml: line \d+, column \d+: expected valid YAML/);
      expect(rec(days[2] as string, 'config')).toMatchObject({ commit: b, event: { kind: 'rejected', commit: c } });
      expect(rec(days[2] as string, 'trade')?.orders?.[0]?.reason).toBe('v1: one order a day (qty 2)');
      expect(daemon.output).toMatch(new RegExp(`config commit ${c.slice(0, 7)} rejected, keeping the last good config: teams/t1\\.yml: line \\d+, column \\d+: expected valid YAML`));

      // Day 4: the YAML fixed, but the strategy module throws at load — rejected too.
      team.write({ [file]: good, 'teams/t1/strategy.ts': dailyStrategyModule('v2', { throwAtLoad: true }) });
      const d = team.commitAndPush('t1: a new strategy');
      await play(days[3] as string);
      const h4 = (await health()).config;
      expect(h4).toMatchObject({ commit: b, state: 'rejected', rejected_commit: d });
      expect(h4?.reason).toMatch(/^teams\/t1\.yml: strategy\.module: expected a module that loads; .*strategy v2 cannot load/);
      expect(rec(days[3] as string, 'trade')?.orders?.[0]?.reason).toBe('v1: one order a day (qty 2)');

      // Day 5: the same module file changed again: loaded fresh and adopted.
      team.write({ 'teams/t1/strategy.ts': dailyStrategyModule('v3') });
      const e = team.commitAndPush('t1: the strategy fixed');
      await play(days[4] as string);
      expect((await health()).config).toMatchObject({ commit: e, state: 'adopted' });
      expect(rec(days[4] as string, 'trade')?.orders?.[0]?.reason).toBe('v3: one order a day (qty 2)');

      // Day 6: a pinned field — rejected with the rule's reason; v3 keeps trading.
      team.write({ [file]: teamFile({ qty: 2, epochs: 8, startingCash: 200000 }) });
      const f = team.commitAndPush('t1: more cash');
      await play(days[5] as string);
      expect((await health()).config).toMatchObject({ commit: e, state: 'rejected', rejected_commit: f, reason: 'teams/t1.yml: broker.starting_cash: expected 100000 (pinned by competition.yml: a team may not change it), got 200000' });
      expect(rec(days[5] as string, 'trade')?.orders?.[0]?.reason).toBe('v3: one order a day (qty 2)');

      // Every day ran; every order of the days after day 1 came from a validated config.
      expect(journal().filter((l) => l.step === 'version').map((l) => l.date)).toEqual(days.slice(0, 6));
      expect(journal().filter((l) => l.step === 'config').map((l) => (l.record as { commit: string }).commit)).toEqual([a, b, b, b, e, e]);

      // Notifications: each platform's shape, the config events in order; the dead webhook dropped, bounded.
      await pollUntil('the config notices reached Slack', () => textOf(rx.delivered('/slack/T0/B0/slacksecretpart0000')).includes(f.slice(0, 7)));
      const slack = rx.delivered('/slack/T0/B0/slacksecretpart0000');
      for (const body of slack) expect(slackBody.safeParse(body).error).toBeUndefined();
      const said = textOf(slack);
      for (const [what, commit] of [['adopted', b], ['rejected', c], ['rejected', d], ['adopted', e], ['rejected', f]] as const) expect(said).toContain(`config ${what} at ${commit.slice(0, 7)}`);
      expect(said).toMatch(/equity \$[\d,.]+ \([+-]\d+\.\d\d%\)/);
      await pollUntil('Discord and Teams got theirs', () => textOf(rx.delivered('/discord/1/discordsecretpart000')).includes(f.slice(0, 7)) && textOf(rx.delivered('/teams/workflow')).includes(f.slice(0, 7)));
      for (const body of rx.delivered('/discord/1/discordsecretpart000')) expect(discordBody.safeParse(body).error).toBeUndefined();
      for (const body of rx.delivered('/teams/workflow')) expect(teamsAdaptiveBody.safeParse(body).error).toBeUndefined();
      expect(textOf(rx.delivered('/teams/workflow'))).toMatch(/retrained for 2017-10-03[\s\S]*gate (passed|failed)/);
      expect(rx.delivered('/dead')).toEqual([]);
      expect(daemon.output).toMatch(/notify: slack \(DEAD_WEBHOOK_URL\): queue full \(5\); dropping the oldest notices/);

      daemon.kill('SIGTERM');
      const exit = await daemon.exited;
      expect(exit.code, exit.stderr.slice(-2000)).toBe(0);

      // The token and the webhook URLs' secret parts: in no file the daemon wrote, no log line, no output.
      const files = filesUnder(path.join(dir, 'ws')).concat(filesUnder(path.join(dir, 'reports')));
      const b64 = authorization.slice('Basic '.length);
      for (const f2 of files) {
        const buf = readFileSync(f2);
        for (const s of [token, b64, 'slacksecretpart0000', 'discordsecretpart000']) expect(buf.includes(s), `${s} in ${f2}`).toBe(false);
      }
      for (const s of [token, b64, 'slacksecretpart0000']) expect(exit.stdout + exit.stderr).not.toContain(s);
      // The git server saw only authorized fetches from the daemon after the first refused probe.
      expect(git.requests.some((r) => r.authorized && r.path.endsWith('/git-upload-pack'))).toBe(true);
    } finally {
      if (daemon && !daemon.result) await daemon.killGroup();
      ex.kill('SIGTERM');
      await ex.exited;
      await rx.close();
      await git.close();
    }
  });
});
