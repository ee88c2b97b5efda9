import { describe, expect, it } from 'vitest';
import { stepTestContext } from '../../testing/team-context.ts';
import { GIT_DIRS, VERSIONED_DIRS, versionStep } from './version.ts';

describe('version step', () => {
  it("hands the cycle's artifacts to the team's versioner, with the config it ran with, and journals its answer", async () => {
    const { ctx, snapshots, versioner, at } = await stepTestContext();
    at('2017-11-08');
    const { output, record } = await versionStep.run(ctx, '2017-11-08', {}, {});
    expect(versioner.calls).toEqual([{ date: '2017-11-08', runId: 'red-2017-11-08', paths: [...VERSIONED_DIRS], gitPaths: [...GIT_DIRS], message: 'arena(red): cycle 2017-11-08 run red-2017-11-08' }]);
    expect(snapshots.configs).toBe(1);
    expect(output).toEqual({ commit: 'c1', pushed: false, notes: [] });
    expect(record).toEqual(output);
    expect(await versionStep.restore(ctx, '2017-11-08', {}, record)).toEqual(record);
  });
});
