/**
 * The live leaderboard page the coordinator serves: one self-contained HTML file (uPlot inlined, no
 * CDN, no other request than its own server's), the current standings embedded, then kept up to date
 * by server-sent events (`/events`), falling back to polling `/live.json` when SSE is unavailable.
 * On a phone the table turns into one card per team (no sideways scrolling); the chart follows the
 * width of the screen. Every value is put into the page as text (textContent), never as HTML.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { html, raw, scriptJson } from '../../adapters/reports/html.ts';
import type { LiveSnapshot } from './standings.ts';

const require = createRequire(import.meta.url);
let uplot: { js: string; css: string } | null = null;
const uplotAssets = () =>
  (uplot ??= { js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'), css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8') });

const CSS = `
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1180px;padding:12px 16px;color:#1d2733;background:#fff}
h1{font-size:21px;margin:6px 0 2px}.sub{color:#5b6b7b;margin:0 0 10px}
#status{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;background:#eef1f4;margin-left:6px}
#status.live{background:#e8f5ec;color:#1e7e34}#status.down{background:#fdecea;color:#c0392b}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{padding:6px 8px;border-bottom:1px solid #eef1f4;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600;white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.pos{color:#1e7e34}.neg{color:#c0392b}.rejected{color:#c0392b}.adopted{color:#1e7e34}code{font-size:13px}
.change{font-size:12px;color:#5b6b7b;max-width:320px}
figure{margin:16px 0}figcaption{font-weight:600;margin-bottom:4px}#chart{width:100%}
footer{margin-top:24px;color:#8a97a5;font-size:12px}
@media (max-width:700px){
  body{padding:8px 10px}
  table,thead,tbody,tr,td{display:block;width:100%}
  thead{display:none}
  tr{border:1px solid #e3e7ec;border-radius:8px;margin:0 0 10px;padding:6px 8px}
  td{border:0;padding:2px 0;display:flex;justify-content:space-between;gap:12px;text-align:right}
  td.num{white-space:normal}
  td::before{content:attr(data-label);font-weight:600;color:#5b6b7b;text-align:left}
  td[data-col="team"]{font-size:17px;font-weight:600}
  .change{max-width:none}
}
`;

const COLORS = ['#c0392b', '#2463eb', '#16a085', '#8e44ad', '#d35400', '#2c3e50', '#27ae60', '#b8860b', '#e84393', '#00838f', '#6d4c41', '#546e7a'];

// Runs in the browser: renders a snapshot, then follows the server's updates.
const LIVE_SCRIPT = `
(function(){
  var COLORS = ${JSON.stringify(COLORS)};
  var COLS = [
    ['rank','#',1],['team','team',0],['equity','equity',1],['total_return','return',1],['excess_return','vs benchmark',1],
    ['drawdown','drawdown',1],['max_drawdown','max drawdown',1],['accuracy','model accuracy',1],['config','config',0],['change','last config change',0]];
  var money = function(x){ return x == null ? '—' : (x < 0 ? '-$' : '$') + Math.abs(x).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }); };
  var pct = function(x, signed){ return x == null ? '—' : (signed && x > 0 ? '+' : '') + (x * 100).toFixed(2) + '%'; };
  var plot = null, plotKey = '';
  function el(tag, cls, text){ var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
  function cell(row, col, label, text, cls){ var td = el('td', cls, text); td.setAttribute('data-col', col); td.setAttribute('data-label', label); row.appendChild(td); return td; }
  function render(s){
    document.getElementById('progress').textContent = s.done + '/' + s.total + ' trading days' + (s.day ? ' · last ' + s.day : ' · not started') + (s.finished ? ' · final' : '');
    document.getElementById('progress').setAttribute('data-done', String(s.done));
    document.getElementById('bench').textContent = s.benchmark.name + ': ' + pct(s.benchmark.total_return, true);
    var head = document.getElementById('head'); head.textContent = '';
    COLS.forEach(function(c){ var th = el('th', c[2] ? 'num' : '', c[1]); head.appendChild(th); });
    var body = document.getElementById('rows'); body.textContent = '';
    s.teams.forEach(function(t){
      var tr = el('tr'); tr.setAttribute('data-team', t.team);
      cell(tr, 'rank', '#', String(t.rank), 'num');
      cell(tr, 'team', 'team', t.team);
      cell(tr, 'equity', 'equity', money(t.equity), 'num');
      cell(tr, 'total_return', 'return', pct(t.total_return, true), 'num ' + (t.total_return > 0 ? 'pos' : t.total_return < 0 ? 'neg' : ''));
      cell(tr, 'excess_return', 'vs benchmark', pct(t.excess_return, true), 'num ' + (t.excess_return > 0 ? 'pos' : t.excess_return < 0 ? 'neg' : ''));
      cell(tr, 'drawdown', 'drawdown', pct(t.drawdown), 'num');
      cell(tr, 'max_drawdown', 'max drawdown', pct(t.max_drawdown), 'num');
      cell(tr, 'accuracy', 'model accuracy', t.accuracy == null ? '—' : pct(t.accuracy) + ' of ' + t.predictions_scored, 'num');
      var c = cell(tr, 'config', 'config', '');
      if (t.config) { c.appendChild(el('code', null, t.config.commit.slice(0, 7))); c.appendChild(document.createTextNode(' ' + t.config.branch)); } else c.textContent = '—';
      var ch = cell(tr, 'change', 'last config change', '', 'change');
      if (t.config && t.config.last_change) { var lc = t.config.last_change; ch.appendChild(el('span', lc.kind, lc.kind + ' ' + lc.commit.slice(0, 7) + ' (' + lc.date + ')')); ch.appendChild(el('div', null, lc.message)); } else ch.textContent = '—';
      body.appendChild(tr);
    });
    chart(s);
  }
  function chart(s){
    var box = document.getElementById('chart');
    var dates = {}; s.teams.forEach(function(t){ t.curve.forEach(function(p){ dates[p.date] = 1; }); }); s.benchmark.curve.forEach(function(p){ dates[p.date] = 1; });
    var xs = Object.keys(dates).sort();
    if (!xs.length || typeof uPlot === 'undefined') return;
    var series = s.teams.map(function(t){ return { label: t.team, points: t.curve }; }).concat([{ label: s.benchmark.name, points: s.benchmark.curve }]);
    var data = [xs.map(function(d){ return Date.parse(d + 'T00:00:00Z') / 1000; })].concat(series.map(function(x){ var m = {}; x.points.forEach(function(p){ m[p.date] = p.equity; }); return xs.map(function(d){ return d in m ? m[d] : null; }); }));
    var key = series.map(function(x){ return x.label; }).join('|');
    var width = Math.max(280, box.clientWidth || 320);
    if (plot && plotKey === key) { plot.setData(data); return; }
    if (plot) plot.destroy();
    plotKey = key;
    plot = new uPlot({ width: width, height: width < 500 ? 220 : 320, scales: { x: { time: true } },
      tzDate: function(ts){ return uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'); },
      series: [{ label: 'date' }].concat(series.map(function(x, i){ return { label: x.label, stroke: i === series.length - 1 ? '#7f8c8d' : COLORS[i % COLORS.length], width: 1.5, spanGaps: true, dash: i === series.length - 1 ? [6, 4] : undefined }; })),
      axes: [{}, { size: 70, values: function(u, v){ return v.map(function(x){ return x == null ? '' : '$' + Math.round(x).toLocaleString('en-US'); }); } }] }, data, box);
  }
  window.addEventListener('resize', function(){ var box = document.getElementById('chart'); if (plot && box.clientWidth) plot.setSize({ width: box.clientWidth, height: box.clientWidth < 500 ? 220 : 320 }); });
  var status = document.getElementById('status');
  function state(text, cls){ status.textContent = text; status.className = cls; }
  render(JSON.parse(document.getElementById('initial').textContent));
  var polling = null;
  function poll(){ fetch('live.json', { cache: 'no-store' }).then(function(r){ return r.json(); }).then(function(s){ render(s); state(s.finished ? 'final' : 'live (polling)', 'live'); }, function(){ state('reconnecting', 'down'); }); }
  if (typeof EventSource === 'function') {
    var es = new EventSource('events'), failures = 0;
    es.addEventListener('snapshot', function(e){ failures = 0; var s = JSON.parse(e.data); render(s); state(s.finished ? 'final' : 'live', 'live'); });
    es.onerror = function(){ state('reconnecting', 'down'); if (++failures >= 3 && !polling) { es.close(); polling = setInterval(poll, 5000); } };
  } else polling = setInterval(poll, 5000);
})();`;

export function renderLivePage(initial: LiveSnapshot): string {
  const a = uplotAssets();
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${initial.name}: live leaderboard</title>
<style>${raw(CSS + a.css)}</style>
</head><body>
<h1>${initial.name} <span id="status">connecting</span></h1>
<p class="sub"><span id="progress"></span> · <span id="bench"></span> · <a href="reports/leaderboard.html">static leaderboard</a></p>
<table id="standings"><thead><tr id="head"></tr></thead><tbody id="rows"></tbody></table>
<figure><figcaption>Equity (benchmark dashed)</figcaption><div id="chart"></div></figure>
<footer>paper-arena · live leaderboard served by the competition's coordinator (no network beyond it)</footer>
<script type="application/json" id="initial">${raw(scriptJson(initial))}</script>
<script>${raw(a.js)}</script>
<script>${raw(LIVE_SCRIPT)}</script>
</body></html>
`.toString();
}
