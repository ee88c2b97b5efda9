/**
 * A team's monitoring page, `reports/<team>/monitoring.html`: every monitored day in one file. The
 * season's charts (rolling metrics, predicted vs actual, drift share) are drawn from the whole
 * history; a day selector (and the URL's `#YYYY-MM-DD` anchor, which the trading report's
 * "prediction" links and the index use) shows one day's tables: metrics pooled and per symbol, the
 * confusion matrix, the drift table, data quality and the latest predictions against their truth,
 * exactly as they stood that day. The days travel once, compactly, as JSON in the page (and beside it
 * as monitoring.json); the day view is built in the browser with every value escaped.
 */
import type { Finding } from '../../domain/market/quality.ts';
import type { MetricValues, MonitoringDay, MonitoringPageData, MonitoringPageDay } from './types.ts';
import { chartDiv, html, joinHtml, link, page, raw, scriptJson, type ChartSpec } from './html.ts';

/** 6 significant digits: what the page shows (4) and a little more for tools reading the JSON. */
const round = (x: number): number => (Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(6)) : x);
const roundOrNull = (x: number | null | undefined): number | null => (x === null || x === undefined ? null : round(x));

/** Index of `key` in `list`, adding it when new (a dictionary kept in first-seen order). */
function indexer<T>(list: T[], keyOf: (x: T) => string): (x: T) => number {
  const at = new Map(list.map((x, i) => [keyOf(x), i]));
  return (x) => {
    const k = keyOf(x);
    let i = at.get(k);
    if (i === undefined) {
      i = list.length;
      list.push(x);
      at.set(k, i);
    }
    return i;
  };
}

/**
 * The page's data from the days a team's monitor wrote (in any order, a day written twice: the last
 * copy wins). Pairs are kept once per prediction date and symbol, rolling points once per date.
 */
export function monitoringPageData(days: readonly MonitoringDay[], generatedAt: string): MonitoringPageData {
  const byDate = new Map<string, MonitoringDay>();
  for (const d of days) byDate.set(d.date, d);
  const dates = [...byDate.keys()].sort();
  const last = byDate.get(dates[dates.length - 1] ?? '');
  const data: MonitoringPageData = {
    team: last?.team ?? '',
    task: last?.task ?? 'regression',
    generated_at: generatedAt,
    dates,
    symbols: [],
    metrics: [],
    drift_columns: [],
    drift_tests: [],
    findings: [],
    days: [],
    pairs: [],
    rolling: { window: last?.rolling.window ?? 0, dates: [], series: {} },
  };
  const symbol = indexer(data.symbols, (s) => s);
  const column = indexer(data.drift_columns, (s) => s);
  const test = indexer(data.drift_tests, (t) => t.join('|'));
  const finding = indexer(data.findings, (f: Finding) => JSON.stringify([f.symbol, f.code, f.severity, f.date ?? null, f.message]));
  for (const d of byDate.values()) for (const m of [d.metrics.pooled, ...Object.values(d.metrics.by_symbol)]) for (const k of Object.keys(m)) if (!data.metrics.includes(k)) data.metrics.push(k);
  const metricArray = (m: MetricValues) => data.metrics.map((k) => roundOrNull(m[k]));
  const pairs = new Map<string, { p: MonitoringDay['pairs'][number]; order: number }>();
  const rolling = new Map<string, (number | null)[]>();
  let names: string[] = [];
  let order = 0;
  for (const date of dates) {
    const d = byDate.get(date) as MonitoringDay;
    for (const p of d.pairs) {
      const key = `${p.date}|${p.symbol}`;
      pairs.set(key, { p, order: pairs.get(key)?.order ?? order++ });
    }
    if (d.rolling.points.length) names = d.rolling.names;
    for (const pt of d.rolling.points) rolling.set(pt.date, pt.values);
    const dr = d.drift;
    const day: MonitoringPageDay = {
      model_version: d.model_version,
      comparisons: d.comparisons,
      notes: d.notes,
      pooled: metricArray(d.metrics.pooled),
      by_symbol: Object.entries(d.metrics.by_symbol).map(([s, m]) => [symbol(s), metricArray(m)]),
      confusion: d.confusion,
      drift: dr
        ? {
            dataset_drift: dr.dataset_drift,
            drift_share: round(dr.drift_share),
            share_threshold: dr.share_threshold,
            number_of_columns: dr.number_of_columns,
            number_of_drifted_columns: dr.number_of_drifted_columns,
            reference_rows: dr.reference_rows,
            current_rows: dr.current_rows,
            reference: dr.reference,
            current: dr.current,
            ...(dr.skipped_columns?.length ? { skipped_columns: dr.skipped_columns } : {}),
            columns: Object.entries(dr.columns).map(([name, c]) => [column(name), test([c.type, c.test, c.threshold]), round(c.score), c.drift ? 1 : 0]),
          }
        : null,
      quality: {
        findings: d.data_quality.findings.map(finding),
        missing: d.data_quality.missing,
        constant_columns: d.data_quality.constant_columns,
        out_of_range: d.data_quality.out_of_range,
        new_categories: d.data_quality.new_categories,
      },
    };
    data.days.push(day);
  }
  // Prediction order: by prediction date, then as the monitor joined them (symbol order of the day's predictions).
  data.pairs = [...pairs.values()]
    .sort((a, b) => (a.p.date < b.p.date ? -1 : a.p.date > b.p.date ? 1 : a.order - b.order))
    .map(({ p }) => [p.date, symbol(p.symbol), round(p.predicted), round(p.actual), p.truth_date]);
  const rdates = [...rolling.keys()].sort();
  data.rolling.dates = rdates;
  data.rolling.series = Object.fromEntries(names.map((n, i) => [n, rdates.map((t) => roundOrNull(rolling.get(t)?.[i]))]));
  return data;
}

