/**
 * monitor: every earlier prediction shifted one trading day and joined with the realised value
 * (nothing to compare on the first cycle), quality metrics pooled, per symbol and rolling, drift
 * of the current window against the champion's training window (every feature, the target and the
 * prediction), a data-quality summary, and the verdict the retrain policy reads on the next cycle.
 * The computations are the domain's (monitoring/pairs, presets, data-quality, drift); this step
 * gathers their inputs from the cycle and the journal and writes the report.
 */
import { classificationMetrics } from '../../domain/monitoring/metrics/index.ts';
import { datasetDrift, type Table } from '../../domain/monitoring/drift/index.ts';
import { featureTable, qualitySummary, rowKey } from '../../domain/monitoring/data-quality.ts';
import { joinPredictionsWithTruth, pairMetrics, rollingPairMetrics } from '../../domain/monitoring/pairs.ts';
import type { MetricValues, Task } from '../../domain/monitoring/presets.ts';
import { predictWindow } from '../../domain/models/predictor.ts';
import type { MonitoringReportData } from '../../adapters/reports/types.ts';
import type { TeamContext } from '../context.ts';
import { need, type StepDef } from '../cycle-state.ts';
import type { MonitorRecord, MonitorSummary, Prediction, PredictRecord } from '../records.ts';

/** Every prediction the journal holds before `date`, then today's. */
function allPredictions(ctx: TeamContext, date: string, today: PredictRecord): Prediction[] {
  const { journal } = ctx.services;
  const out: Prediction[] = [];
  for (const d of journal.datesWith('predict')) {
    if (d >= date) break;
    out.push(...(journal.get(d, 'predict')?.predictions ?? []));
  }
  return [...out, ...today.predictions];
}

export const monitorStep: StepDef<'monitor'> = {
  name: 'monitor',
  async run(ctx, date, state) {
    const fetched = need(state, 'fetch');
    const { plan, rows } = need(state, 'features');
    const model = need(state, 'model');
    const predicted = need(state, 'predict');
    const { journal, registry, reports } = ctx.services;
    const mon = ctx.team.monitoring;
    const feature = ctx.team.model.output.feature;
    const task: Task = feature === 'direction' ? 'classification' : 'regression';
    const predictions = allPredictions(ctx, date, predicted);
    const pairs = joinPredictionsWithTruth(predictions, fetched.series, date, feature);
    const notes: string[] = [];
    if (pairs.length === 0) notes.push(journal.latest('predict', date) ? 'no prediction has met its realised value yet' : 'first cycle: no prediction to compare yet (reports start from the second cycle)');
    const pooled = pairMetrics(pairs, task);
    const bySymbol: Record<string, MetricValues> = {};
    for (const sym of ctx.team.symbols) bySymbol[sym] = pairMetrics(pairs.filter((p) => p.symbol === sym), task);

    const deg = ctx.team.lifecycle.retrain.on_degradation;
    let live: number | null = null;
    if (deg) {
      const dates = [...new Set(pairs.map((p) => p.date))].sort().slice(-deg.window_trading_days);
      if (dates.length >= deg.window_trading_days) live = pairMetrics(pairs.filter((p) => p.date >= (dates[0] as string)), task).directional_accuracy ?? null;
    }

    // Drift: the champion's training window against the last N days, every feature plus the target.
    let drift: MonitoringReportData['drift'] = null;
    const card = model.version ? await registry.card(model.version) : null;
    const driftEvery = ctx.options.driftEveryTradingDays;
    const driftDue = driftEvery <= 1 || journal.datesWith('monitor').length % driftEvery === 0;
    let reference: Table = {};
    const allRows = [...rows.values()];
    const curDates = [...new Set(allRows.flatMap((r) => r.map((x) => x.date)))].sort().slice(-mon.current_window_trading_days);
    const curFrom = curDates[0] ?? date;
    const served = new Map(predictions.filter((p) => p.date >= curFrom).map((p) => [rowKey(p), p.value]));
    const current = featureTable(allRows.flatMap((r) => r.filter((x) => x.date >= curFrom)), plan.columns, true, model.model ? served : undefined);
    if (card) {
      const trainDates = [...new Set(allRows.flatMap((r) => r.filter((x) => x.date >= card.train_from && x.date <= card.train_to).map((x) => x.date)))].sort();
      const refFrom = trainDates[Math.max(0, trainDates.length - mon.reference_window_trading_days)] ?? card.train_from;
      const refRows = allRows.flatMap((r) => r.filter((x) => x.date >= refFrom && x.date <= card.train_to));
      // The champion's predictions on its own reference window, so prediction drift compares like with like.
      const refPredictions = driftDue && model.model ? new Map(predictWindow(model.model, plan.columns, rows, refFrom, card.train_to).map((p) => [rowKey(p), p.value])) : undefined;
      reference = featureTable(refRows, plan.columns, true, refPredictions);
      if (driftDue) {
        const report = datasetDrift(reference, current, { overrides: mon.overrides, shareThreshold: mon.drift_share, emptyColumns: 'skip' });
        drift = { ...report, reference_rows: reference[plan.columns[0] as string]?.length ?? 0, current_rows: current[plan.columns[0] as string]?.length ?? 0, reference: `${card.version} training window, last ${mon.reference_window_trading_days} days: ${refFrom}..${card.train_to}`, current: `${curFrom}..${date}` };
      } else notes.push(`drift computed every ${driftEvery} trading days in a season or competition`);
    } else notes.push('no champion: drift needs its training window as the reference');
    const currentBars = new Map([...fetched.series].map(([s, ser]) => [s, ser.bars.filter((b) => b.date >= curFrom)]));
    const data: MonitoringReportData = {
      team: ctx.team.team,
      date,
      model_version: model.version,
      task,
      comparisons: pairs.length,
      notes,
      metrics: { pooled, by_symbol: bySymbol, rolling: rollingPairMetrics(pairs, task, mon.rolling_window_trading_days) },
      confusion:
        task === 'classification' && pairs.length
          ? (({ tp, fp, tn, fn }) => ({ tp, fp, tn, fn }))(classificationMetrics(pairs.map((p) => p.actual), pairs.map((p) => p.predicted)))
          : null,
      drift,
      data_quality: { findings: fetched.findings, ...qualitySummary(reference, current, currentBars) },
      pairs: pairs.slice(-60).map((p) => ({ date: p.date, symbol: p.symbol, predicted: p.predicted, actual: p.actual })),
    };
    await reports.monitoring(data);
    // Without a fresh drift computation the last verdict stands (the policy must not forget drift).
    const prev = journal.latest('monitor', date)?.record.summary;
    const summary: MonitorSummary = {
      dataset_drift: drift ? drift.dataset_drift : (prev?.dataset_drift ?? false),
      drift_share: drift ? drift.drift_share : (prev?.drift_share ?? 0),
      live_directional_accuracy: live,
    };
    const out: MonitorRecord = { summary, comparisons: pairs.length, pooled };
    return { output: out, record: out };
  },
  async restore(_ctx, _date, _state, record) {
    return record;
  },
};
