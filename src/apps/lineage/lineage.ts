/**
 * Lineage: an order back to the prediction that caused it, the model version and its files, the
 * data snapshot and the git commit that versions them, the team config commit it ran with (a daemon
 * following its branch); and the proof, re-running that prediction
 * from a workspace checkout (e.g. a fresh clone at that commit after `dvc pull`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCsvRecords } from '../../core/csv.ts';
import { UsageError } from '../../core/errors.ts';
import type { FeatureRow } from '../../domain/features/matrix.ts';
import { readBarsCsv } from '../../adapters/market/csv.ts';
import type { BackendResolver } from '../../domain/models/model.ts';
import { predictOn } from '../../domain/models/predictor.ts';
import { ModelRegistry } from '../../adapters/models/registry.ts';
import { Journal } from '../../engine/journal.ts';
import { journalFile, runDirs } from '../../engine/context.ts';
import type { PlacedOrder, Prediction } from '../../engine/records.ts';

export interface Lineage {
  team_date: string;
  order: PlacedOrder;
  prediction: Prediction | null;
  model: { version: string | null; dir: string | null; files_md5: Record<string, string> };
  data: { version: string | null; snapshot: string; md5: Record<string, string> };
  commit: string | null;
  pushed: boolean;
  /** The team config the order's cycle ran with, when the daemon followed a git branch: the commit that decided it. */
  config: { commit: string; repo: string; branch: string; path: string } | null;
}

interface DirEntry {
  md5: string;
  relpath: string;
}

/** The md5 of each file of a DVC-tracked directory, from the `.dir` manifest in the cache (if present). */
async function filesInDir(workspace: string, dirMd5: string | undefined, prefix: string): Promise<Record<string, string>> {
  if (!dirMd5?.endsWith('.dir')) return {};
  const h = dirMd5.replace(/\.dir$/, '');
  const text = await readFile(path.join(workspace, '.dvc', 'cache', 'files', 'md5', h.slice(0, 2), `${h.slice(2)}.dir`), 'utf8').catch(() => null);
  if (!text) return {};
  const out: Record<string, string> = {};
  for (const e of JSON.parse(text) as DirEntry[]) if (e.relpath.startsWith(prefix)) out[e.relpath] = e.md5;
  return out;
}

export async function lineageOf(workspace: string, orderId: string): Promise<Lineage> {
  const journal = await new Journal(journalFile(runDirs(workspace))).load();
  for (const date of journal.datesWith('trade').reverse()) {
    const trade = journal.get(date, 'trade');
    const order = trade?.orders.find((o) => o.order_id === orderId || o.client_order_id === orderId);
    if (!order) continue;
    const predictions = journal.get(date, 'predict')?.predictions ?? [];
    const prediction = predictions.find((p) => p.id === order.prediction_id) ?? null;
    const version = journal.get(date, 'version');
    const fetch = journal.get(date, 'fetch');
    const md5 = version?.md5 ?? {};
    const modelVersion = order.model_version;
    const config = journal.get(date, 'config');
    return {
      team_date: date,
      order,
      prediction,
      model: { version: modelVersion, dir: modelVersion ? `models/${modelVersion}` : null, files_md5: modelVersion ? await filesInDir(workspace, md5.models, `${modelVersion}/`) : {} },
      // The inputs an order depended on (reports/ is an output of the cycle, not an input).
      data: { version: fetch?.dataVersion ?? null, snapshot: 'data/', md5: Object.fromEntries(Object.entries(md5).filter(([k]) => k !== 'models' && k !== 'reports')) },
      commit: version?.commit ?? null,
      pushed: version?.pushed ?? false,
      config: config ? { commit: config.commit, repo: config.repo, branch: config.branch, path: config.path } : null,
    };
  }
  throw new UsageError(`ORDER_ID: no order "${orderId}" in ${journalFile(runDirs(workspace))}; expected an order id or client_order_id from the trading report`);
}

/** Parse `features/<SYMBOL>.csv` (date, feature columns, target_*) back into rows; closes come from the data snapshot. */
async function featureRows(workspace: string, symbol: string): Promise<{ columns: string[]; rows: FeatureRow[] }> {
  const text = await readFile(path.join(workspace, 'features', `${symbol}.csv`), 'utf8');
  const dataFile = path.join(workspace, 'data', `${symbol}.csv`);
  const closes = new Map(readBarsCsv(await readFile(dataFile, 'utf8'), dataFile).map((b) => [b.date, b.close]));
  const [head, ...records] = parseCsvRecords(text, `features/${symbol}.csv`);
  const header = head?.record ?? [];
  const columns = header.slice(1).filter((c) => !c.startsWith('target_'));
  const rows = records.map(({ record: cells }) => {
    const date = cells[0] as string;
    // An empty cell is a missing value (NaN), never 0.
    return { symbol, date, close: closes.get(date) ?? Number.NaN, features: cells.slice(1, 1 + columns.length).map((c) => (c === '' ? Number.NaN : Number(c))), targets: null };
  });
  return { columns, rows };
}

/** Re-runs the prediction behind an order from the files of a workspace checkout. */
export async function reproducePrediction(workspace: string, prediction: Pick<Prediction, 'date' | 'symbol' | 'model_version'>, backendFor: BackendResolver): Promise<number> {
  const model = await new ModelRegistry(path.join(workspace, 'models'), backendFor).loadVersion(prediction.model_version);
  const { columns, rows } = await featureRows(workspace, prediction.symbol);
  const p = predictOn(model, columns, prediction.symbol, rows, prediction.date);
  if ('skipped' in p) throw new Error(`features/${prediction.symbol}.csv: ${p.skipped}`);
  return p.value;
}
