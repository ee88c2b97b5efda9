/** Realistic report data for the renderer tests (shapes from src/adapters/reports/types.ts). */
import type { ModelCard } from '../adapters/models/registry.ts';
import { METRIC_DEFINITIONS } from '../adapters/reports/legend.ts';
import type { LeaderboardView, MetricValues, MonitoringDay, TradingReportData, TrainingReportData } from '../adapters/reports/types.ts';

const dates = Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2017, 9, 2 + i)).toISOString().slice(0, 10));
const curve = (drift: number) => dates.map((date, i) => ({ date, equity: Math.round((100_000 * (1 + drift * i + 0.002 * Math.sin(i))) * 100) / 100 }));

export const EVIL = '<img src=x onerror=alert(1)>';

export function leaderboardView(over: Partial<LeaderboardView> = {}): LeaderboardView {
  return {
    leaderboard: {
      from: dates[0] as string,
      to: dates[dates.length - 1] as string,
      teams: [
        { team: 'red', final_equity: 101_234.56, total_return: 0.0123456, sharpe: 0.71, max_drawdown: 0.031, trades: 12, hit_rate: 0.5, excess_return: -0.0076544, beat_benchmark: false, directional_accuracy: 0.55, predictions_scored: 87, refused_orders: 1 },
        { team: 'blue', final_equity: 104_000.1, total_return: 0.040001, sharpe: 1.9, max_drawdown: 0.02, trades: 20, hit_rate: 0.65, excess_return: 0.020001, beat_benchmark: true, directional_accuracy: 0.48, predictions_scored: 87, refused_orders: 0 },
      ],
      benchmark: { name: 'SPX buy & hold', total_return: 0.02, sharpe: 1.1, max_drawdown: 0.025, final_equity: 102_000, start: dates[0] as string, bought: { date: dates[1] as string, price: 2550.1, qty: 39.21, commission: 1 } },
      definitions: { ...METRIC_DEFINITIONS },
    },
    curves: [
      { name: 'red', points: curve(0.0004) },
      { name: 'blue', points: curve(0.0013) },
      { name: 'SPX buy & hold', points: curve(0.0007) },
    ],
    generated_at: '2017-11-10T16:30:00.000-05:00',
    ...over,
  };
}

/**
 * A team's monitored days as its monitor writes them: day 0 has nothing to compare; from day 1 each day
 * joins the previous day's two predictions (AAPL, MSFT); drift every day but the third, with a hostile
 * column name; the same finding every day. The last day is 2017-10-31.
 */
export function monitoringDays(): MonitoringDay[] {
  const pairOf = (i: number) => [
    { date: dates[i - 1] as string, symbol: 'AAPL', predicted: 0.001 * Math.sin(i), actual: 0.002 * Math.cos(i), truth_date: dates[i] as string },
    { date: dates[i - 1] as string, symbol: 'MSFT', predicted: -0.001, actual: 0.001, truth_date: dates[i] as string },
  ];
  return dates.map((date, i) => ({
    team: 'red',
    date,
    model_version: 'v0003',
    task: 'regression' as const,
    comparisons: 2 * i,
    notes: i === 0 ? ['first cycle: no prediction to compare yet (reports start from the second cycle)'] : ['drift computed every 1 trading days'],
    metrics: {
      pooled: i === 0 ? ({ n: 0 } as MetricValues) : { n: 2 * i, mae: 0.0085 + i * 1e-5, rmse: 0.012, directional_accuracy: 0.53 },
      by_symbol: i === 0 ? ({ AAPL: { n: 0 }, MSFT: { n: 0 } } as Record<string, MetricValues>) : { AAPL: { n: i, mae: 0.008, rmse: 0.011, directional_accuracy: 0.55 }, MSFT: { n: i, mae: 0.009, rmse: 0.013, directional_accuracy: 0.5 } },
    },
    confusion: null,
    drift:
      i === 2
        ? null
        : {
            dataset_drift: i % 2 === 1,
            drift_share: i % 2 === 1 ? 0.6 : 0.2,
            number_of_columns: 3,
            number_of_drifted_columns: i % 2 === 1 ? 2 : 1,
            share_threshold: 0.5,
            columns: {
              rsi_14: { type: 'num' as const, test: 'ks' as const, score: 0.001 + i * 1e-4, threshold: 0.05, drift: true },
              [EVIL]: { type: 'num' as const, test: 'wasserstein' as const, score: 0.3, threshold: 0.1, drift: i % 2 === 1 },
              dow: { type: 'cat' as const, test: 'chisquare' as const, score: 0.7, threshold: 0.05, drift: false },
            },
            reference_rows: 756,
            current_rows: 63,
            reference: 'v0003 training window',
            current: `${dates[Math.max(0, i - 20)]}..${date}`,
          },
    data_quality: { findings: [{ symbol: 'MSFT', code: 'zero_volume' as const, severity: 'warn' as const, date: '2010-04-26', message: `volume is 0 ${EVIL}` }], missing: {}, constant_columns: [], out_of_range: (i === 29 ? { ret_1: 2 } : {}) as Record<string, number>, new_categories: {} },
    pairs: i === 0 ? [] : pairOf(i),
    rolling: { window: 20, names: ['mae', 'directional_accuracy'], points: i === 0 ? [] : [{ date: dates[i - 1] as string, values: [0.008 + i * 0.0001, i < 4 ? null : 0.5 + (i % 5) * 0.01] }] },
  }));
}

