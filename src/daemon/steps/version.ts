/**
 * version: one `dvc add` of the cycle's artifacts, one git commit, a push when a remote is set.
 * A season versions once at its end instead (DESIGN.md), so its cycles record a skip.
 */
import type { StepDef } from '../cycle.ts';
import type { VersionResult } from '../runtime.ts';

export type VersionOutput = VersionResult;

export const VERSIONED_DIRS = ['data', 'features', 'models', 'predictions', 'reports', 'lineage'] as const;

export const versionStep: StepDef<'version'> = {
  name: 'version',
  async run(rt, date) {
    let out: VersionOutput;
    if (rt.mode === 'season') out = { commit: null, pushed: false, notes: ['season: versioned once at the end'] };
    else if (!rt.versioner) out = { commit: null, pushed: false, notes: ['versioning off or DVC not installed (see `arena doctor`)'] };
    else {
      const runId = `${rt.team.team}-${date}`;
      out = await rt.versioner.commitCycle({ date, runId, paths: [...VERSIONED_DIRS], message: `arena(${rt.team.team}): cycle ${date} run ${runId}` });
      for (const n of out.notes) rt.logger.warn(n, { team: rt.team.team, date });
    }
    return { output: out, record: out };
  },
  async restore(_rt, _date, _state, raw) {
    return raw as VersionOutput;
  },
};