/** One day of a page's data with its names put back (what the day view shows), or null when the page has no such day. */
export function pageDay(d: MonitoringPageData, date: string): {
  date: string;
  model_version: string | null;
  comparisons: number;
  notes: string[];
  pooled: MetricValues;
  by_symbol: Record<string, MetricValues>;
  drift: (Omit<NonNullable<MonitoringPageDay['drift']>, 'columns'> & { columns: Record<string, { type: string; test: string; score: number; threshold: number; drift: boolean }> }) | null;
  findings: Finding[];
  pairs: { date: string; symbol: string; predicted: number; actual: number }[];
} | null {
  const i = d.dates.indexOf(date);
  const day = d.days[i];
  if (!day) return null;
  const metrics = (values: readonly (number | null)[]): MetricValues => Object.fromEntries(d.metrics.flatMap((k, j) => (values[j] === null || values[j] === undefined ? [] : [[k, values[j]]])));
  return {
    date,
    model_version: day.model_version,
    comparisons: day.comparisons,
    notes: day.notes,
    pooled: metrics(day.pooled),
    by_symbol: Object.fromEntries(day.by_symbol.map(([s, m]) => [d.symbols[s] as string, metrics(m)])),
    drift: day.drift
      ? {
          ...day.drift,
          columns: Object.fromEntries(day.drift.columns.map(([c, t, score, drift]) => { const [type, test, threshold] = d.drift_tests[t] as [string, string, number]; return [d.drift_columns[c] as string, { type, test, score, threshold, drift: drift === 1 }]; })),
        }
      : null,
    findings: day.quality.findings.map((k) => d.findings[k] as Finding),
    pairs: d.pairs.filter((p) => p[4] <= date).map(([pd, s, predicted, actual]) => ({ date: pd, symbol: d.symbols[s] as string, predicted, actual })),
  };
}

