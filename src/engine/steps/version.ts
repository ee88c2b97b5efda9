/**
 * version: one `dvc add` of the cycle's artifacts, one git commit, a push when a remote is set.
 * A season versions once at its end instead (DESIGN.md), so its cycles record a skip.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../core/fsx.ts';
import type { StepDef } from '../cycle.ts';
import type { VersionResult } from '../../ports.ts';

export type VersionOutput = VersionResult;

/** Artifacts DVC versions (pushed to the remote); the small records below go to git as they are. */
export const VERSIONED_DIRS = ['data', 'features', 'models', 'predictions', 'reports'] as const;
export const GIT_DIRS = ['config', 'lineage'] as const;

/** The team and strategy files this cycle ran with, so a commit says how its artifacts were made. */
async function snapshotConfig(rt: Parameters<StepDef<'version'>['run']>[0]): Promise<void> {
  const dir = path.join(rt.dirs.root, 'config');
  await writeFileAtomic(path.join(dir, 'team.yml'), await readFile(path.resolve(rt.team.root, rt.team.file), 'utf8'));
  await writeFileAtomic(path.join(dir, 'strategy.yml'), await readFile(rt.team.strategyFile, 'utf8'));
}

export const versionStep: StepDef<'version'> = {
  name: 'version',
  async run(rt, date) {
    let out: VersionOutput;
    if (rt.mode === 'season') out = { commit: null, pushed: false, notes: ['season: versioned once at the end'] };
    else if (!rt.versioner) out = { commit: null, pushed: false, notes: ['versioning off or DVC not installed (see `arena doctor`)'] };
    else {
      const runId = `${rt.team.team}-${date}`;
      await snapshotConfig(rt);
      out = await rt.versioner.commitCycle({ date, runId, paths: [...VERSIONED_DIRS], gitPaths: [...GIT_DIRS], message: `arena(${rt.team.team}): cycle ${date} run ${runId}` });
      for (const n of out.notes) rt.logger.warn(n, { team: rt.team.team, date });
    }
    return { output: out, record: out };
  },
  async restore(_rt, _date, _state, raw) {
    return raw as VersionOutput;
  },
};
