/**
 * The data each people-facing report is rendered from. The same object is written as JSON beside
 * the HTML (`x.html` + `x.json`), so tools read the numbers people see.
 */
import type { DriftReport } from '../../domain/monitoring/drift/types.ts';
import type { Finding } from '../../domain/market/quality.ts';

export interface EquityPoint {
  date: string;
  equity: number;
}

/**
 * `reports/leaderboard.json` (DESIGN.md fixes the first seven fields; the rest were added after).
 * What each number means: adapters/reports/legend.ts (also in the JSON as `definitions`).
 */
export interface LeaderboardRow {
  team: string;
  final_equity: number;
  total_return: number;
  sharpe: number;
  max_drawdown: number;
  /** Filled orders (every fill, not round trips), counted over the whole account history. */
  trades: number;
  hit_rate: number | null;
  /** total_return − the benchmark's total_return. */
  excess_return: number;
  beat_benchmark: boolean;
  /** The model's directional accuracy over the season's predictions that met their truth; null when none did. */
  directional_accuracy: number | null;
  /** How many predictions that accuracy is over. */
  predictions_scored: number;
  /** Orders the broker refused at submission. */
  refused_orders: number;
  /** A team that stopped before the end of the season: when and why (its figures stop there). */
  error?: string;
}

export interface Leaderboard {
  from: string;
  to: string;
  teams: LeaderboardRow[];
  benchmark: {
    name: string;
    total_return: number;
    sharpe: number;
    max_drawdown: number;
    final_equity: number;
    /** Where the teams start: in cash at this day's close. */
    start: string;
    /** The buy: session, price (slippage included), quantity, commission; null when it never filled. */
    bought: { date: string; price: number; qty: number; commission: number } | null;
  };
  /** Metric name → what it means (legend.ts). */
  definitions: Record<string, string>;
}

export interface LeaderboardView {
  leaderboard: Leaderboard;
  /** One curve per team plus the benchmark (scaled to the same starting cash). */
  curves: { name: string; points: EquityPoint[] }[];
  generated_at: string;
  /** Set by `arena compete`: the page reloads itself every N seconds while the season runs. */
  refresh_seconds?: number;
  /** Trading days done / planned, while a competition is still running. */
  progress?: { done: number; total: number };
}

export type MetricValues = Record<string, number | null>;

/** A pair of the monitoring report: a prediction of `date` against the truth known on `truth_date`. */
export interface MonitoringPair {
  date: string;
  symbol: string;
  predicted: number;
  actual: number;
  /** The date of the bar that gave the truth (the pair shows on that day's page and later). */
  truth_date: string;
}

/** Drift of one day: reference = the champion's training window; current = the last N days. */
export type MonitoringDrift = DriftReport & { reference_rows: number; current_rows: number; reference: string; current: string };

/** What one team's monitor computed on one day: yesterday's predictions against today's truth, drift, quality. */
export interface MonitoringDay {
  team: string;
  date: string;
  model_version: string | null;
  task: 'regression' | 'classification';
  /** Prediction/truth pairs available so far; 0 on the first cycle. */
  comparisons: number;
  /** Why a section is empty (e.g. "first cycle: no prediction to compare yet"). */
  notes: string[];
  metrics: {
    /** Over the whole history, pooled across symbols. */
    pooled: MetricValues;
    by_symbol: Record<string, MetricValues>;
  };
  /** Classification only. */
  confusion: { tp: number; fp: number; tn: number; fn: number } | null;
  /** Null before it can be computed, and on days a season skips it. */
  drift: MonitoringDrift | null;
  data_quality: {
    findings: Finding[];
    /** Column → missing values in the current window. */
    missing: Record<string, number>;
    constant_columns: string[];
    /** Column → values outside the reference range in the current window. */
    out_of_range: Record<string, number>;
    new_categories: Record<string, string[]>;
  };
  /** Pairs joined this day (all pairs known so far, on the first day a process monitors): the page keeps one per date and symbol. */
  pairs: MonitoringPair[];
  /** Points of the rolling pooled metrics computed this day (one per prediction date); the page keeps the latest per date. */
  rolling: { window: number; names: string[]; points: { date: string; values: (number | null)[] }[] };
}

/**
 * `reports/<team>/monitoring.html` and `.json`: every monitored day of a team in one page, compactly.
 * Names repeated from day to day (metrics, symbols, drift columns and tests, findings) are listed once
 * and referred to by index; numbers keep 6 significant digits (pages show 4).
 */