function seasonCharts(d: MonitoringPageData): ChartSpec[] {
  const charts: ChartSpec[] = [];
  if (d.rolling.dates.length > 1) {
    charts.push({ id: 'rolling', title: `Rolling metrics (${d.rolling.window} trading days)`, x: d.rolling.dates, series: Object.entries(d.rolling.series).map(([label, values]) => ({ label, values })), yScales: 'separate' });
  }
  // Pairs of one date are averaged per date so the chart has one point per day.
  const byDate = new Map<string, { p: number; a: number; n: number }>();
  for (const [date, , p, a] of d.pairs) {
    const e = byDate.get(date) ?? { p: 0, a: 0, n: 0 };
    e.p += p;
    e.a += a;
    e.n++;
    byDate.set(date, e);
  }
  const dates = [...byDate.keys()].sort();
  if (dates.length > 1) {
    const mean = (k: 'p' | 'a') => dates.map((t) => { const e = byDate.get(t) as { p: number; a: number; n: number }; return e[k] / e.n; });
    charts.push({
      id: 'pairs',
      title: d.task === 'regression' ? 'Predicted vs actual next-day return (mean over symbols)' : 'Predicted P(up) vs actual direction (mean over symbols)',
      x: dates,
      series: [{ label: 'predicted', values: mean('p') }, { label: 'actual', values: mean('a') }],
      yFormat: d.task === 'regression' ? 'percent' : 'number',
    });
  }
  const driftDays = d.dates.filter((_, i) => d.days[i]?.drift);
  if (driftDays.length > 1) {
    const share = d.dates.flatMap((_, i) => (d.days[i]?.drift ? [d.days[i]?.drift?.drift_share ?? null] : []));
    const threshold = d.dates.flatMap((_, i) => (d.days[i]?.drift ? [d.days[i]?.drift?.share_threshold ?? null] : []));
    charts.push({ id: 'drift', title: 'Share of drifted columns (dataset drift at the threshold)', x: driftDays, series: [{ label: 'drift share', values: share }, { label: 'threshold', values: threshold }] });
  }
  return charts;
}

/** How the drift table is made (Evidently's DataDriftPreset defaults). */
export const DRIFT_LEGEND =
  'Column types and tests follow Evidently 0.7’s defaults: the type is inferred on the current window (integers with at most 10 distinct values and no missing cell are categorical, other numbers numerical; strings categorical, or text when more than half of them are distinct); ' +
  'reference ≤ 1000 rows: K-S (numerical, > 5 values), chi-square (3–5 values or categorical > 2), Z-test (≤ 2 values); larger references: Wasserstein (numerical, > 5 values) or Jensen-Shannon. ' +
  'p-value tests drift below 0.05 (K-S at or below), distances at or above 0.1; the dataset drifts when the drifted share reaches the threshold. ' +
  'A text column gets the text-content test: a TF-IDF classifier learns to tell current texts from reference texts, and its ROC AUC on held-out texts is the score; it drifts above 0.55 (references over 1000 rows) or above the 95th percentile of random classifiers’ AUCs.';

