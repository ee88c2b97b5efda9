import path from 'node:path';
import type { ModelCard } from '../models/registry.ts';
import type { TrainingReportData } from './types.ts';
import { chartDiv, fmtNum, html, joinHtml, link, notesList, page, raw, table, type ChartSpec, type SafeHtml } from './html.ts';
import { writeReport } from './write.ts';

/** One hyper-parameter trial; rung/epochs/run_id are present when the model step ran the search. */
export type TrainingTrial = TrainingReportData['trials'][number] & { rung?: number; epochs?: number; run_id?: string | null };

export interface ImportanceData {
  metric: 'mae' | 'accuracy';
  baseline: number | null;
  repeats: number;
  rows: number;
  features: { feature: string; mean: number; std: number; directional_accuracy_drop: number | null }[];
  notes: string[];
}

/** The training report's data (also its JSON): the shared shape plus search and importance. */
export interface TrainingReport extends Omit<TrainingReportData, 'trials'> {
  trials: TrainingTrial[];
  search?: { metric: string; best_trial: number; validation_from: string; validation_to: string } | null;
  importance?: ImportanceData | null;
}

/** Everything the report shows comes from the immutable model card (and the version's status). */
export function trainingReportData(card: ModelCard, status: string): TrainingReport {
  return {
    team: card.team,
    version: card.version,
    trained_for: card.trained_for,
    status,
    reason: card.reason,
    backend: card.backend,
    ...(card.backend_rule ? { backend_rule: card.backend_rule } : {}),
    train_from: card.train_from,
    train_to: card.train_to,
    test_from: card.test_from,
    test_to: card.test_to,
    feature_columns: card.feature_columns,
    metrics: card.metrics,
    baselines: card.baselines,
    champion_metrics: card.champion_metrics,
    gate: card.gate,
    history: card.training.history,
    trials: (card.search?.trials ?? []).map((t) => ({ trial: t.trial, params: t.params, score: t.score, rung: t.rung, epochs: t.epochs, run_id: t.run_id })),
    search: card.search ? { metric: card.search.metric, best_trial: card.search.best_trial, validation_from: card.search.validation_from, validation_to: card.search.validation_to } : null,
    importance: card.importance ?? null,
  };
}

/** `<reportDir>/training/<version>.html` and `.json`. */
export async function writeTrainingReport(reportDir: string, card: ModelCard, status: string): Promise<void> {
  const data = trainingReportData(card, status);
  await writeReport(path.join(reportDir, 'training', `${card.version}.html`), renderTraining(data), data);
}

/**
 * A static SVG bar chart: one bar per feature (sorted), a whisker for ± one standard deviation.
 * SVG rather than uPlot because the axis is categorical (feature names); it stays light and offline.
 */
export function importanceSvg(imp: ImportanceData, maxBars = 30): SafeHtml {
  const feats = imp.features.slice(0, maxBars);
  if (feats.length === 0) return html``;
  const rowH = 18;
  const labelW = 170;
  const plotW = 520;
  const h = feats.length * rowH + 28;
  const hi = Math.max(...feats.map((f) => f.mean + f.std), 0);
  const lo = Math.min(...feats.map((f) => f.mean - f.std), 0);
  const span = hi - lo || 1;
  const X = (v: number) => (labelW + ((v - lo) / span) * plotW).toFixed(1);
  const bars = feats.map((f, i) => {
    const y = i * rowH + 4;
    const w = Math.abs(Number(X(f.mean)) - Number(X(0))).toFixed(1);
    return html`<text x="${labelW - 6}" y="${y + 12}" text-anchor="end">${f.feature}</text><rect x="${X(Math.min(0, f.mean))}" y="${y + 2}" width="${w}" height="${rowH - 6}" fill="${f.mean >= 0 ? '#2463eb' : '#c0392b'}"><title>${`${f.feature}: ${fmtNum(f.mean)} ± ${fmtNum(f.std)}`}</title></rect><line x1="${X(f.mean - f.std)}" x2="${X(f.mean + f.std)}" y1="${y + rowH / 2}" y2="${y + rowH / 2}" stroke="#1d2733"/>`;
  });
  const axisY = feats.length * rowH + 6;
  return html`<svg role="img" aria-label="permutation importance" width="${labelW + plotW + 20}" height="${h}" font-size="11" font-family="system-ui,sans-serif">${bars}<line x1="${X(0)}" x2="${X(0)}" y1="0" y2="${axisY}" stroke="#7f8c8d"/><text x="${labelW}" y="${axisY + 16}">${fmtNum(lo)}</text><text x="${labelW + plotW}" y="${axisY + 16}" text-anchor="end">${fmtNum(hi)}</text></svg>`;
}

