/**
 * A training as tracker runs: the parent run (params, metrics, per-epoch losses, the search's
 * scores) and one run per search trial, tagged with its parent. Tracker params are strings.
 */
import type { EvaluationResult } from '../../domain/models/evaluate.ts';
import type { SearchResult } from '../../domain/models/search.ts';
import type { ModelSpec } from '../../domain/models/spec.ts';
import type { RunRecord, Tracker } from '../../ports.ts';

const stringParams = (params: Record<string, number | string>, prefix = ''): Record<string, string> => Object.fromEntries(Object.entries(params).map(([k, v]) => [prefix + k, String(v)]));

export interface TrainingRun {
  team: string;
  /** `<team>-<model name>-<date>`: the parent run's name, the trials' prefix. */
  name: string;
  date: string;
  startedAt: string;
  endedAt: string;
  /** The configured spec (with its search) and the one evaluated (the search's winner, or the same). */
  spec: ModelSpec;
  evaluated: ModelSpec;
  evaluation: EvaluationResult;
  search: SearchResult | null;
  trainingWindow: unknown;
  dataVersion: string;
  features: number;
  gatePassed: boolean;
  reason: string;
}

/** Logs the parent run, then each trial (so the parent exists first); returns the parent's id and the trials' ids. */
export async function logTrainingRun(tracker: Tracker, r: TrainingRun): Promise<{ runId: string; trialRunIds: string[] }> {
  const t = r.evaluation.trained;
  const { search } = r;
  const run: Omit<RunRecord, 'run_id'> = {
    team: r.team,
    name: r.name,
    started_at: r.startedAt,
    ended_at: r.endedAt,
    status: 'FINISHED',
    params: {
      encoder: JSON.stringify(r.evaluated.encoder),
      output: r.spec.output.feature,
      epochs: String(r.evaluated.trainer.epochs),
      batch_size: String(r.evaluated.trainer.batch_size),
      learning_rate: String(r.evaluated.trainer.learning_rate),
      seed: String(r.evaluated.seed),
      ...(search && r.spec.search
        ? {
            'search.trials': String(r.spec.search.trials),
            'search.eta': String(r.spec.search.eta),
            'search.best_trial': String(search.bestTrial),
            'search.metric': search.metric,
            ...stringParams(search.trials.find((x) => x.trial === search.bestTrial)?.params ?? {}, 'best.'),
          }
        : {}),
      backend: t.model.backend,
      training_window: JSON.stringify(r.trainingWindow),
      data_version: r.dataVersion,
      features: String(r.features),
    },
    metrics: Object.fromEntries(Object.entries(r.evaluation.metrics).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]))),
    series: {
      loss: t.history.map((h) => ({ step: h.epoch, value: h.loss })),
      val_loss: t.history.filter((h) => h.val_loss !== null).map((h) => ({ step: h.epoch, value: h.val_loss as number })),
      // One point per trial training (step = its order), so the parent run shows the search at a glance.
      ...(search ? { search_score: search.trials.flatMap((x, i) => (x.score === null ? [] : [{ step: i + 1, value: x.score }])) } : {}),
    },
    tags: { gate: r.gatePassed ? 'passed' : 'failed', reason: r.reason, cycle_date: r.date },
    artifacts: [],
  };
  const runId = await tracker.logRun(run);
  const trialRunIds: string[] = [];
  for (const x of search?.trials ?? []) {
    trialRunIds.push(
      await tracker.logRun({
        team: r.team,
        name: `${r.name}-trial-${String(x.trial).padStart(3, '0')}-rung-${x.rung}`,
        started_at: r.startedAt,
        ended_at: r.startedAt,
        status: x.score === null ? 'FAILED' : 'FINISHED',
        params: { ...stringParams(x.params), epochs: String(x.epochs), rung: String(x.rung) },
        metrics: { ...(x.score === null ? {} : { [`validation_${(search as SearchResult).metric}`]: x.score }), epochs_run: x.epochs_run, seconds: x.seconds },
        series: {},
        // `arena_parent_run_id` is the local id of the training run this trial belongs to.
        tags: { arena_parent_run_id: runId, search_trial: String(x.trial), search_rung: String(x.rung), best: String(x.trial === (search as SearchResult).bestTrial), cycle_date: r.date },
        artifacts: [],
      }),
    );
  }
  return { runId, trialRunIds };
}