// Draws the selected day from the page's JSON; runs in the browser (no network, no modules). Every
// value from the data goes through esc() before it is put into HTML.
const DAY_SCRIPT = `
(function(){
  var D = JSON.parse(document.getElementById('monitoring-data').textContent);
  var view = document.getElementById('day-view'), sel = document.getElementById('day');
  function esc(s){ return String(s).replace(/&/g,'&amp;').replace(/</g,'&lt;').replace(/>/g,'&gt;').replace(/"/g,'&quot;').replace(/'/g,'&#39;'); }
  function num(x, d){ d = d || 4; if (x == null || !isFinite(x)) return '—';
    if (Math.abs(x) >= 1000) return x.toLocaleString('en-US', { maximumFractionDigits: 2 });
    if (x !== 0 && Math.abs(x) < 1e-4) return x.toExponential(Math.max(0, d - 2));
    return String(Number(x.toPrecision(d))); }
  function pct(x, d){ if (x == null || !isFinite(x)) return '—'; var s = (x * 100).toFixed(d == null ? 2 : d); return (/^-0(\\.0*)?$/.test(s) ? s.slice(1) : s) + '%'; }
  function table(head, rows, numeric){ numeric = numeric || [];
    var c = function(i){ return numeric[i] ? ' class="num"' : ''; };
    return '<table><thead><tr>' + head.map(function(h, i){ return '<th' + c(i) + '>' + esc(h) + '</th>'; }).join('') + '</tr></thead><tbody>' +
      rows.map(function(r){ return '<tr>' + r.map(function(v, i){ return '<td' + c(i) + '>' + (v && v.html != null ? v.html : esc(v == null ? '—' : v)) + '</td>'; }).join('') + '</tr>'; }).join('') + '</tbody></table>'; }
  function counts(title, m, header){ var rows = Object.keys(m).filter(function(k){ return m[k] > 0; }).map(function(k){ return [k, m[k]]; });
    return rows.length ? '<h3>' + esc(title) + '</h3>' + table(['column', header], rows, [false, true]) : '<p class="ok">' + esc(title) + ': none.</p>'; }
  function render(i){
    var day = D.days[i], date = D.dates[i], h = [];
    h.push('<h2 id="day-title">Day ' + esc(date) + '</h2><p class="sub">model ' + esc(day.model_version || 'none') + ' · ' + esc(D.task) + ' · ' + day.comparisons + ' prediction/truth pairs so far</p>');
    if (day.notes.length) h.push('<ul class="notes">' + day.notes.map(function(n){ return '<li>' + esc(n) + '</li>'; }).join('') + '</ul>');
    var pooled = D.metrics.map(function(k, j){ return [k, day.pooled[j]]; }).filter(function(r){ return r[1] !== null; });
    h.push('<h3>Pooled metrics (all pairs so far)</h3>' + (pooled.length ? table(['metric', 'value'], pooled.map(function(r){ return [r[0], num(r[1])]; }), [false, true]) : '<p class="sub">No metrics yet.</p>'));
    var used = D.metrics.filter(function(k, j){ return day.by_symbol.some(function(s){ return s[1][j] !== null; }); });
    h.push('<h3>Metrics per symbol</h3>' + (used.length ? table(['symbol'].concat(used), day.by_symbol.map(function(s){ return [D.symbols[s[0]]].concat(used.map(function(k){ return num(s[1][D.metrics.indexOf(k)]); })); }), [false].concat(used.map(function(){ return true; }))) : '<p class="sub">No metrics yet.</p>'));
    if (day.confusion) { var c = day.confusion; h.push('<h3>Confusion matrix</h3>' + table(['', 'predicted up', 'predicted down'], [['actual up', c.tp, c.fn], ['actual down', c.fp, c.tn]], [false, true, true])); }
    h.push('<h3>Drift: champion\\'s training window vs the last days</h3>');
    var dr = day.drift;
    if (!dr) h.push('<p class="sub">Not computed this day (needs a champion and enough current rows; a season may compute it every N days).</p>');
    else {
      h.push('<p>' + (dr.dataset_drift ? '<span class="badge fail">dataset drift</span>' : '<span class="badge ok">no dataset drift</span>') + ' ' + dr.number_of_drifted_columns + ' of ' + dr.number_of_columns +
        ' columns drifted (share ' + num(dr.drift_share, 3) + ', threshold ' + num(dr.share_threshold, 3) + '). Reference: ' + esc(dr.reference) + ' (' + dr.reference_rows + ' rows); current: ' + esc(dr.current) + ' (' + dr.current_rows + ' rows).</p>');
      var cols = dr.columns.slice().sort(function(a, b){ return b[3] - a[3]; });
      h.push('<div id="drift-table">' + table(['column', 'type', 'stattest', 'score', 'threshold', 'drifted'], cols.map(function(r){ var t = D.drift_tests[r[1]];
        return [D.drift_columns[r[0]], t[0], t[1], num(r[2]), num(t[2]), { html: r[3] ? '<span class="fail">yes</span>' : '<span class="ok">no</span>' }]; }), [false, false, false, true, true, false]) + '</div>');
      if (dr.skipped_columns && dr.skipped_columns.length) h.push('<p class="sub">Skipped (no usable values): ' + esc(dr.skipped_columns.join(', ')) + '</p>');
    }
    var q = day.quality, f = q.findings.map(function(k){ return D.findings[k]; });
    h.push('<h3>Data quality</h3>' + (f.length ? '<h3>Findings (' + f.length + ')</h3>' + table(['symbol', 'severity', 'code', 'date', 'message'], f.map(function(x){
      return [x.symbol, { html: '<span class="' + (x.severity === 'error' ? 'fail' : x.severity === 'warn' ? 'warn' : 'sub') + '">' + esc(x.severity) + '</span>' }, x.code, x.date, x.message]; })) : '<p class="ok">No data-quality findings.</p>'));
    h.push(counts('Missing values in the current window', q.missing, 'missing'));
    h.push(q.constant_columns.length ? '<p class="warn">Constant columns: ' + esc(q.constant_columns.join(', ')) + '</p>' : '<p class="ok">Constant columns: none.</p>');
    h.push(counts('Values outside the reference range', q.out_of_range, 'values'));
    var cats = Object.keys(q.new_categories).filter(function(k){ return q.new_categories[k].length; });
    h.push(cats.length ? '<h3>New categories</h3>' + table(['column', 'values'], cats.map(function(k){ return [k, q.new_categories[k].join(', ')]; })) : '<p class="ok">New categories: none.</p>');
    var known = D.pairs.filter(function(p){ return p[4] <= date; }).slice(-20).reverse();
    var fv = D.task === 'regression' ? function(x){ return pct(x, 3); } : function(x){ return num(x); };
    h.push('<h3>Latest predictions vs truth</h3>' + (known.length ? table(['date', 'symbol', 'predicted', 'actual'], known.map(function(p){ return [p[0], D.symbols[p[1]], fv(p[2]), fv(p[3])]; }), [false, false, true, true]) : '<p class="sub">None yet.</p>'));
    view.innerHTML = h.join('\\n');
  }
  function show(date){ var i = D.dates.indexOf(date); if (i < 0) i = D.dates.length - 1; if (i < 0) return; sel.value = D.dates[i]; render(i); }
  sel.addEventListener('change', function(){ if (location.hash !== '#' + sel.value) location.hash = sel.value; else show(sel.value); });
  document.getElementById('prev').addEventListener('click', function(){ var i = D.dates.indexOf(sel.value); if (i > 0) location.hash = D.dates[i - 1]; });
  document.getElementById('next').addEventListener('click', function(){ var i = D.dates.indexOf(sel.value); if (i >= 0 && i < D.dates.length - 1) location.hash = D.dates[i + 1]; });
  window.addEventListener('hashchange', function(){ show(decodeURIComponent(location.hash.slice(1))); });
  show(decodeURIComponent(location.hash.slice(1)));
})();`;