export function trainingData(): TrainingReportData {
  return {
    team: 'red',
    version: 'v0003',
    trained_for: '2017-11-10',
    status: 'rejected',
    reason: 'dataset drift (share 0.81)',
    backend: 'wasm',
    train_from: '2013-07-25',
    train_to: '2017-10-12',
    test_from: '2017-10-13',
    test_to: '2017-11-09',
    feature_columns: ['rsi_14', 'ema_12', 'ret_1'],
    metrics: { mae: 0.0081, directional_accuracy: 0.667 },
    baselines: { moving_average: { mae: 0.009, directional_accuracy: 0.5 }, zero: { mae: 0.0085, directional_accuracy: 0.48 } },
    champion_metrics: { mae: 0.0079, directional_accuracy: 0.6 },
    gate: {
      passed: false,
      checks: [
        { name: 'min_directional_accuracy', passed: true, value: 0.6667, threshold: 0.45, message: 'directional accuracy 0.667 ≥ 0.45' },
        { name: 'beat_champion', passed: false, value: 0.0081, threshold: 0.0079, message: 'mae 0.0081 does not beat the champion (0.0079)' },
      ],
      reasons: ['pass: directional accuracy 0.667 ≥ 0.45', 'FAIL: mae 0.0081 does not beat the champion (0.0079)'],
    },
    history: Array.from({ length: 12 }, (_, i) => ({ epoch: i + 1, loss: 1 / (i + 1), val_loss: i === 0 ? null : 1.2 / (i + 1) })),
    trials: [],
  };
}

/** A model card after a search (successive halving) with permutation importance, as the model step writes it. */
export function searchedTrainingCard(): ModelCard {
  const t = trainingData();
  return {
    version: 'v0004',
    key: 'k',
    team: t.team,
    created_at: '2017-11-10T21:30:00.000Z',
    trained_for: t.trained_for,
    train_from: t.train_from,
    train_to: t.train_to,
    test_from: t.test_from,
    test_to: t.test_to,
    spec: {},
    feature_columns: ['rsi_14', 'ema_12', 'ret_1', EVIL],
    backend: 'wasm',
    data_version: 'd',
    code_version: 'c',
    reason: t.reason,
    metrics: t.metrics,
    baselines: t.baselines,
    champion_metrics: null,
    gate: { passed: true, checks: [{ name: 'beat_best_baseline', passed: true, value: 0.0081, threshold: 0.0085, message: 'mae 0.0081 beats the best baseline (persistence: 0.0085) by 0 (relative)' }], reasons: ['pass: mae 0.0081 beats the best baseline (persistence: 0.0085) by 0 (relative)'] },
    training: { epochs_run: 12, best_epoch: 9, seconds: 1.5, samples: 2000, history: t.history },
    run_id: 'parent',
    search: {
      metric: 'mae',
      best_trial: 2,
      fit_from: '2013-07-25',
      fit_to: '2017-02-01',
      validation_from: '2017-02-02',
      validation_to: '2017-10-12',
      trials: [
        { trial: 1, rung: 0, epochs: 6, epochs_run: 6, params: { 'trainer.learning_rate': 0.0004 }, score: 0.0093, seconds: 0.2, run_id: 'r1' },
        { trial: 2, rung: 0, epochs: 6, epochs_run: 6, params: { 'trainer.learning_rate': 0.003 }, score: 0.0084, seconds: 0.2, run_id: 'r2' },
        { trial: 2, rung: 1, epochs: 12, epochs_run: 12, params: { 'trainer.learning_rate': 0.003 }, score: 0.0082, seconds: 0.4, run_id: 'r3' },
      ],
    },
    importance: {
      metric: 'mae',
      baseline: 0.0081,
      repeats: 5,
      rows: 63,
      features: [
        { feature: 'ret_1', mean: 0.0012, std: 0.0002, directional_accuracy_drop: 0.08 },
        { feature: EVIL, mean: 0.0004, std: 0.0001, directional_accuracy_drop: 0.02 },
        { feature: 'rsi_14', mean: 0.00001, std: 0.00002, directional_accuracy_drop: 0 },
        { feature: 'ema_12', mean: -0.00002, std: 0.00001, directional_accuracy_drop: -0.01 },
      ],
      notes: [],
    },
  };
}

export function tradingData(): TradingReportData {
  const lb = leaderboardView().leaderboard;
  return {
    team: 'red',
    from: lb.from,
    to: lb.to,
    starting_cash: 100_000,
    summary: lb.teams[0] as TradingReportData['summary'],
    equity: curve(0.0004),
    benchmark: { name: 'SPX', points: curve(0.0007) },
    positions: [{ symbol: 'MSFT', qty: 747, avg_entry_price: 83.9, market_value: 62_700, unrealized_pl: -30.2 }],
    orders: [
      { date: '2017-11-09', client_order_id: 'arena-red-2017-11-09-MSFT-buy', order_id: 'o1', symbol: 'MSFT', side: 'buy', qty: 747, status: 'filled', fill_price: 83.95, filled_at: '2017-11-10T09:30:00-05:00', reason: `best predicted gain 0.30% ${EVIL}`, predicted: 0.003, threshold: 0.001, model_version: 'v0002', prediction_href: 'monitoring.html#2017-11-09' },
    ],
    refused_orders: [
      { date: '2017-11-08', client_order_id: 'arena-red-2017-11-08-AAPL-buy', order_id: null, symbol: 'AAPL', side: 'buy', qty: 300, status: 'rejected', fill_price: null, filled_at: null, reason: 'best predicted gain 0.20% (refused: insufficient buying power)', predicted: 0.002, threshold: 0.001, model_version: 'v0002', prediction_href: null },
    ],
    refusals: [{ date: '2017-10-02', reason: 'no champion model' }],
  };
}
