/** Where a cycle's people-facing pages go: the HTML renderers (adapters/reports) under a team's report folder. */
import path from 'node:path';
import type { ModelCard, VersionStatus } from '../adapters/models/registry.ts';
import { renderMonitoring } from '../adapters/reports/monitoring.ts';
import { writeTrainingReport } from '../adapters/reports/training.ts';
import type { MonitoringReportData } from '../adapters/reports/types.ts';
import { writeReport } from '../adapters/reports/write.ts';

export interface ReportSink {
  monitoring(data: MonitoringReportData): Promise<void>;
  training(card: ModelCard, status: VersionStatus): Promise<void>;
}

export function htmlReports(reportDir: string): ReportSink {
  return {
    monitoring: (data) => writeReport(path.join(reportDir, data.date, 'monitoring.html'), renderMonitoring(data), data),
    training: (card, status) => writeTrainingReport(reportDir, card, status),
  };
}
