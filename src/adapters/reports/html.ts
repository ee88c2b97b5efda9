/**
 * Building blocks of the self-contained HTML reports: the `html` template tag (escaping by default),
 * tables, a page shell with uPlot inlined (no CDN, no network), and chart placeholders whose data
 * travels as JSON in the page.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let uplotAssets: { js: string; css: string } | null = null;

/** uPlot (~50 KB) is read once and inlined in every page that draws a chart. */
function uplot(): { js: string; css: string } {
  uplotAssets ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return uplotAssets;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Markup that is safe to insert as is: built by `html`, or trusted markup passed through `raw`. */
export class SafeHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

/** What a `html` placeholder takes: text and numbers are escaped, SafeHtml goes in as is, lists are joined, nothing/false render empty. */
export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

function renderValue(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.html;
  if (Array.isArray(v)) return (v as readonly HtmlValue[]).map(renderValue).join('');
  return escapeHtml(String(v));
}

/**
 * The template tag every report is written with: each placeholder is escaped unless it is SafeHtml,
 * so forgetting to escape is impossible and opting out (`raw`) is visible. A dozen lines, hence by hand.
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += renderValue(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Joins fragments with a separator (the separator is markup, e.g. ' · ' or '\n'). */
export const joinHtml = (parts: readonly HtmlValue[], separator = ''): SafeHtml => new SafeHtml(parts.map(renderValue).filter((p) => p !== '').join(separator));

/** JSON safe inside a <script> element: `<` cannot open `</script>` or `<!--`. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export const fmtMoney = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x < 0 ? '-' : ''}$${Math.abs(x).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
export const fmtPct = (x: number | null | undefined, digits = 2): string => {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const s = (x * 100).toFixed(digits);
  // A tiny loss rounds to "-0.00": show it as zero.
  return `${/^-0(\.0*)?$/.test(s) ? s.slice(1) : s}%`;
};
export const fmtNum = (x: number | null | undefined, digits = 4): string => {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 1000) return x.toLocaleString('en-US', { maximumFractionDigits: 2 });
  if (x !== 0 && Math.abs(x) < 1e-4) return x.toExponential(Math.max(0, digits - 2));
  return Number(x.toPrecision(digits)).toString();
};

/** Trusted markup, inserted unescaped: the one visible way out of escaping. */
export const raw = (markup: string): SafeHtml => new SafeHtml(markup);
/** A table cell: text and numbers are escaped, SafeHtml (a link, a badge) goes in as is, null shows "—". */
export type Cell = string | number | null | SafeHtml;

export function table(headers: readonly string[], rows: readonly (readonly Cell[])[], opts: { numeric?: readonly boolean[]; className?: string } = {}): SafeHtml {
  const cls = (i: number) => (opts.numeric?.[i] ? raw(' class="num"') : '');
  const head = headers.map((h, i) => html`<th${cls(i)}>${h}</th>`);
  const body = rows.map((r) => html`<tr>${r.map((c, i) => html`<td${cls(i)}>${c ?? '—'}</td>`)}</tr>`);
  return html`<table${opts.className ? html` class="${opts.className}"` : ''}><thead><tr>${head}</tr></thead><tbody>
${joinHtml(body, '\n')}
</tbody></table>`;
}

export interface ChartSpec {
  id: string;
  title: string;
  /** ISO dates (YYYY-MM-DD) for a time axis, or numbers (e.g. epochs), one per point. */
  x: string[] | number[];
  series: { label: string; values: (number | null)[] }[];
  yFormat?: 'money' | 'percent' | 'number';
  /** Name of the x values in the legend (default "date" for dates). */
  xLabel?: string;
  /** `separate`: each series on its own y scale (metrics of different magnitudes); axes for the first two. */
  yScales?: 'shared' | 'separate';
}

const fmtFor = (kind: ChartSpec['yFormat']) => (kind === 'money' ? fmtMoney : kind === 'percent' ? fmtPct : (x: number | null) => fmtNum(x));

/** The key numbers of a chart (first, last, min, max of each series), for readers without JavaScript. */
export function chartSummaryTable(spec: ChartSpec): SafeHtml {
  const fmt = fmtFor(spec.yFormat);
  const first = spec.x[0];
  const last = spec.x[spec.x.length - 1];
  const rows = spec.series.map((s) => {
    const vals = s.values.filter((v): v is number => v !== null && Number.isFinite(v));
    return [s.label, fmt(vals[0] ?? null), fmt(vals[vals.length - 1] ?? null), fmt(vals.length ? vals.reduce((a, b) => Math.min(a, b)) : null), fmt(vals.length ? vals.reduce((a, b) => Math.max(a, b)) : null)];
  });
  const range = first === undefined ? '' : html`<p class="sub">${String(first)} – ${String(last)} (${spec.x.length} points)</p>`;
  return html`${range}${table(['series', 'first', 'last', 'min', 'max'], rows, { numeric: [false, true, true, true, true], className: 'chart-summary' })}`;
}

export function chartDiv(spec: ChartSpec): SafeHtml {
  return html`<figure class="chart"><figcaption>${spec.title}</figcaption><div class="plot" id="${spec.id}" data-chart></div><noscript>${chartSummaryTable(spec)}</noscript></figure>`;
}

/**
 * Only relative links: a report never points off the reports directory or at a `javascript:` URL.
 * Returns the href to put in an `html` attribute (which escapes it), or "#".
 */
export function safeHref(href: string): string {
  // Browsers drop tabs and newlines inside URLs ("java\tscript:"), so test without them.
  // eslint-disable-next-line no-control-regex
  const bare = href.replace(/[\u0000-\u0020]/g, '');
  return /^[a-z][a-z0-9+.-]*:/i.test(bare) || /^[/\\]{2}/.test(bare) ? '#' : href;
}

/** A link to another report (relative, checked by safeHref; text escaped). */
export const link = (href: string, text: string): SafeHtml => html`<a href="${safeHref(href)}">${text}</a>`;

const COLORS = ['#c0392b', '#2463eb', '#7f8c8d', '#16a085', '#8e44ad', '#d35400', '#2c3e50', '#27ae60'];

// Builds each chart from the JSON block; runs in the browser (no network, no modules).
const CHART_SCRIPT = `
(function(){
  var specs = JSON.parse(document.getElementById('chart-data').textContent);
  var colors = ${JSON.stringify(COLORS)};
  // As many decimals as the tick step needs, so neighbouring ticks never read the same.
  function decimals(step){ return step > 0 ? Math.max(0, Math.min(8, Math.ceil(-Math.log10(step) - 1e-9))) : 2; }
  function fmt(kind){ return function(u, v, axis, space, incr){ return v.map(function(x){
    if (x == null) return '';
    if (kind === 'money') return (x < 0 ? '-$' : '$') + Math.abs(x).toLocaleString('en-US', { maximumFractionDigits: decimals(incr) });
    if (kind === 'percent') return (x * 100).toFixed(decimals(incr * 100)) + '%';
    return x.toFixed(decimals(incr)); }); }; }
  specs.forEach(function(s){
    var el = document.getElementById(s.id); if (!el) return;
    var time = typeof s.x[0] === 'string';
    var xs = time ? s.x.map(function(d){ return Date.parse(/^\\d{4}-\\d{2}-\\d{2}$/.test(d) ? d + 'T00:00:00Z' : d) / 1000; }) : s.x;
    var data = [xs].concat(s.series.map(function(x){ return x.values; }));
    var separate = s.yScales === 'separate';
    var series = [{ label: s.xLabel || (time ? 'date' : 'x') }].concat(s.series.map(function(x, i){
      return { label: x.label, stroke: colors[i % colors.length], width: 1.5, spanGaps: true, scale: separate ? 'y' + i : 'y' }; }));
    var yfmt = fmt(s.yFormat || 'number');
    var axes = [{}, separate ? { scale: 'y0', values: yfmt, size: 70, stroke: colors[0] } : { scale: 'y', values: yfmt, size: 70 }];
    if (separate && s.series.length > 1) axes.push({ scale: 'y1', side: 1, values: yfmt, size: 70, grid: { show: false }, stroke: colors[1] });
    var width = Math.max(320, Math.min(el.clientWidth || 900, 1100));
    // Dates are UTC midnights: label them in UTC so a reader west of Greenwich does not see the day before.
    new uPlot({ width: width, height: 300, series: series, scales: { x: { time: time } },
      tzDate: function(ts){ return uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'); },
      axes: axes }, data, el);
  });
})();`;

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1140px;padding:16px 24px;color:#1d2733;background:#fff}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e3e7ec;padding-bottom:4px}h3{font-size:14px;margin:16px 0 4px}
.sub{color:#5b6b7b;margin:0 0 12px}a{color:#1f5fbf}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{padding:4px 10px;border-bottom:1px solid #eef1f4;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td:first-child,td.num{white-space:nowrap}
.chart{margin:12px 0}.chart figcaption{font-weight:600;margin-bottom:4px}
.ok{color:#1e7e34}.fail{color:#c0392b;font-weight:600}.warn{color:#b36b00}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;background:#eef1f4}
.badge.fail{background:#fdecea}.badge.ok{background:#e8f5ec}
ul.notes{color:#5b6b7b}footer{margin-top:32px;color:#8a97a5;font-size:12px}
dl.legend{font-size:13px;color:#3d4b59}dl.legend dt{font-weight:600;margin-top:6px}dl.legend dd{margin:0 0 0 16px}p.verdict{margin:4px 0}
`;

/** The whole document: the body is SafeHtml (written with `html`), the title and footer are text. */
export function page(opts: { title: string; body: SafeHtml; refreshSeconds?: number; charts?: ChartSpec[]; footer?: string }): string {
  const charts = opts.charts ?? [];
  const assets = charts.length ? uplot() : null;
  // The style sheet, uPlot's script and the chart JSON are code, not text: they go in unescaped.
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${opts.refreshSeconds ? html`<meta http-equiv="refresh" content="${Math.max(1, Math.round(opts.refreshSeconds))}">` : ''}
<title>${opts.title}</title>
<style>${raw(CSS + (assets ? assets.css : ''))}</style>
</head><body>
${opts.body}
<footer>${opts.footer ? `${opts.footer} · ` : ''}paper-arena · self-contained report (no network)</footer>
${assets ? html`<script type="application/json" id="chart-data">${raw(scriptJson(charts))}</script>\n<script>${raw(assets.js)}</script>\n<script>${raw(CHART_SCRIPT)}</script>` : ''}
</body></html>
`.html;
}

export const notesList = (notes: readonly string[]): SafeHtml => (notes.length ? html`<ul class="notes">${notes.map((n) => html`<li>${n}</li>`)}</ul>` : html``);

/** Aligns several dated series on the union of their dates (null where a series has no point). */
export function alignSeries(series: readonly { label: string; points: readonly { date: string; value: number | null }[] }[]): { x: string[]; series: { label: string; values: (number | null)[] }[] } {
  const dates = [...new Set(series.flatMap((s) => s.points.map((p) => p.date)))].sort();
  return {
    x: dates,
    series: series.map((s) => {
      const m = new Map(s.points.map((p) => [p.date, p.value]));
      return { label: s.label, values: dates.map((d) => m.get(d) ?? null) };
    }),
  };
}
