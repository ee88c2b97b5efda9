/**
 * monitor: every earlier prediction shifted one trading day and joined with the realised value
 * (nothing to compare on the first cycle), quality metrics pooled, per symbol and rolling, drift
 * of the current window against the champion's training window (every feature, the target and the
 * prediction), a data-quality summary, and the verdict the retrain policy reads on the next cycle.
 * The computations are the domain's (monitoring/pairs, presets, data-quality, drift); this step
 * gathers their inputs from the cycle and the journal and hands the day to the report sink.
 *
 * Incremental: a team's monitor keeps what earlier days computed (monitoring/incremental.ts: the
 * pairs joined so far, the rolling series, the champion's reference table and its predictions), so a
 * day joins only the predictions still waiting for their truth and reads only the windows it needs.
 * The state is rebuilt from the journal when a process starts (or resumes after a kill), and every
 * figure equals what a full recomputation over the history gives (tested).
 */
import { classificationMetrics } from '../../domain/monitoring/metrics/index.ts';
import { datasetDrift } from '../../domain/monitoring/drift/index.ts';
import { featureTable, qualitySummary, rowKey } from '../../domain/monitoring/data-quality.ts';
import { MonitorMemory, lastDates, rowsFrom, barsFrom, type ReferenceWindow } from '../../domain/monitoring/incremental.ts';
import { pairMetrics } from '../../domain/monitoring/pairs.ts';
import type { MetricValues, Task } from '../../domain/monitoring/presets.ts';
import { predictWindow } from '../../domain/models/predictor.ts';
import type { ModelCard } from '../../adapters/models/registry.ts';
import type { MonitoringDay } from '../../adapters/reports/types.ts';
import type { TeamContext } from '../context.ts';
import { need, type StepDef } from '../cycle-state.ts';
import type { MonitorRecord, MonitorSummary } from '../records.ts';

/** Per team (its services object): what the monitor remembers between cycles of one process. */
const memories = new WeakMap<object, { memory: MonitorMemory; cards: Map<string, ModelCard | null> }>();

function memoryOf(ctx: TeamContext, task: Task, date: string): { memory: MonitorMemory; cards: Map<string, ModelCard | null> } {
  const { journal } = ctx.services;
  let m = memories.get(ctx.services);
  // A date before the last one seen (a replay started over in this process): start afresh.
  if (!m || !m.memory.accepts(date, task)) memories.set(ctx.services, (m = { memory: new MonitorMemory(task, ctx.team.monitoring.rolling_window_trading_days), cards: new Map() }));
  // Fold the journal's predictions not seen yet, in date order (today's come from the cycle, below).
  for (const d of journal.datesWith('predict')) {
    if (d >= date) break;
    if (m.memory.hasFolded(d)) continue;
    m.memory.fold(d, journal.get(d, 'predict')?.predictions ?? []);
  }
  return m;
}

async function cardOf(ctx: TeamContext, cards: Map<string, ModelCard | null>, version: string): Promise<ModelCard | null> {
  if (!cards.has(version)) cards.set(version, await ctx.services.registry.card(version));
  return cards.get(version) ?? null;
}

export const monitorStep: StepDef<'monitor'> = {
  name: 'monitor',
  async run(ctx, date, state) {
    const fetched = need(state, 'fetch');
    const { plan, rows } = need(state, 'features');
    const model = need(state, 'model');
    const predicted = need(state, 'predict');
    const { journal, reports } = ctx.services;
    const mon = ctx.team.monitoring;
    const feature = ctx.team.model.output.feature;
    const task: Task = feature === 'direction' ? 'classification' : 'regression';
    const { memory, cards } = memoryOf(ctx, task, date);
    memory.fold(date, predicted.predictions);
    const fresh = memory.join(fetched.series, date, feature);
    const pairs = memory.pairs;
    const notes: string[] = [];
    if (pairs.length === 0) notes.push(journal.latest('predict', date) ? 'no prediction has met its realised value yet' : 'first cycle: no prediction to compare yet (reports start from the second cycle)');
    const pooled = pairMetrics(pairs, task);
    const bySymbol: Record<string, MetricValues> = {};
    for (const sym of ctx.team.symbols) bySymbol[sym] = pairMetrics(memory.pairsOf(sym), task);

    const deg = ctx.team.lifecycle.retrain.on_degradation;
    let live: number | null = null;
    if (deg) {
      const dates = memory.pairDates.slice(-deg.window_trading_days);
      if (dates.length >= deg.window_trading_days) live = pairMetrics(memory.pairsFrom(dates[0] as string), task).directional_accuracy ?? null;
    }

    // Drift: the champion's training window against the last N days, every feature plus the target.
    let drift: MonitoringDay['drift'] = null;
    const card = model.version ? await cardOf(ctx, cards, model.version) : null;
    const driftEvery = ctx.options.driftEveryTradingDays;
    const driftDue = driftEvery <= 1 || journal.datesWith('monitor').length % driftEvery === 0;
    const curDates = lastDates(rows, mon.current_window_trading_days);
    const curFrom = curDates[0] ?? date;
    const served = new Map(memory.predictionsFrom(curFrom).map((p) => [rowKey(p), p.value]));
    const current = featureTable(rowsFrom(rows, curFrom), plan.columns, true, model.model ? served : undefined);
    let reference: ReferenceWindow['table'] = {};
    if (card) {
      const ref = memory.reference(card, plan.columns, rows, mon.reference_window_trading_days);
      // The champion's predictions on its own reference window, so prediction drift compares like with like (once per champion).
      if (driftDue && model.model && !ref.predictions) ref.predictions = predictWindow(model.model, plan.columns, rows, ref.from, card.train_to).map((p) => [rowKey(p), p.value] as const);
      reference = driftDue && model.model && ref.predictions ? ref.withPredictions() : ref.table;
      if (driftDue) {
        const report = datasetDrift(reference, current, { overrides: mon.overrides, shareThreshold: mon.drift_share, emptyColumns: 'skip' });
        drift = { ...report, reference_rows: reference[plan.columns[0] as string]?.length ?? 0, current_rows: current[plan.columns[0] as string]?.length ?? 0, reference: `${card.version} training window, last ${mon.reference_window_trading_days} days: ${ref.from}..${card.train_to}`, current: `${curFrom}..${date}` };
      } else notes.push(`drift computed every ${driftEvery} trading days in a season or competition`);
    } else notes.push('no champion: drift needs its training window as the reference');
    const currentBars = new Map([...fetched.series].map(([s, ser]) => [s, barsFrom(ser.bars, curFrom)]));
    const day: MonitoringDay = {
      team: ctx.team.team,
      date,
      model_version: model.version,
      task,
      comparisons: pairs.length,
      notes,
      metrics: { pooled, by_symbol: bySymbol },
      confusion:
        task === 'classification' && pairs.length
          ? (({ tp, fp, tn, fn }) => ({ tp, fp, tn, fn }))(classificationMetrics(pairs.map((p) => p.actual), pairs.map((p) => p.predicted)))
          : null,
      drift,
      data_quality: { findings: fetched.findings, ...qualitySummary(reference, current, currentBars) },
      pairs: fresh.pairs.map((p) => ({ date: p.date, symbol: p.symbol, predicted: p.predicted, actual: p.actual, truth_date: p.truthDate })),
      rolling: { window: mon.rolling_window_trading_days, ...memory.rollingSince(fresh.rollingFrom) },
    };
    await reports.monitoring(day);
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
