/**
 * A daemon's config follows its team's branch (a real git repository on disk): a valid change is
 * adopted with its field changes; a broken YAML, a plug-in that throws at load, a pinned field, a
 * symbol outside the universe, a strategy that throws on the dry prediction and a change of what a
 * running daemon cannot change are each rejected with the reason while the last good config stays;
 * a second change to the same module file loads fresh; a restart resumes on the adopted commit.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../config/env.ts';
import { silentLogger } from '../core/log.ts';
import { BUNDLED_DATA_DIR } from '../core/paths.ts';
import { bareRepo, dailyStrategyModule, fastTeamFile, workingClone } from '../testing/config-repo.ts';
import { REPO_ROOT } from '../testing/services.ts';
import { ConfigFollower, describeEvent, type FollowOptions } from './config-follow.ts';

// Under the repository (git-ignored), as a team's folder would be: checkouts resolve zod and src/ through it too.
mkdirSync(path.join(REPO_ROOT, 'tests', 'artifacts'), { recursive: true });
const root = mkdtempSync(path.join(REPO_ROOT, 'tests', 'artifacts', 'follow-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const noSecrets = loadEnv({ file: '/nonexistent/.env.secrets', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' } });

/** The bars a workspace's last cycle saw (its data snapshot), up to `last`. */
function snapshot(ws: string, last: string): void {
  mkdirSync(path.join(ws, 'data'), { recursive: true });
  for (const s of ['MSFT', 'AAPL']) {
    const lines = readFileSync(path.join(BUNDLED_DATA_DIR, `${s}.csv`), 'utf8').trim().split('\n');
    writeFileSync(path.join(ws, 'data', `${s}.csv`), [lines[0], ...lines.slice(1).filter((l) => l.slice(0, 10) <= last)].join('\n') + '\n');
  }
}