export function renderMonitoringPage(d: MonitoringPageData): string {
  const charts = seasonCharts(d);
  const first = d.dates[0];
  const last = d.dates[d.dates.length - 1];
  const options = [...d.dates].reverse().map((t) => html`<option value="${t}">${t}</option>`);
  const span = first ? `${d.dates.length} monitored days, ${first} .. ${last as string}` : 'no monitored day yet';
  return page({
    title: `${d.team} monitoring`,
    charts,
    footer: `generated ${d.generated_at}`,
    body: html`<h1>Monitoring: ${d.team}</h1>
<p class="sub">${d.task} · ${span} · ${link('trading.html', 'trading report')} · ${link('../index.html', 'all reports')} · the numbers: ${link('monitoring.json', 'monitoring.json')}</p>
<p><label for="day">Day </label><select id="day">${options}</select> <button type="button" id="prev">◀ earlier</button> <button type="button" id="next">later ▶</button></p>
<div id="day-view"><noscript><p class="sub">The day view needs JavaScript; monitoring.json beside this page holds every day's numbers.</p></noscript></div>
<h2>How drift is tested</h2><p class="sub legend" id="drift-legend">${DRIFT_LEGEND}</p>
${charts.length ? html`<h2>The season so far</h2>\n${joinHtml(charts.map(chartDiv), '\n')}` : ''}
<script type="application/json" id="monitoring-data">${raw(scriptJson(d))}</script>
<script>${raw(DAY_SCRIPT)}</script>`,
  });
}
