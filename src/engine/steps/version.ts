/**
 * version: one `dvc add` of the cycle's artifacts, one git commit, a push when a remote is set —
 * through the team's Versioner. A season's versioner records a skip (it versions once at its end,
 * DESIGN.md); a workspace without DVC says so.
 */
import path from 'node:path';
import type { StepDef } from '../cycle-state.ts';

/** Artifacts DVC versions (pushed to the remote); the small records below go to git as they are. */
export const VERSIONED_DIRS = ['data', 'features', 'models', 'predictions', 'reports'] as const;
export const GIT_DIRS = ['config', 'lineage'] as const;

export const versionStep: StepDef<'version'> = {
  name: 'version',
  async run(ctx, date) {
    const runId = `${ctx.team.team}-${date}`;
    // The team and strategy files this cycle ran with, so a commit says how its artifacts were made.
    await ctx.services.snapshots.saveConfig(path.resolve(ctx.team.root, ctx.team.file), ctx.team.strategyFile);
    const out = await ctx.services.versioner.commitCycle({ date, runId, paths: [...VERSIONED_DIRS], gitPaths: [...GIT_DIRS], message: `arena(${ctx.team.team}): cycle ${date} run ${runId}` });
    return { output: out, record: out };
  },
  async restore(_ctx, _date, _state, record) {
    return record;
  },
};
