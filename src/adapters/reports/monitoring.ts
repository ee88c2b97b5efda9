import type { MetricValues, MonitoringReportData } from './types.ts';
import { chartDiv, fmtNum, fmtPct, html, joinHtml, link, notesList, page, raw, table, type ChartSpec, type SafeHtml } from './html.ts';

const YES = raw('<span class="fail">yes</span>');
const NO = raw('<span class="ok">no</span>');

function metricsTable(rows: Record<string, MetricValues>, firstHeader: string): SafeHtml {
  const names = [...new Set(Object.values(rows).flatMap((m) => Object.keys(m)))];
  if (!names.length) return html`<p class="sub">No metrics yet.</p>`;
  return table([firstHeader, ...names], Object.entries(rows).map(([k, m]) => [k, ...names.map((n) => fmtNum(m[n] ?? null))]), { numeric: [false, ...names.map(() => true)] });
}

function driftSection(d: MonitoringReportData): SafeHtml {
  if (!d.drift) return html`<p class="sub">Not computed yet (needs a champion and enough current rows).</p>`;
  const dr = d.drift;
  const verdict = dr.dataset_drift ? html`<span class="badge fail">dataset drift</span>` : html`<span class="badge ok">no dataset drift</span>`;
  const cols = Object.entries(dr.columns).sort(([, a], [, b]) => Number(b.drift) - Number(a.drift));
  return html`<p>${verdict} ${dr.number_of_drifted_columns} of ${dr.number_of_columns} columns drifted (share ${fmtNum(dr.drift_share, 3)}, threshold ${fmtNum(dr.share_threshold, 3)}).
Reference: ${dr.reference} (${dr.reference_rows} rows); current: ${dr.current} (${dr.current_rows} rows).</p>
${table(['column', 'type', 'stattest', 'score', 'threshold', 'drifted'], cols.map(([name, c]) => [name, c.type, c.test, fmtNum(c.score), fmtNum(c.threshold), c.drift ? YES : NO]), { numeric: [false, false, false, true, true, false] })}
${dr.skipped_columns?.length ? html`<p class="sub">Skipped (no usable values): ${dr.skipped_columns.join(', ')}</p>` : ''}
${dr.text_columns?.length ? html`<p class="warn">Text columns, not tested and not counted in the share: ${dr.text_columns.join(', ')}</p>` : ''}
<p class="sub legend">${DRIFT_LEGEND}</p>`;
}

/** How the drift table is made, and the one way it departs from Evidently's DataDriftPreset defaults. */
export const DRIFT_LEGEND =
  'Column types and tests follow Evidently 0.7’s defaults: the type is inferred on the current window (integers with at most 10 distinct values and no missing cell are categorical, other numbers numerical; strings categorical, or text when more than half of them are distinct); ' +
  'reference ≤ 1000 rows: K-S (numerical, > 5 values), chi-square (3–5 values or categorical > 2), Z-test (≤ 2 values); larger references: Wasserstein (numerical, > 5 values) or Jensen-Shannon. ' +
  'p-value tests drift below 0.05 (K-S at or below), distances at or above 0.1; the dataset drifts when the drifted share reaches the threshold. ' +
  'Difference from Evidently: a text column gets Evidently’s text-content test there (a TF-IDF domain classifier); here it is listed and left out of the share.';

function qualitySection(q: MonitoringReportData['data_quality']): SafeHtml {
  const counts = (title: string, m: Record<string, number>, header: string): SafeHtml => {
    const rows = Object.entries(m).filter(([, n]) => n > 0);
    return rows.length ? html`<h3>${title}</h3>${table(['column', header], rows, { numeric: [false, true] })}` : html`<p class="ok">${title}: none.</p>`;
  };
  const cats = Object.entries(q.new_categories).filter(([, v]) => v.length);
  return joinHtml(
    [
      q.findings.length
        ? html`<h3>Findings (${q.findings.length})</h3>${table(['symbol', 'severity', 'code', 'date', 'message'], q.findings.map((f) => [f.symbol, html`<span class="${f.severity === 'error' ? 'fail' : f.severity === 'warn' ? 'warn' : 'sub'}">${f.severity}</span>`, f.code, f.date ?? null, f.message]))}`
        : html`<p class="ok">No data-quality findings.</p>`,
      counts('Missing values in the current window', q.missing, 'missing'),
      q.constant_columns.length ? html`<p class="warn">Constant columns: ${q.constant_columns.join(', ')}</p>` : html`<p class="ok">Constant columns: none.</p>`,
      counts('Values outside the reference range', q.out_of_range, 'values'),
      cats.length ? html`<h3>New categories</h3>${table(['column', 'values'], cats.map(([c, v]) => [c, v.join(', ')]))}` : html`<p class="ok">New categories: none.</p>`,
    ],
    '\n',
  );
}