export interface MonitoringPageData {
  team: string;
  task: 'regression' | 'classification';
  generated_at: string;
  /** Monitored days, ascending; `days[i]` is `dates[i]`. */
  dates: string[];
  symbols: string[];
  /** Metric names; a day's pooled and per-symbol metrics are arrays in this order (null: not computed). */
  metrics: string[];
  /** Drift column names; a day's drift rows refer to them by index. */
  drift_columns: string[];
  /** Distinct drift tests as [type, test, threshold]; rows refer to them by index. */
  drift_tests: [string, string, number][];
  /** Distinct data-quality findings; days refer to them by index. */
  findings: Finding[];
  days: MonitoringPageDay[];
  /** Every pair: [prediction date, symbol index, predicted, actual, truth date], in prediction order. */
  pairs: [string, number, number, number, string][];
  rolling: { window: number; dates: string[]; series: Record<string, (number | null)[]> };
}

export interface MonitoringPageDay {
  model_version: string | null;
  comparisons: number;
  notes: string[];
  pooled: (number | null)[];
  /** Symbol index → metrics (same order as `metrics`). */
  by_symbol: [number, (number | null)[]][];
  confusion: { tp: number; fp: number; tn: number; fn: number } | null;
  drift: {
    dataset_drift: boolean;
    drift_share: number;
    share_threshold: number;
    number_of_columns: number;
    number_of_drifted_columns: number;
    reference_rows: number;
    current_rows: number;
    reference: string;
    current: string;
    skipped_columns?: string[];
    /** [column index, test index, score, drifted 0/1]. */
    columns: [number, number, number, number][];
  } | null;
  quality: {
    findings: number[];
    missing: Record<string, number>;
    constant_columns: string[];
    out_of_range: Record<string, number>;
    new_categories: Record<string, string[]>;
  };
}

/** The training report of one model version (candidate vs baselines vs champion, and the gate). */
export interface TrainingReportData {
  team: string;
  version: string;
  trained_for: string;
  status: string;
  reason: string;
  backend: string;
  /** Why that compute backend (the engine rule), when the card says. */
  backend_rule?: string;
  train_from: string;
  train_to: string;
  test_from: string | null;
  test_to: string | null;
  feature_columns: string[];
  metrics: MetricValues;
  baselines: Record<string, MetricValues>;
  champion_metrics: MetricValues | null;
  /** The gate's verdict: its checks (value against threshold) and one sentence per check. */
  gate: { passed: boolean; checks?: { name: string; passed: boolean; value: number | null; threshold: number | null; message: string }[]; reasons: string[] };
  history: { epoch: number; loss: number; val_loss: number | null }[];
  /** Hyper-parameter trials, when a search ran. */
  trials: { trial: number; params: Record<string, string | number>; score: number | null }[];
}

export interface TradingOrderRow {
  date: string;
  client_order_id: string;
  order_id: string | null;
  symbol: string;
  side: 'buy' | 'sell';
  qty: number;
  status: string;
  fill_price: number | null;
  filled_at: string | null;
  /** Why (e.g. "predicted gain 1.2% ≥ threshold 0.5%"). */
  reason: string;
  predicted: number | null;
  threshold: number | null;
  model_version: string | null;
  /** Relative link to the monitoring/prediction report of that date (`monitoring.html#<date>`). */
  prediction_href: string | null;
}

/** The trading report of one team over a season or a live run. */
export interface TradingReportData {
  team: string;
  from: string;
  to: string;
  starting_cash: number;
  summary: LeaderboardRow;
  equity: EquityPoint[];
  benchmark: { name: string; points: EquityPoint[] } | null;
  positions: { symbol: string; qty: number; avg_entry_price: number; market_value: number; unrealized_pl: number }[];
  /** Orders the broker accepted (filled, open, expired, canceled; or not submitted: dry run). */
  orders: TradingOrderRow[];
  /** Orders the broker refused at submission, with its reason; listed apart (summary.refused_orders counts them). */
  refused_orders: TradingOrderRow[];
  /** Days the strategy did not trade, with the reason (market closed, stale data, model gate, dry run). */
  refusals: { date: string; reason: string }[];
}

/** One line of `reports/index.html`. */
export interface IndexEntry {
  team: string;
  kind: 'leaderboard' | 'monitoring' | 'training' | 'trading';
  date: string | null;
  title: string;
  /** Relative to the reports directory. */
  href: string;
}
