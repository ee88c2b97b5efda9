/**
 * Honest evaluation: walk-forward folds over the most recent labelled dates (never random splits),
 * the candidate trained only on dates before each test window, the baselines and the current champion
 * scored on the same rows, a small trading back-test of the team's strategy, and the promotion gate.
 * Pure: the model family comes in as a ModelBackend (tfjs, trees, a team's plug-in).
 */
import { z } from 'zod';
import { classificationPreset, regressionPreset, type MetricValues } from '../monitoring/presets.ts';
import { sharpe } from '../trading/performance.ts';
import type { SymbolPrediction, TeamStrategy } from '../trading/strategy.ts';
import { baselinePrediction, baselinesFor, type BaselineName, type CloseHistory } from './baselines.ts';
import { windowOf, type Sample } from './dataset.ts';
import { IMPORTANCE_DEFAULTS, permutationDrops, summarizeImportance, type FeatureImportance, type Scorer } from './importance.ts';
import { outputKind, type ModelSpec } from './spec.ts';
import type { EpochLog, ModelBackend, TrainedModel, TrainResult } from './model.ts';

export type { MetricValues };

export interface TrainingWindow {
  kind: 'expanding' | 'rolling';
  trading_days: number;
}

export interface EvaluationPolicy {
  test_trading_days: number;
  folds: number;
  refit_on_full: boolean;
}

export interface GatePolicy {
  min_directional_accuracy?: number | undefined;
  min_cumulative_return?: number | undefined;
  beat_best_baseline_by?: number | undefined;
}

/** One check of the promotion gate, as data: what was measured against which threshold. */
export const GATE_CHECK_NAMES = ['test_rows', 'min_directional_accuracy', 'min_cumulative_return', 'beat_best_baseline', 'beat_champion', 'no_baseline', 'no_champion', 'legacy'] as const;

export interface GateCheck {
  name: (typeof GATE_CHECK_NAMES)[number];
  passed: boolean;
  value: number | null;
  threshold: number | null;
  /** The sentence for people (also in `reasons`). */
  message: string;
}

export interface GateVerdict {
  passed: boolean;
  checks: GateCheck[];
  /** One line per check, passed or not (`pass: …` / `FAIL: …`), so the report says why. */
  reasons: string[];
}

const gateCheckSchema = z.object({ name: z.enum(GATE_CHECK_NAMES), passed: z.boolean(), value: z.number().nullable(), threshold: z.number().nullable(), message: z.string() });

/** A stored verdict (journal, model card); those written before the checks were structured carry only `reasons`, read back into checks. */
export const gateVerdictSchema: z.ZodType<GateVerdict> = z.preprocess(
  (v) => {
    if (typeof v !== 'object' || v === null || 'checks' in v) return v;
    const reasons = (v as { reasons?: unknown }).reasons;
    if (!Array.isArray(reasons)) return v;
    const checks = reasons.map((r) => ({ name: 'legacy', passed: !String(r).startsWith('FAIL'), value: null, threshold: null, message: String(r).replace(/^(pass|FAIL): /, '') }));
    return { ...v, checks };
  },
  z.object({ passed: z.boolean(), checks: z.array(gateCheckSchema), reasons: z.array(z.string()) }),
);

/** The failed checks as reason lines (`FAIL: …`), for registry notes and logs. */
export const gateFailures = (g: Pick<GateVerdict, 'checks'>): string[] => g.checks.filter((c) => !c.passed).map((c) => `FAIL: ${c.message}`);

/** Samples whose dates fall in the training window ending before `before` (exclusive). */
export function windowSamples(samples: readonly Sample[], before: string, window: TrainingWindow): Sample[] {
  const eligible = samples.filter((s) => s.date < before && s.y !== null);
  if (window.kind === 'expanding') return eligible;
  const dates = [...new Set(eligible.map((s) => s.date))].sort();
  const first = dates[Math.max(0, dates.length - window.trading_days)];
  return first === undefined ? [] : eligible.filter((s) => s.date >= first);
}

/** Realised next-day return of a sample (every output kind keeps it in `ret`). */
export interface ScoredRow {
  date: string;
  symbol: string;
  /** Target in model units. */
  y: number;
  /** Prediction in model units (return, close ratio, or P(up)). */
  p: number;
  /** Realised next-day return. */
  ret: number;
  /** The close the prediction was made at (the back-test's fill price). */
  close: number;
}