describe('ConfigFollower (a daemon following its team branch)', () => {
  it('adopts valid changes, rejects broken ones with the reason and keeps the last good config, and resumes after a restart', { timeout: 120_000 }, async () => {
    const remote = bareRepo(path.join(root, 'class.git'));
    const team = workingClone(remote, path.join(root, 'work'), { branch: 't1' });
    const file = 'teams/t1.yml';
    team.write({ [file]: fastTeamFile('t1'), 'teams/t1/strategy.ts': dailyStrategyModule('v1') });
    const a = team.commitAndPush('t1: first config');

    const rules = path.join(root, 'competition.yml');
    writeFileSync(rules, 'name: test class\npinned:\n  broker.starting_cash: 100000\n  broker.kind: local\nuniverse: [MSFT, AAPL, GOOGL]\n');
    const ws = path.join(root, 'ws');
    snapshot(ws, '2017-10-02');
    const opts: FollowOptions = { repo: remote, branch: 't1', path: file, rules: { file: rules }, stateDir: path.join(ws, 'state', 'config-repo'), workspaceDir: ws, adapt: (t) => ({ ...t, workspaceDir: ws }), env: noSecrets, logger: silentLogger() };

    const f = await ConfigFollower.start(opts);
    expect(f.commit).toBe(a);
    expect(f.team.workspaceDir).toBe(ws);
    expect(f.team.strategy.kind).toBe('daily-v1');
    expect(f.status()).toMatchObject({ commit: a, state: 'adopted', reason: null, branch: 't1', path: file });
    expect(await f.check()).toBeNull();

    // A valid change: the strategy's parameter and the model's epochs.
    team.write({ [file]: fastTeamFile('t1', { qty: 2, epochs: 8 }) });
    const b = team.commitAndPush('t1: bigger orders, longer training');
    const adopted = await f.check();
    expect(adopted).toMatchObject({ kind: 'adopted', commit: b, reason: null, retrain: true });
    expect(adopted?.changes).toEqual(expect.arrayContaining([{ field: 'strategy.qty', from: '1', to: '2' }, { field: 'model.trainer.epochs', from: '5', to: '8' }]));
    expect(describeEvent(adopted as NonNullable<typeof adopted>)).toMatch(new RegExp(`^config changed at ${b.slice(0, 7)}: model\\.trainer\\.epochs 5 → 8; strategy\\.qty 1 → 2 \\(features or model changed`));
    expect(f.team.strategy.params).toMatchObject({ qty: 2 });
    expect(f.commit).toBe(b);

    // A commit touching nothing the team file reads: the same config, at the new commit.
    team.write({ 'README.md': 'notes\n' });
    const c = team.commitAndPush('notes');
    expect(await f.check()).toBeNull();
    expect(f.commit).toBe(c);

    // Broken YAML: rejected with the file and the line; the last good config stays.
    const good = team.read(file);
    team.write({ [file]: good.replace(/^model:$/m, 'model: [unclosed') });
    const d = team.commitAndPush('t1: oops');
    const broken = await f.check();
    expect(broken).toMatchObject({ kind: 'rejected', commit: d });
    expect(broken?.reason).toMatch(/^teams\/t1\.yml: line \d+, column \d+: expected valid YAML/);
    expect(f.commit).toBe(c);
    expect(f.team.strategy.params).toMatchObject({ qty: 2 });
    expect(f.status()).toMatchObject({ commit: c, state: 'rejected', rejected_commit: d, reason: broken?.reason });
    // The same refused head is not tried again.
    expect(await f.check()).toBeNull();

    // A plug-in that throws at load (the module's first change).
    team.write({ [file]: good, 'teams/t1/strategy.ts': dailyStrategyModule('v2', { throwAtLoad: true }) });
    const e = team.commitAndPush('t1: new strategy');
    const throwing = await f.check();
    expect(throwing).toMatchObject({ kind: 'rejected', commit: e });
    expect(throwing?.reason).toMatch(/^teams\/t1\.yml: strategy\.module: expected a module that loads; .*strategy v2 cannot load/);
    expect(f.team.strategy.kind).toBe('daily-v1');

    // Its second change, at the same path: loaded fresh, adopted.
    team.write({ 'teams/t1/strategy.ts': dailyStrategyModule('v3') });
    const g = team.commitAndPush('t1: fixed strategy');
    const fixed = await f.check();
    expect(fixed).toMatchObject({ kind: 'adopted', commit: g, retrain: false });
    expect(fixed?.changes.map((x) => x.field)).toEqual(['modules.strategy.module', 'strategy.kind']);
    expect(f.team.strategy.kind).toBe('daily-v3');
    expect(f.team.strategy.decide({ predictions: [{ symbol: 'MSFT', expectedReturn: 0.01, probabilityUp: null }], closes: { MSFT: 80 }, cash: 1e5, equity: 1e5, positions: {} }).orders[0]?.reason).toBe('v3: one order a day (qty 2)');
    expect(f.status().state).toBe('adopted');

    // The competition's rules: a pinned field, a symbol outside the universe.
    team.write({ [file]: fastTeamFile('t1', { qty: 2, epochs: 8, startingCash: 200000 }) });
    const h = team.commitAndPush('t1: more money');
    const pinned = await f.check();
    expect(pinned).toMatchObject({ kind: 'rejected', commit: h });
    expect(pinned?.reason).toBe('teams/t1.yml: broker.starting_cash: expected 100000 (pinned by competition.yml: a team may not change it), got 200000');
    team.write({ [file]: fastTeamFile('t1', { qty: 2, epochs: 8 }).replace('symbols: [MSFT, AAPL]', 'symbols: [MSFT, XOM]') });
    team.commitAndPush('t1: another symbol');
    expect((await f.check())?.reason).toMatch(/^teams\/t1\.yml: symbols\[1\]: expected a symbol of the competition's universe \(MSFT, AAPL, GOOGL; competition\.yml\), got "XOM"/);

    // A strategy that throws on the dry prediction (cached bars in the workspace), and a schedule change.
    team.write({ [file]: fastTeamFile('t1', { qty: 2, epochs: 8 }), 'teams/t1/strategy.ts': dailyStrategyModule('v4', { throwInDecide: true }) });
    team.commitAndPush('t1: a strategy that fails');
    expect((await f.check())?.reason).toMatch(/^teams\/t1\.yml: strategy\.module: expected a strategy that decides on a dry prediction; it threw: strategy v4 fails to decide/);
    team.write({ [file]: fastTeamFile('t1', { qty: 2, epochs: 8 }).replace('after_close: "16:30"', 'after_close: "17:30"'), 'teams/t1/strategy.ts': dailyStrategyModule('v3') });
    const j = team.commitAndPush('t1: later');
    expect((await f.check())?.reason).toMatch(/^teams\/t1\.yml: schedule: expected .*"after_close":"16:30".* as the daemon runs with it \(a change of schedule needs a restart of the daemon\)/);
    expect(f.commit).toBe(g);
    expect(f.team.strategy.kind).toBe('daily-v3');

    // A restart: the adopted commit again (not the refused head), the refusal still reported.
    const again = await ConfigFollower.start(opts);
    expect(again.commit).toBe(g);
    expect(again.team.strategy.kind).toBe('daily-v3');
    expect(again.status()).toMatchObject({ state: 'rejected', rejected_commit: j });
    expect(await again.check()).toBeNull();
    expect(again.history.map((x) => x.kind)).toEqual(['adopted', 'rejected', 'rejected', 'adopted', 'rejected', 'rejected', 'rejected', 'rejected']);
    expect(again.history.map((x) => x.commit).slice(0, 5)).toEqual([b, d, e, g, h]);

    // The remote gone: the config in force stays, the status says why.
    renameSync(remote, `${remote}.moved`);
    expect(await again.check()).toBeNull();
    expect(again.status().fetch_error).toMatch(/git fetch .* failed/);
    expect(again.commit).toBe(g);
    renameSync(`${remote}.moved`, remote);
  });

  it('validates any change a plug-in could run (a helper outside its folder), refuses webhooks it cannot resolve, and forgets a refusal the team reverted', { timeout: 120_000 }, async () => {
    const remote = bareRepo(path.join(root, 'helper.git'));
    const team = workingClone(remote, path.join(root, 'helper-work'), { branch: 't1' });
    const file = 'teams/t1.yml';
    const strategy = `import { KIND } from '../../lib/kind.ts';\n${dailyStrategyModule('v1').replace("kind: 'daily-v1'", 'kind: KIND')}`;
    team.write({ [file]: fastTeamFile('t1'), 'teams/t1/strategy.ts': strategy, 'lib/kind.ts': "export const KIND = 'daily-h1';\n" });
    const a = team.commitAndPush('t1: a strategy with a shared helper');
    const ws = path.join(root, 'helper-ws');
    snapshot(ws, '2017-10-02');
    const f = await ConfigFollower.start({ repo: remote, branch: 't1', path: file, stateDir: path.join(ws, 'state', 'config-repo'), workspaceDir: ws, adapt: (t) => ({ ...t, workspaceDir: ws }), env: noSecrets, logger: silentLogger() });
    expect(f.team.strategy.kind).toBe('daily-h1');

    // Only the helper changes, and it breaks the module: validated (not waved through as "the same config"), refused.
    team.write({ 'lib/kind.ts': "throw new Error('helper cannot load');\nexport const KIND = 'x';\n" });
    const b = team.commitAndPush('a broken helper');
    expect(await f.check()).toMatchObject({ kind: 'rejected', commit: b, reason: expect.stringMatching(/helper cannot load/) });
    expect(f.commit).toBe(a);
    team.write({ 'lib/kind.ts': "export const KIND = 'daily-h2';\n" });
    const c = team.commitAndPush('the helper fixed');
    expect(await f.check()).toMatchObject({ kind: 'adopted', commit: c });
    expect(f.team.strategy.kind).toBe('daily-h2');

    // A webhook whose URL variable this daemon does not have: refused whole (no half-adopted notify section).
    team.write({ [file]: fastTeamFile('t1', { extra: 'notify:\n  webhooks:\n    - { platform: slack, url_env: SLACK_WEBHOOK_URL_T1 }\n' }) });
    const d = team.commitAndPush('t1: notifications');
    expect(await f.check()).toMatchObject({ kind: 'rejected', commit: d, reason: expect.stringMatching(/^teams\/t1\.yml: notify\.webhooks\[0\]\.url_env: expected SLACK_WEBHOOK_URL_T1 to be set/) });
    expect(f.team.notify).toBeUndefined();
    expect(f.status()).toMatchObject({ state: 'rejected', rejected_commit: d });

    // The team force-pushes back to the config in force: nothing is refused any more.
    team.git(['push', '--quiet', '--force', 'origin', `${c}:refs/heads/t1`]);
    expect(await f.check()).toBeNull();
    expect(f.status()).toMatchObject({ commit: c, state: 'adopted', rejected_commit: null });
  });

  it('reads the rules from a branch of the same repository, and refuses to start without any valid config', { timeout: 60_000 }, async () => {
    const remote = bareRepo(path.join(root, 'rules.git'));
    const admin = workingClone(remote, path.join(root, 'admin'), { branch: 'main' });
    admin.write({ 'competition.yml': 'pinned:\n  broker.commission_min: 1\n' });
    admin.commitAndPush('rules');
    const team = workingClone(remote, path.join(root, 'work2'), { branch: 't2' });
    team.write({ 'teams/t2.yml': fastTeamFile('t2').replace('commission_min: 1', 'commission_min: 0'), 'teams/t2/strategy.ts': dailyStrategyModule('v1') });
    team.commitAndPush('t2');
    const ws = path.join(root, 'ws2');
    const opts: FollowOptions = { repo: remote, branch: 't2', path: 'teams/t2.yml', rules: { branch: 'main', path: 'competition.yml' }, stateDir: path.join(ws, 'state', 'config-repo'), workspaceDir: ws, adapt: (t) => t, env: noSecrets, logger: silentLogger() };
    await expect(ConfigFollower.start(opts)).rejects.toThrow('teams/t2.yml: broker.commission_min: expected 1 (pinned by competition.yml on main: a team may not change it), got 0');
    await expect(ConfigFollower.start({ ...opts, branch: 'nope' })).rejects.toThrow(/no branch "nope"/);
    team.write({ 'teams/t2.yml': fastTeamFile('t2') });
    team.commitAndPush('t2: fees as the rules say');
    const f = await ConfigFollower.start(opts);
    expect(f.status().state).toBe('adopted');
  });
});