export function renderMonitoring(d: MonitoringReportData): string {
  const charts: ChartSpec[] = [];
  const rolling = d.metrics.rolling;
  if (rolling.dates.length > 1) {
    charts.push({ id: 'rolling', title: `Rolling metrics (${rolling.window} trading days)`, x: rolling.dates, series: Object.entries(rolling.series).map(([label, values]) => ({ label, values })), yScales: 'separate' });
  }
  // Pairs of one date are averaged per date so the chart has one point per day.
  const byDate = new Map<string, { p: number; a: number; n: number }>();
  for (const p of d.pairs) {
    const e = byDate.get(p.date) ?? { p: 0, a: 0, n: 0 };
    e.p += p.predicted;
    e.a += p.actual;
    e.n++;
    byDate.set(p.date, e);
  }
  const dates = [...byDate.keys()].sort();
  if (dates.length > 1) {
    charts.push({
      id: 'pairs',
      title: d.task === 'regression' ? 'Predicted vs actual next-day return (mean over symbols)' : 'Predicted P(up) vs actual direction (mean over symbols)',
      x: dates,
      series: [
        { label: 'predicted', values: dates.map((t) => { const e = byDate.get(t) as { p: number; n: number }; return e.p / e.n; }) },
        { label: 'actual', values: dates.map((t) => { const e = byDate.get(t) as { a: number; n: number }; return e.a / e.n; }) },
      ],
      yFormat: d.task === 'regression' ? 'percent' : 'number',
    });
  }
  const c = d.confusion;
  const confusion = c ? html`<h2>Confusion matrix</h2>${table(['', 'predicted up', 'predicted down'], [['actual up', c.tp, c.fn], ['actual down', c.fp, c.tn]], { numeric: [false, true, true] })}` : '';
  const last = d.pairs.slice(-20).reverse();
  const fmtValue = d.task === 'regression' ? (x: number) => fmtPct(x, 3) : (x: number) => fmtNum(x);
  return page({
    title: `${d.team} monitoring ${d.date}`,
    charts,
    body: html`<h1>Monitoring: ${d.team}, ${d.date}</h1>
<p class="sub">model ${d.model_version ?? 'none'} · ${d.task} · ${d.comparisons} prediction/truth pairs so far · ${link('../trading.html', 'trading report')} · ${link('../../index.html', 'all reports')}</p>
${notesList(d.notes)}
<h2>Pooled metrics (all pairs so far)</h2>${Object.keys(d.metrics.pooled).length ? table(['metric', 'value'], Object.entries(d.metrics.pooled).map(([k, v]) => [k, fmtNum(v)]), { numeric: [false, true] }) : html`<p class="sub">No metrics yet.</p>`}
<h2>Metrics per symbol</h2>${metricsTable(d.metrics.by_symbol, 'symbol')}
${joinHtml(charts.map(chartDiv), '\n')}
${confusion}
<h2>Drift: champion's training window vs the last days</h2>${driftSection(d)}
<h2>Data quality</h2>${qualitySection(d.data_quality)}
<h2>Latest predictions vs truth</h2>${last.length ? table(['date', 'symbol', 'predicted', 'actual'], last.map((p) => [p.date, p.symbol, fmtValue(p.predicted), fmtValue(p.actual)]), { numeric: [false, false, true, true] }) : html`<p class="sub">None yet.</p>`}`,
  });
}
