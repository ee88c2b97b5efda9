/**
 * Per-day files of a live workspace: the bars, indicator values, feature matrix and predictions a
 * cycle saw. DVC versions them, lineage re-runs a prediction from them, and a cycle resumed after a
 * kill reads them back instead of fetching again. A replay (a season) keeps none: its sources are
 * deterministic, so a resumed day simply loads again — `load*` answer null and the step re-fetches.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/fsx.ts';
import { externalValuesCsv, parseExternalValuesCsv, type ExternalValues } from '../domain/features/alphavantage.ts';
import { featureMatrixCsv, type FeatureRow } from '../domain/features/matrix.ts';
import type { Bar } from '../domain/market/types.ts';
import { barsCsv, readBarsCsv } from '../adapters/market/csv.ts';
import type { RunDirs } from './dirs.ts';
import type { PredictRecord } from './records.ts';

export interface Snapshots {
  saveBars(symbol: string, bars: readonly Bar[]): Promise<void>;
  saveBenchmark(symbol: string, bars: readonly Bar[]): Promise<void>;
  saveIndicators(symbol: string, values: ExternalValues, columns: readonly string[]): Promise<void>;
  saveFeatures(symbol: string, rows: readonly FeatureRow[], columns: readonly string[]): Promise<void>;
  savePredictions(date: string, record: PredictRecord): Promise<void>;
  /** The team and strategy files a cycle ran with (committed with its artifacts). */
  saveConfig(teamFile: string, strategyFile: string): Promise<void>;
  /** null: nothing kept (a replay), load from the source again. */
  loadBars(symbol: string): Promise<Bar[] | null>;
  loadBenchmark(symbol: string): Promise<Bar[] | null>;
  loadIndicators(symbol: string): Promise<ExternalValues | null>;
}

export function workspaceSnapshots(dirs: Pick<RunDirs, 'root' | 'data' | 'features' | 'predictions'>): Snapshots {
  const barsFile = (symbol: string) => path.join(dirs.data, `${symbol}.csv`);
  const benchmarkFile = (symbol: string) => path.join(dirs.data, 'benchmark', `${symbol}.csv`);
  const indicatorsFile = (symbol: string) => path.join(dirs.data, 'indicators', `${symbol}.csv`);
  const read = (file: string) => fs.readFile(file, 'utf8');
  return {
    saveBars: (symbol, bars) => writeFileAtomic(barsFile(symbol), barsCsv(bars)),
    saveBenchmark: (symbol, bars) => writeFileAtomic(benchmarkFile(symbol), barsCsv(bars)),
    saveIndicators: (symbol, values, columns) => writeFileAtomic(indicatorsFile(symbol), externalValuesCsv(values, columns)),
    saveFeatures: (symbol, rows, columns) => writeFileAtomic(path.join(dirs.features, `${symbol}.csv`), featureMatrixCsv(rows, columns)),
    savePredictions: (date, record) => writeFileAtomic(path.join(dirs.predictions, `${date}.json`), JSON.stringify({ date, ...record }, null, 2) + '\n'),
    saveConfig: async (teamFile, strategyFile) => {
      await writeFileAtomic(path.join(dirs.root, 'config', 'team.yml'), await read(teamFile));
      await writeFileAtomic(path.join(dirs.root, 'config', 'strategy.yml'), await read(strategyFile));
    },
    loadBars: async (symbol) => readBarsCsv(await read(barsFile(symbol)), barsFile(symbol)),
    loadBenchmark: async (symbol) => {
      const text = await read(benchmarkFile(symbol)).catch(() => null);
      return text === null ? null : readBarsCsv(text, benchmarkFile(symbol));
    },
    loadIndicators: async (symbol) => parseExternalValuesCsv(await read(indicatorsFile(symbol)), indicatorsFile(symbol)),
  };
}

/** A replay keeps nothing per day (its state is versioned once at the end of the season). */
export const noSnapshots: Snapshots = {
  saveBars: async () => undefined,
  saveBenchmark: async () => undefined,
  saveIndicators: async () => undefined,
  saveFeatures: async () => undefined,
  savePredictions: async () => undefined,
  saveConfig: async () => undefined,
  loadBars: async () => null,
  loadBenchmark: async () => null,
  loadIndicators: async () => null,
};
