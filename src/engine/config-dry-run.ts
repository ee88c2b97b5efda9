/**
 * The last check of a team config before a daemon adopts it: one dry prediction on cached data.
 * The features are computed on the bars the workspace already holds (its last cycle's snapshot:
 * nothing is fetched and nothing newer is seen), the champion predicts the last row when it fits the
 * new features and model, and the strategy decides on those predictions — nothing is ordered,
 * nothing is written. A team's code that throws here (a feature family, a model family serving the
 * champion, a strategy) refuses the config with the reason, instead of failing a cycle later.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TeamConfig } from '../config/load.ts';
import { ConfigError, errorMessage } from '../core/errors.ts';
import type { DailySeries } from '../domain/market/types.ts';
import { predictOn } from '../domain/models/predictor.ts';
import { modelSpecSchema } from '../domain/models/spec.ts';
import type { SymbolPrediction } from '../domain/trading/strategy.ts';
import { readBarsCsv } from '../adapters/market/csv.ts';
import { ModelRegistry } from '../adapters/models/registry.ts';
import { runDirs } from './dirs.ts';
import { FeatureCache } from './feature-cache.ts';
import { backendResolverFor } from './wiring.ts';

export interface DryRunOptions {
  /** The workspace whose cached bars (its last cycle's snapshot) and champion are used. */
  workspaceDir: string;
}

export interface DryRunResult {
  /** The date predicted for (the last cached row), or null when nothing was cached. */
  date: string | null;
  predictions: number;
  notes: string[];
}

const firstLine = (err: unknown) => (errorMessage(err).split('\n')[0] ?? '').slice(0, 300);

/** The bars the last cycle saw (the workspace's snapshot): no fetch, nothing newer than that cycle. */
async function cachedSeries(team: TeamConfig, o: DryRunOptions): Promise<Map<string, DailySeries>> {
  const dataDir = runDirs(o.workspaceDir).data;
  const series = new Map<string, DailySeries>();
  for (const symbol of team.symbols) {
    const file = path.join(dataDir, `${symbol}.csv`);
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text !== null) series.set(symbol, { symbol, bars: readBarsCsv(text, file), source: 'snapshot', stale: false });
  }
  return series;
}

export async function dryPrediction(team: TeamConfig, o: DryRunOptions): Promise<DryRunResult> {
  const notes: string[] = [];
  const series = await cachedSeries(team, o);
  // Nothing cached yet (before a workspace's first cycle): the load and the checks above are the whole validation.
  if (series.size === 0) return { date: null, predictions: 0, notes: ['no cached bars yet: no dry prediction'] };
  const missing = team.symbols.filter((s) => !series.has(s));
  if (missing.length) notes.push(`no cached bars for ${missing.join(', ')} yet: the dry run covers the others`);
  let computed: ReturnType<FeatureCache['compute']>;
  try {
    computed = new FeatureCache(team.features, team.plugins.features).compute(series);
  } catch (err) {
    throw new ConfigError(team.file, 'features', `expected features that compute on the cached bars; the dry run failed: ${firstLine(err)}`);
  }
  const { plan, rows } = computed;
  const last = [...rows.values()].map((r) => r[r.length - 1]?.date).filter((d): d is string => d !== undefined).sort().pop() ?? null;

  // The champion, when it fits the new features and model, predicts the last row with the new code.
  const predictions: SymbolPrediction[] = [];
  const registry = new ModelRegistry(runDirs(o.workspaceDir).models, backendResolverFor(team));
  const champion = await registry.champion().catch(() => null);
  const card = champion ? await registry.card(champion).catch(() => null) : null;
  const spec = card ? modelSpecSchema.safeParse(card.spec) : null;
  const fits =
    card !== null &&
    spec?.success === true &&
    card.feature_columns.every((c) => plan.columns.includes(c)) &&
    (spec.data.input_features !== 'all' || card.feature_columns.join(',') === plan.columns.join(',')) &&
    spec.data.output.feature === team.model.output.feature &&
    spec.data.encoder.type === team.model.encoder.type;
  if (champion && fits && last) {
    try {
      const model = await registry.loadVersion(champion);
      for (const [symbol, r] of rows) {
        const p = predictOn(model, plan.columns, symbol, r, r[r.length - 1]?.date ?? last);
        if (!('skipped' in p)) predictions.push({ symbol, expectedReturn: p.expectedReturn, probabilityUp: p.probabilityUp });
      }
    } catch (err) {
      throw new ConfigError(team.file, team.model.encoder.type === 'plugin' ? 'model.encoder.module' : 'model', `expected the model family to load and predict with the champion ${champion}; the dry run failed: ${firstLine(err)}`);
    }
  } else {
    notes.push(champion ? `the champion ${champion} does not fit the new features or model: the next model step retrains` : 'no champion yet: the strategy is tried on neutral predictions');
  }
  // No prediction to go on: the strategy still runs its code on neutral ones (no expected move).
  const input = predictions.length
    ? predictions
    : team.symbols.map((symbol) => ({ symbol, expectedReturn: team.model.output.feature === 'direction' ? null : 0, probabilityUp: team.model.output.feature === 'direction' ? 0.5 : null }));
  const closes: Record<string, number> = {};
  for (const [symbol, s] of series) {
    const bar = s.bars[s.bars.length - 1];
    if (bar) closes[symbol] = bar.close;
  }
  try {
    team.strategy.decide({ predictions: input, closes, cash: team.broker.starting_cash, equity: team.broker.starting_cash, positions: {}, blocked: {} });
  } catch (err) {
    throw new ConfigError(team.file, team.strategyFile.endsWith('.yml') ? 'strategy' : 'strategy.module', `expected a strategy that decides on a dry prediction; it threw: ${firstLine(err)}`);
  }
  return { date: last, predictions: predictions.length, notes };
}
