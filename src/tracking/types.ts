/** The Tracker port: every training run is recorded (params, per-epoch losses, metrics, artifacts, versions). */
export interface RunRecord {
  run_id: string;
  team: string;
  name: string;
  started_at: string;
  ended_at: string | null;
  status: 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';
  params: Record<string, string>;
  metrics: Record<string, number>;
  /** Per-epoch series (loss, val_loss) and other stepped metrics. */
  series: Record<string, { step: number; value: number }[]>;
  tags: Record<string, string>;
  artifacts: string[];
}

export interface Tracker {
  readonly kind: 'local' | 'mlflow';
  /** Record a finished run (local always; MLflow additionally when configured). Returns the run id. */
  logRun(run: Omit<RunRecord, 'run_id'> & { run_id?: string }, artifactsDir?: string): Promise<string>;
  /** Upload a version's files to the run (MLflow artifact proxy); a no-op locally, where they already live. */
  logArtifacts?(runId: string, dir: string, artifactPath: string): Promise<void>;
  /** A version was promoted: register it (MLflow registry with the `champion` alias). */
  promote(args: { modelName: string; runId: string; version: string }): Promise<void>;
}