/** Quality metrics in one record (the task's preset, with confusion counts); `directional_accuracy` is accuracy for classifiers. */
export function scoreRows(rows: readonly ScoredRow[], spec: Pick<ModelSpec, 'output'>): MetricValues {
  const y = rows.map((r) => r.y);
  const p = rows.map((r) => r.p);
  return outputKind(spec) === 'binary' ? classificationPreset(y, p, { confusion: true }) : regressionPreset(y, p);
}

/**
 * A back-test of the team's own strategy — the very `decide` the trade step calls — on the
 * walk-forward test rows. Each date the strategy sees that day's predictions, closes and the
 * simulated account; its orders fill at that close (sells first, buys within the cash), positions
 * are held to the next date and move by the realised next-day return. Costs are ignored: this ranks
 * models, the season measures money.
 */
export function strategyBacktest(rows: readonly ScoredRow[], spec: Pick<ModelSpec, 'output'>, strategy: TeamStrategy): { cumulative_return: number; sharpe: number; days_invested: number } {
  const binary = outputKind(spec) === 'binary';
  const byDate = new Map<string, ScoredRow[]>();
  for (const r of rows) {
    let day = byDate.get(r.date);
    if (!day) byDate.set(r.date, (day = []));
    day.push(r);
  }
  let cash = BACKTEST_CASH;
  const positions: Record<string, number> = {};
  const lastPrice: Record<string, number> = {};
  const daily: number[] = [];
  let invested = 0;
  for (const date of [...byDate.keys()].sort()) {
    const day = byDate.get(date) as ScoredRow[];
    const closes: Record<string, number> = {};
    const rets: Record<string, number> = {};
    for (const r of day) {
      closes[r.symbol] = r.close;
      rets[r.symbol] = r.ret;
      lastPrice[r.symbol] = r.close;
    }
    const value = () => cash + Object.entries(positions).reduce((a, [s, q]) => a + q * (lastPrice[s] as number), 0);
    const equity = value();
    const predictions: SymbolPrediction[] = day.map((r) => ({ symbol: r.symbol, expectedReturn: binary ? null : r.p, probabilityUp: binary ? r.p : null }));
    const decision = strategy.decide({ predictions, closes, cash, equity, positions: { ...positions } });
    for (const o of [...decision.orders.filter((x) => x.side === 'sell'), ...decision.orders.filter((x) => x.side === 'buy')]) {
      const price = closes[o.symbol];
      if (price === undefined) continue;
      const qty = o.side === 'sell' ? Math.min(o.qty, positions[o.symbol] ?? 0) : Math.min(o.qty, Math.floor((cash / price) * 1e6) / 1e6);
      if (!(qty > 0)) continue;
      positions[o.symbol] = (positions[o.symbol] ?? 0) + (o.side === 'buy' ? qty : -qty);
      cash += (o.side === 'buy' ? -qty : qty) * price;
      if ((positions[o.symbol] as number) <= 1e-9) delete positions[o.symbol];
    }
    if (Object.keys(positions).length) invested++;
    // To the next date: held symbols move by their realised next-day return (0 for one without a row today).
    for (const s of Object.keys(positions)) lastPrice[s] = (lastPrice[s] as number) * (1 + (rets[s] ?? 0));
    daily.push(equity > 0 ? value() / equity - 1 : 0);
  }
  const cumulative = daily.reduce((a, r) => a * (1 + r), 1) - 1;
  return { cumulative_return: cumulative, sharpe: sharpe(daily), days_invested: invested };
}

/** The simulated account's starting cash: large enough that whole-share sizing does not matter. */
const BACKTEST_CASH = 1_000_000;

/**
 * The preset's metrics plus the strategy back-test's. A strategy that throws (a team's own code) leaves
 * the back-test's metrics null and says why in `problems`; the model is still evaluated and gated.
 */
