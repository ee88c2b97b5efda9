/**
 * A team's cycle context for step unit tests: the real team file (teams/red.yml, trimmed to two
 * symbols and a small linear model), the bundled history in memory, and services that keep what
 * they are given so a test can look — a recording report sink, snapshots and versioner in memory, a
 * paper account, registry and journal in a scratch directory.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { nyDateTime, ReplayClock } from '../adapters/clock.ts';
import { PaperAccount } from '../adapters/broker/paper-account.ts';
import { sampleMarketData } from '../adapters/market/csv.ts';
import { InMemoryMarketData } from '../adapters/market/memory.ts';
import { ModelRegistry, type ModelCard } from '../adapters/models/registry.ts';
import type { MonitoringDay } from '../adapters/reports/types.ts';
import { createTracker } from '../adapters/tracking/index.ts';
import { loadEnv } from '../config/env.ts';
import { loadTeam, type TeamConfig } from '../config/load.ts';
import { silentLogger } from '../core/log.ts';
import type { ExternalValues } from '../domain/features/alphavantage.ts';
import type { FeatureRow } from '../domain/features/matrix.ts';
import type { Bar } from '../domain/market/types.ts';
import type { VersionStatus } from '../domain/models/model.ts';
import { journalFile, runDirs, type TeamContext } from '../engine/context.ts';
import { FeatureCache } from '../engine/feature-cache.ts';
import { Journal } from '../engine/journal.ts';
import type { PredictRecord } from '../engine/records.ts';
import type { ReportSink } from '../engine/report-sink.ts';
import type { Snapshots } from '../engine/snapshots.ts';
import { backendResolverFor, paperAccountOptions } from '../engine/wiring.ts';
import type { CommitCycleArgs } from '../adapters/versioning/dvc-git.ts';
import type { Versioner, VersionResult } from '../ports.ts';
import { REPO_ROOT } from './services.ts';

/** Snapshots kept in memory: what a live workspace would have written, readable back. */
export class MemorySnapshots implements Snapshots {
  readonly bars = new Map<string, Bar[]>();
  readonly benchmark = new Map<string, Bar[]>();
  readonly indicators = new Map<string, ExternalValues>();
  readonly features = new Map<string, { rows: readonly FeatureRow[]; columns: readonly string[] }>();
  readonly predictions = new Map<string, PredictRecord>();
  configs = 0;
  async saveBars(symbol: string, bars: readonly Bar[]) {
    this.bars.set(symbol, [...bars]);
  }
  async saveBenchmark(symbol: string, bars: readonly Bar[]) {
    this.benchmark.set(symbol, [...bars]);
  }
  async saveIndicators(symbol: string, values: ExternalValues) {
    this.indicators.set(symbol, values);
  }
  async saveFeatures(symbol: string, rows: readonly FeatureRow[], columns: readonly string[]) {
    this.features.set(symbol, { rows, columns });
  }
  async savePredictions(date: string, record: PredictRecord) {
    this.predictions.set(date, record);
  }
  async saveConfig() {
    this.configs++;
  }
  async loadBars(symbol: string) {
    return this.bars.get(symbol) ?? null;
  }
  async loadBenchmark(symbol: string) {
    return this.benchmark.get(symbol) ?? null;
  }
  async loadIndicators(symbol: string) {
    return this.indicators.get(symbol) ?? null;
  }
}

export class RecordingReports implements ReportSink {
  readonly monitoringPages: MonitoringDay[] = [];
  readonly trainingPages: { version: string; status: VersionStatus }[] = [];
  async monitoring(data: MonitoringDay) {
    this.monitoringPages.push(data);
  }
  async training(card: ModelCard, status: VersionStatus) {
    this.trainingPages.push({ version: card.version, status });
  }
}

export class RecordingVersioner implements Versioner {
  readonly calls: CommitCycleArgs[] = [];
  async commitCycle(args: CommitCycleArgs): Promise<VersionResult> {
    this.calls.push(args);
    return { commit: `c${this.calls.length}`, pushed: false, notes: [] };
  }
}

export interface StepTestContext {
  ctx: TeamContext;
  clock: ReplayClock;
  snapshots: MemorySnapshots;
  reports: RecordingReports;
  versioner: RecordingVersioner;
  broker: PaperAccount;
  /** Moves the clock to `date`'s after-close time (what a season does before each cycle). */
  at(date: string): void;
}

/** The red team, trimmed for speed; `edit` changes anything else. */
export async function stepTestContext(edit: (team: TeamConfig) => TeamConfig = (t) => t, start = '2017-11-01'): Promise<StepTestContext> {
  const loaded = await loadTeam('teams/red.yml', { root: REPO_ROOT, secrets: loadEnv({ file: '/nonexistent', env: {} }) });
  const base: TeamConfig = {
    ...loaded,
    symbols: ['AAPL', 'MSFT'],
    model: { ...loaded.model, encoder: { type: 'linear', engine: 'js' }, trainer: { ...loaded.model.trainer, epochs: 3, early_stopping_patience: 0 } },
    lifecycle: { ...loaded.lifecycle, training_window: { kind: 'rolling', trading_days: 300 } },
  };
  const team = edit(base);
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-steps-'));
  const dirs = runDirs(dir);
  const sample = sampleMarketData();
  const series = new Map<string, Bar[]>();
  for (const s of [...team.symbols, team.data.benchmark]) series.set(s, (await sample.daily({ symbol: s, asOf: '9999-12-31' })).bars);
  const market = new InMemoryMarketData('sample', series);
  const clock = new ReplayClock({ start: nyDateTime(start, '16:30') });
  const broker = await PaperAccount.open({ ledgerFile: path.join(dirs.state, 'ledger.jsonl'), accountId: `${team.team}-test`, clock, prices: market, ...paperAccountOptions(team.broker) });
  const snapshots = new MemorySnapshots();
  const reports = new RecordingReports();
  const versioner = new RecordingVersioner();
  const logger = silentLogger();
  const ctx: TeamContext = {
    team: { ...team, workspaceDir: dir },
    dirs,
    reportDir: path.join(dir, 'reports-out'),
    services: {
      market,
      broker,
      registry: new ModelRegistry(dirs.models, backendResolverFor(team)),
      backendFor: backendResolverFor(team),
      tracker: createTracker({ team: team.team, runsDir: dirs.runs, logger }),
      versioner,
      journal: new Journal(journalFile(dirs)),
      clock,
      logger,
      reports,
      snapshots,
      features: new FeatureCache(team.features, team.plugins.features),
    },
    options: { scope: 'test', driftEveryTradingDays: 1 },
  };
  return { ctx, clock, snapshots, reports, versioner, broker, at: (date) => clock.advanceTo(nyDateTime(date, team.schedule.after_close)) };
}
