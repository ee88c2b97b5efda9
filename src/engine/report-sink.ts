/** Where a cycle's people-facing pages go: the HTML renderers (adapters/reports) under a team's report folder. */
import type { ModelCard, VersionStatus } from '../adapters/models/registry.ts';
import { writeTrainingReport } from '../adapters/reports/training.ts';
import type { MonitoringDay } from '../adapters/reports/types.ts';
import type { MonitoringSink } from './monitoring-page.ts';

export interface ReportSink {
  /** The monitor's day (engine/monitoring-page.ts keeps it and writes the team's monitoring page). */
  monitoring(day: MonitoringDay): Promise<void>;
  training(card: ModelCard, status: VersionStatus): Promise<void>;
}

export function htmlReports(reportDir: string, monitoring: MonitoringSink): ReportSink {
  return {
    monitoring,
    training: (card, status) => writeTrainingReport(reportDir, card, status),
  };
}