function evaluateRows(rows: readonly ScoredRow[], spec: Pick<ModelSpec, 'output'>, strategy: TeamStrategy, problems: Set<string>): MetricValues {
  let bt: ReturnType<typeof strategyBacktest> | null = null;
  try {
    bt = strategyBacktest(rows, spec, strategy);
  } catch (err) {
    problems.add(`strategy ${strategy.kind} failed in the back-test: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { ...scoreRows(rows, spec), cumulative_return: bt?.cumulative_return ?? null, sharpe: bt?.sharpe ?? null, days_invested: bt?.days_invested ?? null };
}

/** The metric that ranks models: MAE for regression (lower is better), accuracy for classification. */
export function primaryMetric(spec: Pick<ModelSpec, 'output'>): { name: 'mae' | 'accuracy'; higherIsBetter: boolean } {
  return outputKind(spec) === 'binary' ? { name: 'accuracy', higherIsBetter: true } : { name: 'mae', higherIsBetter: false };
}

/** The primary metric (and directional accuracy) of raw predictions, for permutation importance. */
export function metricScorer(spec: Pick<ModelSpec, 'output'>): Scorer {
  const { name, higherIsBetter } = primaryMetric(spec);
  return {
    metric: name,
    higherIsBetter,
    score(y, p) {
      const m = scoreRows(y.map((v, i) => ({ date: '', symbol: '', y: v, p: p[i] as number, ret: 0, close: 1 })), spec);
      return { primary: m[name] ?? NaN, da: outputKind(spec) === 'binary' ? null : (m.directional_accuracy ?? null) };
    },
  };
}

/** Labelled dates a walk-forward evaluation needs before its first test fold. */
const MIN_TRAIN_DATES = 60;

/** First date of the walk-forward test window (null: not enough labelled dates for the folds). */
export function walkForwardTestStart(samples: readonly Sample[], evaluation: Pick<EvaluationPolicy, 'test_trading_days' | 'folds'>): string | null {
  const dates = [...new Set(samples.filter((s) => s.y !== null).map((s) => s.date))].sort();
  const i = dates.length - evaluation.folds * evaluation.test_trading_days;
  return i >= MIN_TRAIN_DATES ? (dates[i] as string) : null;
}

const fmt = (x: number | null | undefined, digits = 4): string => (x === null || x === undefined ? 'n/a' : x.toFixed(digits));

/** The promotion gate: every configured threshold, the best baseline, and the current champion. */
export function gateDecision(
  gate: GatePolicy,
  spec: Pick<ModelSpec, 'output'>,
  candidate: MetricValues,
  baselines: Readonly<Record<string, MetricValues>>,
  champion: MetricValues | null,
): GateVerdict {
  const checks: GateCheck[] = [];
  const check = (name: GateCheck['name'], ok: boolean, value: number | null, threshold: number | null, message: string) => checks.push({ name, passed: ok, value, threshold, message });
  if ((candidate.n ?? 0) === 0) check('test_rows', false, candidate.n ?? 0, 1, 'no test rows to evaluate on');
  const da = candidate.directional_accuracy ?? null;
  if (gate.min_directional_accuracy !== undefined)
    check('min_directional_accuracy', da !== null && da >= gate.min_directional_accuracy, da, gate.min_directional_accuracy, `directional accuracy ${fmt(da, 3)} ≥ ${gate.min_directional_accuracy}`);
  const cr = candidate.cumulative_return ?? null;
  if (gate.min_cumulative_return !== undefined)
    check('min_cumulative_return', cr !== null && cr >= gate.min_cumulative_return, cr, gate.min_cumulative_return, `cumulative return on the test window ${fmt(cr, 4)} ≥ ${gate.min_cumulative_return}`);
  const { name, higherIsBetter } = primaryMetric(spec);
  const c = candidate[name] ?? null;
  if (gate.beat_best_baseline_by !== undefined) {
    const margin = gate.beat_best_baseline_by;
    const scored = Object.entries(baselines).filter(([, m]) => m[name] !== null && m[name] !== undefined) as [string, MetricValues][];
    if (scored.length === 0) check('no_baseline', true, null, null, 'no baseline could be scored');
    else {
      const [bestName, best] = scored.sort(([, a], [, b]) => ((a[name] as number) - (b[name] as number)) * (higherIsBetter ? -1 : 1))[0] as [string, MetricValues];
      const b = best[name] as number;
      // Accuracy margins are absolute points; error margins are relative (10% lower MAE for 0.1).
      const ok = c !== null && (higherIsBetter ? c >= b + margin : c <= b * (1 - margin));
      check('beat_best_baseline', ok, c, higherIsBetter ? b + margin : b * (1 - margin), `${name} ${fmt(c)} ${ok ? 'beats' : 'did not beat'} the best baseline (${bestName}: ${fmt(b)}) by ${margin}${higherIsBetter ? '' : ' (relative)'}`);
    }
  }
  if (champion && champion[name] !== null && champion[name] !== undefined) {
    const ch = champion[name] as number;
    const ok = c !== null && (higherIsBetter ? c >= ch : c <= ch);
    check('beat_champion', ok, c, ch, `${name} ${fmt(c)} ${ok ? 'is at least as good as' : 'is worse than'} the champion's ${fmt(ch)} on the same test window`);
  } else if (champion === null) check('no_champion', true, null, null, 'no comparable champion');
  return { passed: checks.every((x) => x.passed), checks, reasons: checks.map((x) => `${x.passed ? 'pass' : 'FAIL'}: ${x.message}`) };
}

export interface EvaluateOptions {
  /** The model family that fits every fold (and the refit). */
  backend: ModelBackend;
  samples: readonly Sample[];
  spec: ModelSpec;
  columns: string[];
  window: TrainingWindow;
  evaluation: EvaluationPolicy;
  /** The team's strategy: the back-test runs its own `decide`. */
  strategy: TeamStrategy;
  /** Closes per symbol for the baselines (dates ≤ the cycle date only). */
  closes: ReadonlyMap<string, CloseHistory>;
  champion?: { model: TrainedModel; trainTo: string } | null;
  warmStart?: TrainedModel;
  /** Permutation importance on each test fold with that fold's model (pooled over folds); off when absent. */
  importance?: { repeats: number; maxFeatures: number; maxRows?: number; seed: number };
  onEpoch?: (fold: number, log: EpochLog) => void;
  signal?: AbortSignal;
}

export interface EvaluationResult {
  /** The model to deploy (last fold's, or refit on everything when configured). */
  trained: TrainResult;
  metrics: MetricValues;
  baselines: Record<BaselineName, MetricValues>;
  champion_metrics: MetricValues | null;
  test_from: string;
  test_to: string;
  folds: { fold: number; train_from: string; train_to: string; test_from: string; test_to: string; metrics: MetricValues }[];
  importance: FeatureImportance | null;
  notes: string[];
}

export class NotEnoughHistory extends Error {}

function realisedReturn(s: Sample, spec: Pick<ModelSpec, 'output'>, closes: ReadonlyMap<string, CloseHistory>): number | null {
  if (spec.output.feature !== 'direction') return s.y;
  const h = closes.get(s.symbol);
  if (!h) return null;
  const i = h.dates.indexOf(s.date);
  const next = h.closes[i + 1];
  return i >= 0 && next !== undefined ? next / (h.closes[i] as number) - 1 : null;
}

export async function walkForward(o: EvaluateOptions): Promise<EvaluationResult> {
  const labelled = o.samples.filter((s) => s.y !== null);
  const dates = [...new Set(labelled.map((s) => s.date))].sort();
  const T = o.evaluation.test_trading_days;
  const F = o.evaluation.folds;
  const minTrain = MIN_TRAIN_DATES;
  if (dates.length < F * T + minTrain)
    throw new NotEnoughHistory(`not enough history: ${dates.length} labelled dates, need ${F * T + minTrain} (${F} fold(s) × ${T} test days + ${minTrain} to train)`);
  const closeIndex = new Map<string, Map<string, number>>();
  for (const [sym, h] of o.closes) closeIndex.set(sym, new Map(h.dates.map((d, i) => [d, i])));
  const notes: string[] = [];
  const problems = new Set<string>();
  const candidateRows: ScoredRow[] = [];
  const baselineRows = new Map<BaselineName, ScoredRow[]>(baselinesFor(o.spec).map((b) => [b, []]));
  const folds: EvaluationResult['folds'] = [];
  const importanceParts: ReturnType<typeof permutationDrops>[] = [];
  let last: TrainResult | null = null;
  for (let k = F; k >= 1; k--) {
    const testDates = dates.slice(dates.length - k * T, dates.length - (k - 1) * T);
    const testFrom = testDates[0] as string;
    const testTo = testDates[testDates.length - 1] as string;
    const train = windowSamples(labelled, testFrom, o.window);
    const result = await o.backend.fit({
      samples: train,
      spec: o.spec,
      columns: o.columns,
      ...(o.warmStart ? { warmStart: o.warmStart } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      onEpoch: (log) => o.onEpoch?.(F - k + 1, log),
    });
    if (last && last.model !== result.model) last.model.dispose();
    last = result;
    const test = labelled.filter((s) => s.date >= testFrom && s.date <= testTo);
    const raw = result.model.predict(test);
    const majority: 0 | 1 = train.filter((s) => s.y === 1).length * 2 >= train.length ? 1 : 0;
    const foldRows: ScoredRow[] = [];
    test.forEach((s, i) => {
      const ret = realisedReturn(s, o.spec, o.closes);
      if (ret === null) return;
      foldRows.push({ date: s.date, symbol: s.symbol, y: s.y as number, p: raw[i] as number, ret, close: s.close });
      for (const b of baselineRows.keys()) {
        const h = o.closes.get(s.symbol);
        const idx = closeIndex.get(s.symbol)?.get(s.date);
        const bp = h && idx !== undefined ? baselinePrediction(b, h, idx, o.spec, majority) : null;
        if (bp !== null) (baselineRows.get(b) as ScoredRow[]).push({ date: s.date, symbol: s.symbol, y: s.y as number, p: bp, ret, close: s.close });
      }
    });
    candidateRows.push(...foldRows);
    if (o.importance) {
      const model = result.model;
      importanceParts.push(
        permutationDrops({
          samples: test,
          columns: o.columns,
          window: windowOf(o.spec),
          scorer: metricScorer(o.spec),
          predict: (s) => model.predict(s),
          repeats: o.importance.repeats,
          maxFeatures: o.importance.maxFeatures,
          maxRows: o.importance.maxRows ?? IMPORTANCE_DEFAULTS.maxRows,
          seed: o.importance.seed + k,
        }),
      );
    }
    folds.push({ fold: F - k + 1, train_from: result.trainFrom, train_to: result.trainTo, test_from: testFrom, test_to: testTo, metrics: evaluateRows(foldRows, o.spec, o.strategy, problems) });
  }
  const trained = last as TrainResult;
  const testFrom = folds[0]?.test_from as string;
  const testTo = folds[folds.length - 1]?.test_to as string;
  let championMetrics: MetricValues | null = null;
  if (o.champion) {
    if (o.champion.trainTo >= testFrom) notes.push(`champion trained up to ${o.champion.trainTo}, inside the test window: not compared`);
    else if (o.champion.model.columns.join() !== o.columns.join()) notes.push('champion uses other feature columns: not compared');
    else {
      const test = labelled.filter((s) => s.date >= testFrom && s.date <= testTo);
      const raw = o.champion.model.predict(test);
      const rows: ScoredRow[] = [];
      test.forEach((s, i) => {
        const ret = realisedReturn(s, o.spec, o.closes);
        if (ret !== null) rows.push({ date: s.date, symbol: s.symbol, y: s.y as number, p: raw[i] as number, ret, close: s.close });
      });
      championMetrics = evaluateRows(rows, o.spec, o.strategy, problems);
    }
  }
  let deployed = trained;
  if (o.evaluation.refit_on_full) {
    deployed = await o.backend.fit({ samples: windowSamples(labelled, '9999-12-31', o.window), spec: o.spec, columns: o.columns, ...(o.signal ? { signal: o.signal } : {}) });
    trained.model.dispose();
    notes.push(`refit on all data up to ${deployed.trainTo} after evaluation`);
  }
  const baselines = Object.fromEntries([...baselineRows].map(([b, rows]) => [b, evaluateRows(rows, o.spec, o.strategy, problems)])) as Record<BaselineName, MetricValues>;
  const importance = o.importance ? summarizeImportance(importanceParts, metricScorer(o.spec), o.importance.repeats) : null;
  const metrics = evaluateRows(candidateRows, o.spec, o.strategy, problems);
  notes.push(...problems);
  return { trained: deployed, metrics, baselines, champion_metrics: championMetrics, test_from: testFrom, test_to: testTo, folds, importance, notes };
}
