import type { TrainingReportData } from './types.ts';
import { chartDiv, escapeHtml, fmtNum, page, table, type ChartSpec } from './html.ts';

export function renderTraining(d: TrainingReportData): string {
  const columns: [string, Record<string, number | null>][] = [['candidate', d.metrics], ...Object.entries(d.baselines).map(([k, v]) => [`baseline: ${k}`, v] as [string, Record<string, number | null>])];
  if (d.champion_metrics) columns.push(['champion', d.champion_metrics]);
  const names = [...new Set(columns.flatMap(([, m]) => Object.keys(m)))];
  const metrics = table(['metric', ...columns.map(([k]) => k)], names.map((n) => [n, ...columns.map(([, m]) => fmtNum(m[n] ?? null))]), { numeric: [false, ...columns.map(() => true)] });
  const charts: ChartSpec[] = d.history.length > 1 ? [{ id: 'loss', title: 'Loss per epoch', xLabel: 'epoch', x: d.history.map((h) => h.epoch), series: [{ label: 'loss', values: d.history.map((h) => h.loss) }, { label: 'val_loss', values: d.history.map((h) => h.val_loss) }] }] : [];
  const gate = d.gate.reasons.map((r) => `<li class="${r.startsWith('FAIL') ? 'fail' : 'ok'}">${escapeHtml(r)}</li>`).join('');
  return page({
    title: `${d.team} model ${d.version}`,
    charts,
    body: `<h1>Model ${escapeHtml(d.version)} (${escapeHtml(d.team)})</h1>
<p class="sub">trained for ${escapeHtml(d.trained_for)} on ${escapeHtml(d.train_from)} – ${escapeHtml(d.train_to)}; tested walk-forward on ${escapeHtml(d.test_from ?? '—')} – ${escapeHtml(d.test_to ?? '—')} · backend ${escapeHtml(d.backend)} · why: ${escapeHtml(d.reason)} · <a href="../../index.html">all reports</a></p>
<h2>Gate: <span class="badge ${d.gate.passed ? 'ok' : 'fail'}">${d.gate.passed ? 'passed' : 'failed'}</span> → status ${escapeHtml(d.status)}</h2><ul>${gate}</ul>
<h2>Candidate vs baselines vs champion (test window)</h2>${metrics}
${charts.map(chartDiv).join('\n')}
${d.history.length ? table(['epoch', 'loss', 'val_loss'], d.history.map((h) => [h.epoch, fmtNum(h.loss), fmtNum(h.val_loss)]), { numeric: [true, true, true] }) : ''}
<h2>Features (${d.feature_columns.length})</h2><p>${escapeHtml(d.feature_columns.join(', '))}</p>
${d.trials.length ? `<h2>Hyper-parameter trials</h2>${table(['trial', 'params', 'score'], d.trials.map((t) => [t.trial, JSON.stringify(t.params), fmtNum(t.score)]), { numeric: [true, false, true] })}` : ''}
`,
  });
}
