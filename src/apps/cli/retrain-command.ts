/**
 * `arena retrain --team T [--date D]`: the same mechanism as the daemon's POST /retrain (a cycle
 * run with `retrain: true`, which the model step turns into a training, the gate and the registry).
 * When the day's model step has not run yet, that cycle runs now and the verdict is printed. When it
 * already has (cycles are idempotent per date), a request is left in the workspace and the next
 * cycle retrains — also the next cycle of an `arena run` daemon, which reads the same file.
 */
import path from 'node:path';
import { WallClock } from '../../adapters/clock.ts';
import type { TeamConfig } from '../../config/load.ts';
import { ArenaError } from '../../core/errors.ts';
import { writeFileAtomic } from '../../core/fsx.ts';
import { journalFile, runDirs } from '../../engine/context.ts';
import { Journal } from '../../engine/journal.ts';
import { retrainRequestFile } from '../../engine/steps/model.ts';
import { gateFailures } from '../../domain/models/evaluate.ts';
import { dueCycleDate, runOneCycle } from './cycle-command.ts';
import type { Clock } from '../../ports.ts';

export interface RetrainOptions {
  date?: string;
  out: string;
  clock?: Clock;
  quiet?: boolean;
}

export interface RetrainResult {
  date: string;
  /** `trained`: a candidate was trained and gated now; `requested`: the next cycle retrains. */
  outcome: 'trained' | 'requested';
  version: string | null;
  status: string | null;
  summary: string;
}

export async function runRetrain(team: TeamConfig, opts: RetrainOptions): Promise<RetrainResult> {
  const clock = opts.clock ?? new WallClock();
  const date = opts.date ?? dueCycleDate(clock.now(), team.schedule.after_close);
  const dirs = runDirs(team.workspaceDir);
  const journal = await new Journal(journalFile(dirs)).load();
  if (journal.has(date, 'model')) {
    const file = retrainRequestFile(dirs);
    await writeFileAtomic(file, JSON.stringify({ requested_at: clock.now().toISO(), by: 'arena retrain', after: date }, null, 2) + '\n');
    return {
      date,
      outcome: 'requested',
      version: null,
      status: null,
      summary: `${team.team}: the cycle of ${date} already ran its model step; the next cycle retrains (request saved in ${path.relative(team.root, file) || file})`,
    };
  }
  const r = await runOneCycle(team, { date, out: opts.out, retrain: true, ...(opts.clock ? { clock: opts.clock } : {}), ...(opts.quiet ? { quiet: true } : {}) });
  // Restored or just run, the model step's journal record says what happened.
  const rec = r.outcome.state.model ?? (await new Journal(journal.file).load()).get(date, 'model');
  const trained = rec?.trained ?? null;
  if (!trained) throw new ArenaError(`${team.team} ${date}: no candidate was trained (${rec?.notes.join('; ') || 'see the logs'})`, { hint: 'check that the data source has enough history before the date (walk-forward test window + 60 training days)' });
  const verdict = trained.gate.passed ? 'gate passed' : `gate failed: ${gateFailures(trained.gate).join('; ')}`;
  return {
    date,
    outcome: 'trained',
    version: trained.version,
    status: trained.status,
    summary: `${team.team} ${date}: trained ${trained.version} → ${trained.status} (${verdict}); champion ${rec?.version ?? 'none'}; report ${path.join(opts.out, team.team, 'training', `${trained.version}.html`)}\n${r.summary}`,
  };
}
