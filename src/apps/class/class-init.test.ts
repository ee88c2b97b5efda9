import { describe, expect, it } from 'vitest';
import { UsageError } from '../../core/errors.ts';
import { pluginFolders } from './class-init.ts';

const template = (...files: string[]) => ({ root: '/project', plugins: { modules: files.map((file, i) => ({ field: i === 0 ? 'strategy.module' : 'model.encoder.module', file, digest: '0' })) } });

describe('class init: the template plug-in folders copied into each team branch', () => {
  it('one folder per plug-in folder, relative to the project root', () => {
    expect(pluginFolders(template('/project/teams/green/strategy.ts', '/project/teams/green/model.ts'))).toEqual(['teams/green']);
    expect(pluginFolders(template())).toEqual([]);
  });

  it('refuses a module at the project root (its folder would be the whole project) and one outside it', () => {
    expect(() => pluginFolders(template('/project/strategy.ts'))).toThrow(UsageError);
    expect(() => pluginFolders(template('/project/strategy.ts'))).toThrow(/^--template: its plug-in module strategy\.ts \(strategy\.module\) is at the project root, so its folder would be the whole project; expected it in a folder of its own under teams\//);
    expect(() => pluginFolders(template('/elsewhere/strategy.ts'))).toThrow(/^--template: its plug-in folder \.\.\/elsewhere is outside the project; expected it under teams\/$/);
  });
});
