/**
 * A team's own modules: the example team green loads its strategy, model family and feature family
 * from teams/green/; a broken plug-in (missing, a directory, a syntax error, a throw at load, the wrong
 * shape, bad parameters) is one PluginError (a ConfigError: exit 2) naming the file and the field, never the module's source.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, PluginError } from '../core/errors.ts';
import { loadEnv } from './env.ts';
import { loadTeam, loadTeamsPlaying } from './load.ts';
import { REPO_ROOT } from '../testing/services.ts';

const noSecrets = loadEnv({ file: '/nonexistent/.env.secrets', env: {} });

// Plug-in fixtures live under the repository (git-ignored), so `zod` and `type: module` resolve as for a team's folder.
mkdirSync(path.join(REPO_ROOT, 'tests', 'artifacts'), { recursive: true });
const scratch = mkdtempSync(path.join(REPO_ROOT, 'tests', 'artifacts', 'plugins-'));
mkdirSync(path.join(scratch, 'strategies'), { recursive: true });
writeFileSync(path.join(scratch, 'strategies', 'best-gain-worst-loss.yml'), readFileSync(path.join(REPO_ROOT, 'strategies', 'best-gain-worst-loss.yml')));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const STRATEGY_OK = `import { z } from 'zod';
export default { kind: 'probe', schema: z.strictObject({ size: z.number().int().min(1).max(10) }), decide: () => ({ mode: 'none', orders: [], notes: [] }) };
`;

function team(strategy: string, files: Record<string, string> = {}): string {
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(scratch, name), text);
  const red = readFileSync(path.join(REPO_ROOT, 'teams', 'red.yml'), 'utf8').replace(/^strategy: .*$/m, `strategy: ${strategy}`);
  const file = path.join(scratch, `team-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, red);
  return path.relative(scratch, file);
}

async function failure(file: string, plugin?: boolean): Promise<string> {
  try {
    await loadTeam(file, { root: scratch, secrets: noSecrets });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    if (plugin !== undefined) expect(err instanceof PluginError, (err as Error).message).toBe(plugin);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected a ConfigError');
}

describe('team plug-ins', () => {
  it('green plays its own strategy, model family and feature family from teams/green/', async () => {
    const green = await loadTeam('teams/green.yml', { root: REPO_ROOT, secrets: noSecrets });
    expect(green.strategy.kind).toBe('conviction-weights');
    expect(green.strategy.params).toMatchObject({ min_score: 0.0005, max_names: 2 });
    expect(green.plugins.model?.kind).toBe('green-ridge');
    expect(green.plugins.features.get('range_pos')?.key).toBe('range_pos');
    expect((green.features as Record<string, unknown>).range_pos).toEqual({ periods: [10, 50] });
    expect(green.plugins.modules.map((m) => [m.field, path.relative(REPO_ROOT, m.file)])).toEqual([
      ['strategy.module', 'teams/green/strategy.ts'],
      ['model.encoder.module', 'teams/green/model.ts'],
      ['features.custom[0].module', 'teams/green/feature.ts'],
    ]);
    expect(green.plugins.modules.every((m) => /^[0-9a-f]{16}$/.test(m.digest))).toBe(true);
  });

  it('a plug-in strategy gets its parameters checked by its own schema', async () => {
    expect(await failure(team('{ module: ./probe.ts, size: 0 }', { 'probe.ts': STRATEGY_OK }), true)).toMatch(/: strategy\.size: expected an integer .*1.*, got 0$/);
    expect(await failure(team('{ module: ./probe.ts, size: 3, colour: red }', { 'probe.ts': STRATEGY_OK }))).toMatch(/: strategy.*colour/);
    const ok = await loadTeam(team('{ module: ./probe.ts, size: 3 }', { 'probe.ts': STRATEGY_OK }), { root: scratch, secrets: noSecrets });
    expect(ok.strategy.kind).toBe('probe');
    expect(ok.strategy.params).toEqual({ size: 3 });
  });

  it.each([
    ['a missing module', '{ module: ./nowhere.ts }', {}, /: strategy\.module: expected a module file, got "\.\/nowhere\.ts", which does not exist$/],
    ['a directory', '{ module: ./strategies }', {}, /: strategy\.module: expected a module file ending in \.ts, \.mts, \.js, \.mjs, got "\.\/strategies"$/],
    ['a directory named like a module', '{ module: ./dir.ts }', { 'dir.ts/': '' }, /: strategy\.module: expected a module file, got "\.\/dir\.ts", which is a directory$/],
    ['a syntax error', '{ module: ./broken.ts }', { 'broken.ts': 'export default { kind: "x", SECRET_SOURCE_LINE ) ;\n' }, /: strategy\.module: expected a module that loads; \.\/broken\.ts failed: /],
    ['a throw at load', '{ module: ./throws.ts }', { 'throws.ts': 'throw new Error("no network here");\nexport default {};\n' }, /: strategy\.module: expected a module that loads; \.\/throws\.ts failed: no network here$/],
    ['no default export', '{ module: ./nothing.ts }', { 'nothing.ts': 'export const x = 1;\n' }, /: strategy\.module: expected \.\/nothing\.ts to export default its plug-in object$/],
    ['the wrong shape', '{ module: ./shape.ts }', { 'shape.ts': 'export default { kind: "x", schema: {} };\n' }, /: strategy\.module: expected a Strategy with decide \(function\), got undefined$/],
  ])('%s is one line naming the field', async (_what, ref, files, message) => {
    for (const name of Object.keys(files)) if (name.endsWith('/')) mkdirSync(path.join(scratch, name), { recursive: true });
    const msg = await failure(team(ref, Object.fromEntries(Object.entries(files).filter(([n]) => !n.endsWith('/')))), true);
    expect(msg).toMatch(message);
    expect(msg).not.toContain('SECRET_SOURCE_LINE');
  });

  it('a plug-in that throws while binding its parameters is a PluginError naming the field, not a crash', async () => {
    const throwing = `import { z } from 'zod';\nexport default { kind: 't', schema: z.object({}), check() { throw new TypeError('cannot read x of undefined'); }, decide: () => ({ mode: 'none', orders: [], notes: [] }) };\n`;
    expect(await failure(team('{ module: ./bind-throws.ts }', { 'bind-throws.ts': throwing }), true)).toMatch(/: strategy\.module: expected a plug-in that binds its parameters; it threw: cannot read x of undefined$/);
  });

  it('a plug-in decide that is async or returns the wrong shape throws a PluginError at once, never an unhandled rejection', async () => {
    const strategyOf = (name: string, decide: string) => ({ [name]: `import { z } from 'zod';\nexport default { kind: '${name.replace('.ts', '')}', schema: z.object({}), ${decide} };\n` });
    const input = { predictions: [], closes: {}, cash: 1000, equity: 1000, positions: {} };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (const [name, decide, problem] of [
        ['async-throws.ts', 'async decide() { throw new Error("boom"); }', 'got a Promise (decide must not be async)'],
        ['async-ok.ts', 'async decide() { return { mode: "none", orders: [], notes: [] }; }', 'got a Promise (decide must not be async)'],
        ['no-notes.ts', 'decide: () => ({ mode: "none", orders: [] })', 'got notes that are not an array of strings'],
        ['no-result.ts', 'decide: () => undefined', 'got undefined'],
        ['bad-mode.ts', 'decide: () => ({ mode: "long", orders: [], notes: [] })', 'got mode "long"'],
      ] as const) {
        const t = await loadTeam(team(`{ module: ./${name} }`, strategyOf(name, decide)), { root: scratch, secrets: noSecrets });
        let thrown: unknown;
        try {
          t.strategy.decide(input);
        } catch (err) {
          thrown = err;
        }
        expect(thrown).toBeInstanceOf(PluginError);
        expect((thrown as PluginError).message).toBe(`${t.file}: strategy.module: expected decide() of ./${name} to return a decision { mode, orders, notes } synchronously, ${problem}`);
      }
      // Long enough for a rejection nobody handles to be reported.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    const ok = await loadTeam(team('{ module: ./probe.ts, size: 3 }', { 'probe.ts': STRATEGY_OK }), { root: scratch, secrets: noSecrets });
    expect(ok.strategy.decide(input)).toEqual({ mode: 'none', orders: [], notes: [] });
  });

  it('a season plays the others when one team\'s plug-in is refused, but any other config error refuses the whole run', async () => {
    const broken = team('{ module: ./broken2.ts }', { 'broken2.ts': 'export default { kind: "x", SECRET ) ;\n' });
    const fine = team('strategies/best-gain-worst-loss.yml');
    const blue = path.relative(scratch, path.join(scratch, 'blue.yml'));
    writeFileSync(path.join(scratch, blue), readFileSync(path.join(scratch, fine), 'utf8').replace(/^team: .*$/m, 'team: blue').replace(/^ {2}port: \d+$/m, '  port: 0'));
    const { teams, refused } = await loadTeamsPlaying([broken, blue], { root: scratch, secrets: noSecrets });
    expect(teams.map((t) => t.team)).toEqual(['blue']);
    expect(refused.map((r) => [r.file, r.error instanceof PluginError])).toEqual([[broken, true]]);
    // A wrong type in a team file is not a plug-in's failure: nothing plays.
    const typo = path.join(scratch, 'typo.yml');
    writeFileSync(typo, readFileSync(path.join(scratch, fine), 'utf8').replace('epochs: 25', 'epochs: ten'));
    await expect(loadTeamsPlaying([path.relative(scratch, typo), blue], { root: scratch, secrets: noSecrets })).rejects.toThrow(/typo\.yml: model\.trainer\.epochs: expected a positive integer/);
  });

  it('a strategy YAML with an unknown kind names the built-ins', async () => {
    writeFileSync(path.join(scratch, 'strategies', 'odd.yml'), 'name: odd\nkind: martingale\n');
    expect(await failure(team('strategies/odd.yml'), false)).toMatch(/^strategies\/odd\.yml: kind: expected one of best-gain-worst-loss, equal-weight-top-k, buy-and-hold .*got "martingale"$/);
  });
});
