import { createHash } from 'node:crypto';
import path from 'node:path';
import { writeFileAtomic } from '../../core/fsx.ts';
import type { RunRecord, Tracker } from '../../ports.ts';

/** Run records as JSON files under `<dir>/<run_id>.json`: always on, no server needed. */
export class LocalTracker implements Tracker {
  readonly kind = 'local' as const;
  constructor(readonly dir: string) {}

  async logRun(run: Omit<RunRecord, 'run_id'> & { run_id?: string }): Promise<string> {
    const runId = run.run_id ?? createHash('sha256').update(`${run.team}|${run.name}|${run.started_at}`).digest('hex').slice(0, 32);
    await writeFileAtomic(path.join(this.dir, `${runId}.json`), JSON.stringify({ ...run, run_id: runId }, null, 2) + '\n');
    return runId;
  }

  async promote(args: { modelName: string; runId: string; version: string }): Promise<void> {
    await writeFileAtomic(path.join(this.dir, 'champion.json'), JSON.stringify(args, null, 2) + '\n');
  }
}
