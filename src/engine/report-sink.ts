/** Where a cycle's people-facing pages go: the HTML renderers (adapters/reports) under a team's report folder. */
import path from 'node:path';
import type { ModelCard, VersionStatus } from '../adapters/models/registry.ts';
import { renderMonitoring } from '../adapters/reports/monitoring.ts';
import { writeTrainingReport } from '../adapters/reports/training.ts';
import type { MonitoringReportData } from '../adapters/reports/types.ts';
import { writeReport } from '../adapters/reports/write.ts';
import { writeFileAtomic } from '../core/fsx.ts';

/** The data of a day's monitoring page, as the workspace keeps it (`<archive>/<date>/monitoring.json`). */
export const MONITORING_DATA_FILE = 'monitoring.json';

export interface ReportSink {
  monitoring(data: MonitoringReportData): Promise<void>;
  training(card: ModelCard, status: VersionStatus): Promise<void>;
}

/**
 * Pages under `reportDir` (the reports folder people read, e.g. `reports/<team>`). With `archiveDir`
 * (the workspace's `reports/`), each monitoring page's data is also kept there: it is computed once
 * per cycle and never again, so a reports folder that lost it (a fresh `--out`) is rebuilt from this copy.
 */
export function htmlReports(reportDir: string, archiveDir?: string): ReportSink {
  const keep = archiveDir && path.resolve(archiveDir) !== path.resolve(reportDir) ? archiveDir : null;
  return {
    monitoring: async (data) => {
      if (keep) await writeFileAtomic(path.join(keep, data.date, MONITORING_DATA_FILE), JSON.stringify(data) + '\n');
      await writeReport(path.join(reportDir, data.date, 'monitoring.html'), renderMonitoring(data), data);
    },
    training: (card, status) => writeTrainingReport(reportDir, card, status),
  };
}