function importanceSection(imp: ImportanceData): SafeHtml {
  const what = imp.metric === 'mae' ? 'increase in MAE' : 'drop in accuracy';
  const regression = imp.metric === 'mae';
  return html`<h2>Permutation feature importance (test window)</h2>
<p class="sub">Each feature shuffled ${imp.repeats}× across ${imp.rows} walk-forward test rows (for an LSTM, across every step of its window); bar = mean ${what} over the unshuffled ${imp.metric} ${fmtNum(imp.baseline)}, whisker = ± 1 sd. Near zero: the model does not rely on it.</p>
<figure class="chart">${importanceSvg(imp)}</figure>
${table(['feature', `${what} (mean)`, 'sd', ...(regression ? ['directional accuracy drop'] : [])], imp.features.map((f) => [f.feature, fmtNum(f.mean), fmtNum(f.std), ...(regression ? [fmtNum(f.directional_accuracy_drop)] : [])]), { numeric: [false, true, true, true] })}
${notesList(imp.notes)}`;
}

function trialsSection(d: Pick<TrainingReport, 'trials' | 'search'>): SafeHtml | '' {
  if (!d.trials.length) return '';
  const rungs = d.trials.some((t) => t.rung !== undefined);
  const best = d.search?.best_trial;
  const head = d.search ? html`<p class="sub">scored by ${d.search.metric} on ${d.search.validation_from} – ${d.search.validation_to}, the end of the training window (never the test window); best: trial ${best}</p>` : '';
  return html`<h2>Hyper-parameter trials</h2>${head}${table(
    ['trial', 'params', 'score', ...(rungs ? ['rung', 'epochs', ''] : [])],
    d.trials.map((t) => [t.trial, JSON.stringify(t.params), fmtNum(t.score), ...(rungs ? [t.rung ?? null, t.epochs ?? null, t.trial === best && t.rung === Math.max(...d.trials.map((x) => x.rung ?? 0)) ? 'best' : ''] : [])]),
    { numeric: [true, false, true, true, true, false] },
  )}`;
}

/** The gate as a table of its checks (value against threshold); older cards without checks list their sentences. */
function gateSection(gate: TrainingReportData['gate']): SafeHtml {
  const checks = gate.checks;
  if (!checks?.length) return html`<ul>${gate.reasons.map((r) => html`<li>${r}</li>`)}</ul>`;
  return table(
    ['check', 'value', 'threshold', 'result', 'why'],
    checks.map((c) => [c.name, fmtNum(c.value), fmtNum(c.threshold), c.passed ? raw('<span class="ok">pass</span>') : raw('<span class="fail">FAIL</span>'), c.message]),
    { numeric: [false, true, true, false, false], className: 'gate' },
  );
}

export function renderTraining(d: TrainingReportData | TrainingReport): string {
  const columns: [string, Record<string, number | null>][] = [['candidate', d.metrics], ...Object.entries(d.baselines).map(([k, v]) => [`baseline: ${k}`, v] as [string, Record<string, number | null>])];
  if (d.champion_metrics) columns.push(['champion', d.champion_metrics]);
  const names = [...new Set(columns.flatMap(([, m]) => Object.keys(m)))];
  const metrics = table(['metric', ...columns.map(([k]) => k)], names.map((n) => [n, ...columns.map(([, m]) => fmtNum(m[n] ?? null))]), { numeric: [false, ...columns.map(() => true)] });
  const charts: ChartSpec[] = d.history.length > 1 ? [{ id: 'loss', title: 'Loss per epoch', xLabel: 'epoch', x: d.history.map((h) => h.epoch), series: [{ label: 'loss', values: d.history.map((h) => h.loss) }, { label: 'val_loss', values: d.history.map((h) => h.val_loss) }] }] : [];
  const importance = 'importance' in d && d.importance ? importanceSection(d.importance) : '';
  return page({
    title: `${d.team} model ${d.version}`,
    charts,
    body: html`<h1>Model ${d.version} (${d.team})</h1>
<p class="sub">trained for ${d.trained_for} on ${d.train_from} – ${d.train_to}; tested walk-forward on ${d.test_from ?? '—'} – ${d.test_to ?? '—'} · backend ${d.backend}${d.backend_rule ? ` (${d.backend_rule})` : ''} · why: ${d.reason} · ${link('../../index.html', 'all reports')}</p>
<h2>Gate: <span class="badge ${d.gate.passed ? 'ok' : 'fail'}">${d.gate.passed ? 'passed' : 'failed'}</span> → status ${d.status}</h2>${gateSection(d.gate)}
<h2>Candidate vs baselines vs champion (test window)</h2>${metrics}
${joinHtml(charts.map(chartDiv), '\n')}
${d.history.length ? table(['epoch', 'loss', 'val_loss'], d.history.map((h) => [h.epoch, fmtNum(h.loss), fmtNum(h.val_loss)]), { numeric: [true, true, true] }) : ''}
${importance}
<h2>Features (${d.feature_columns.length})</h2><p>${d.feature_columns.join(', ')}</p>
${trialsSection({ trials: d.trials, search: 'search' in d ? d.search : null })}
`,
  });
}
