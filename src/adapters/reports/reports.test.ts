import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartDiv, escapeHtml, fmtMoney, fmtNum, fmtPct, html, joinHtml, link, page, raw, safeHref, scriptJson, table, type ChartSpec } from './html.ts';
import { renderIndex } from './index-page.ts';
import { renderLeaderboard } from './leaderboard.ts';
import { monitoringPageData, pageDay, renderMonitoringPage } from './monitoring.ts';
import { renderTraining, trainingReportData, writeTrainingReport, type TrainingReport } from './training.ts';
import { renderTrading } from './trading.ts';
import type { IndexEntry, LeaderboardView, MonitoringDay, MonitoringPageData, MonitoringPageDay } from './types.ts';
import { writeReport } from './write.ts';
import { EVIL, leaderboardView, monitoringDays, searchedTrainingCard, tradingData, trainingData } from '../../testing/report-fixtures.ts';

type ParsedChart = { id: string; title: string; x: (string | number)[]; series: { label: string; values: (number | null)[] }[]; yFormat?: string; yScales?: string };

const chartData = (html: string): ParsedChart[] => {
  const m = /<script type="application\/json" id="chart-data">([\s\S]*?)<\/script>/.exec(html);
  return m ? (JSON.parse(m[1] as string) as ParsedChart[]) : [];
};

/** Body rows of the table that contains `marker`, or else the first one after it (tags stripped, entities kept). */
function tableAfter(html: string, marker: string): string[][] {
  const at = html.indexOf(marker);
  expect(at, marker).toBeGreaterThanOrEqual(0);
  const open = html.lastIndexOf('<table', at);
  const start = open > html.lastIndexOf('</table>', at) ? open : at;
  const t = html.slice(start).match(/<table[\s\S]*?<\/table>/)?.[0] ?? '';
  const body = t.match(/<tbody>([\s\S]*?)<\/tbody>/)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...(r[1] as string).matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => (c[1] as string).replace(/<[^>]+>/g, '')));
}

function selfContained(html: string): void {
  expect(html).not.toMatch(/<(script|link|img|iframe|object|embed)\b[^>]*\s(src|href)=/i);
  expect(html).not.toMatch(/\s(src|href|action|srcset)\s*=\s*["']?\s*(https?:|\/\/)/i);
  expect(html).not.toMatch(/@import|url\(/i);
  expect(html).toMatch(/^<!doctype html>/);
  expect(html).toContain('<meta charset="utf-8">');
  expect(html).toContain('name="viewport"');
}

const evilLeaderboard = (): LeaderboardView => {
  const v = leaderboardView();
  v.leaderboard.teams[0] = { ...(v.leaderboard.teams[0] as LeaderboardView['leaderboard']['teams'][number]), team: EVIL };
  (v.curves[0] as LeaderboardView['curves'][number]).name = EVIL;
  return v;
};

describe('html helpers', () => {
  it('escape markup and quotes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('format numbers, with — for missing values', () => {
    expect(fmtMoney(104_000.1)).toBe('$104,000.10');
    expect(fmtMoney(-30.2)).toBe('-$30.20');
    expect(fmtPct(0.0123456)).toBe('1.23%');
    expect(fmtPct(-0.00001)).toBe('0.00%');
    expect(fmtNum(0.012345)).toBe('0.01235');
    expect(fmtNum(12_345.678)).toBe('12,345.68');
    for (const f of [fmtMoney, fmtPct, fmtNum]) {
      expect(f(null)).toBe('—');
      expect(f(Number.NaN)).toBe('—');
    }
  });

  it('table escapes every cell and right-aligns numeric columns', () => {
    const html = table(['name', 'value'], [[EVIL, 1.5], ['b', null]], { numeric: [false, true] }).html;
    expect(html).not.toContain(EVIL);
    expect(html).toContain(`<td>${escapeHtml(EVIL)}</td><td class="num">1.5</td>`);
    expect(html).toContain('<td class="num">—</td>');
    expect(html).toContain('<th class="num">value</th>');
  });

  it('chart data cannot close its script element and parses back unchanged', () => {
    const value = { a: '</script><script>alert(1)</script>', b: '<!--', c: '\u2028' };
    expect(scriptJson(value)).not.toMatch(/<\/script|<!--/i);
    expect(JSON.parse(scriptJson(value))).toEqual(value);
    const spec: ChartSpec = { id: 'c', title: 'x', x: ['2017-01-03'], series: [{ label: '</script>', values: [1] }] };
    const html = page({ title: 't', body: chartDiv(spec), charts: [spec] });
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(chartData(html)).toEqual([spec]);
  });

  it('every chart carries its key numbers in a table for readers without JavaScript', () => {
    const spec: ChartSpec = { id: 'eq', title: 'Equity', x: ['2017-01-03', '2017-01-04', '2017-01-05'], series: [{ label: 'red', values: [100_000, null, 99_000.5] }], yFormat: 'money' };
    const div = chartDiv(spec).html;
    expect(div).toContain('id="eq" data-chart');
    expect(div).toMatch(/<noscript>[\s\S]*<table[\s\S]*<\/noscript>/);
    expect(tableAfter(div, '<noscript>')).toEqual([['red', '$100,000.00', '$99,000.50', '$99,000.50', '$100,000.00']]);
    expect(div).toContain('2017-01-03 – 2017-01-05 (3 points)');
  });

  it('a page without charts carries no script at all', () => {
    const html = page({ title: 'plain', body: raw('<p>hi</p>') });
    expect(html).not.toContain('<script');
    expect(html).not.toContain('http-equiv="refresh"');
  });

  it('only relative links survive, and their text and href are escaped', () => {
    expect(safeHref('red/2017-11-09/monitoring.html')).toBe('red/2017-11-09/monitoring.html');
    for (const bad of ['javascript:alert(1)', 'JaVa\tscript:alert(1)', 'https://example.com', '//evil.example/x', 'data:text/html,x']) expect(safeHref(bad)).toBe('#');
    expect(link('a"b.html', EVIL).html).toBe(`<a href="a&quot;b.html">${escapeHtml(EVIL)}</a>`);
    expect(link('javascript:alert(1)', 'x').html).toBe('<a href="#">x</a>');
  });

  it('the html tag escapes every placeholder unless it is SafeHtml, and joins lists', () => {
    const inner = html`<b>${EVIL}</b>`;
    expect(inner.html).toBe(`<b>${escapeHtml(EVIL)}</b>`);
    // Nested fragments are not escaped twice; text is escaped once however deep.
    expect(html`<p>${inner}</p>`.html).toBe(`<p><b>${escapeHtml(EVIL)}</b></p>`);
    expect(html`<ul>${['<a>', html`<li>&amp;</li>`, 3]}</ul>`.html).toBe('<ul>&lt;a&gt;<li>&amp;</li>3</ul>');
    expect(html`${null}${undefined}${false}|${0}`.html).toBe('|0');
    expect(html`<a title="${`" onmouseover="x`}">`.html).toBe('<a title="&quot; onmouseover=&quot;x">');
    expect(raw('<i>').html).toBe('<i>');
    expect(joinHtml(['a', '', html`<i>b</i>`, null], ' · ').html).toBe('a · <i>b</i>');
    expect(String(inner)).toBe(inner.html);
  });

  it('no renderer writes markup outside the html tag (escaping is the default, raw() the visible exception)', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const dir = new URL('.', import.meta.url);
    for (const f of (await readdir(dir)).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))) {
      const src = await readFile(new URL(f, dir), 'utf8');
      // An untagged template literal that opens an element (`<p…`, `<td…`) would bypass escaping.
      const code = src.split('\n').map((l) => (/^\s*(\*|\/\*|\/\/)/.test(l) ? '' : l));
      const untagged = code.flatMap((l, i) => (/(^|[^\w])`<[a-z!]/i.test(l) ? [i + 1] : []));
      expect({ file: f, lines: untagged }).toEqual({ file: f, lines: [] });
      expect(src.includes('escapeHtml(') && f !== 'html.ts' ? f : null).toBeNull();
    }
  });
});

describe('leaderboard', () => {
  const html = renderLeaderboard(leaderboardView());

  it('is self-contained, with uPlot inlined once', () => {
    selfContained(html);
    expect(html.match(/<script>/g)).toHaveLength(2);
    expect(html).toContain('uPlot');
    expect(html).toContain('.uplot');
  });

  it('ranks teams by final equity, then the benchmark row, with the formatted numbers', () => {
    const rows = tableAfter(html, 'class="leaderboard"');
    expect(rows.map((r) => r[1])).toEqual(['blue', 'red', 'SPX buy &amp; hold']);
    expect(rows[0]).toEqual(['1', 'blue', '$104,000.10', '4.00%', '+2.00 pp', '1.90', '2.00%', '20', '0', '65.0%', '48.0% of 87']);
    expect(rows[1]).toEqual(['2', 'red', '$101,234.56', '1.23%', '-0.77 pp', '0.71', '3.10%', '12', '1', '50.0%', '55.0% of 87']);
    expect(rows[2]?.slice(1, 4)).toEqual(['SPX buy &amp; hold', '$102,000.00', '2.00%']);
    expect(html).toContain('2017-10-02 – 2017-10-31');
  });

  it('says who beat the index and whose model called the direction right', () => {
    const verdicts = [...html.matchAll(/<p class="verdict">([\s\S]*?)<\/p>/g)].map((m) => m[1]);
    expect(verdicts[0]).toBe('blue beat SPX buy &amp; hold (blue +2.00 pp); red did not (red -0.77 pp).');
    expect(verdicts[1]).toBe('The model of red called the next day’s direction right more often than not (blue 48.0% of 87, red 55.0% of 87).');
    expect(html).toContain('Benchmark: in cash at the close of 2017-10-02, as the teams; bought 39.21 at $2,550.10 (slippage included) on the 2017-10-03 session, commission $1.00, then held.');
  });

  it('states what every number means (Sharpe, drawdown sign, trades, hit rate, the benchmark)', () => {
    const legend = html.slice(html.indexOf('How these numbers are computed'));
    expect(legend).toMatch(/Sharpe<\/dt><dd>mean of the daily returns ÷ their sample standard deviation \(n − 1\) × √252; risk-free rate 0/);
    expect(legend).toMatch(/max drawdown<\/dt><dd>[^<]*positive fraction/);
    expect(legend).toMatch(/trades<\/dt><dd>filled orders, each buy and each sell once \(not round trips\)/);
    expect(legend).toMatch(/hit rate<\/dt><dd>share of sell fills that realised a profit/);
    expect(legend).toMatch(/benchmark<\/dt><dd>the index bought as a team could: in cash at the first day’s close/);
    expect(legend).toMatch(/model direction right<\/dt><dd>share of the model’s predictions/);
    expect(legend).toMatch(/total return<\/dt><dd>final equity ÷ starting cash − 1/);
  });

  it('draws one equity curve per team and the benchmark, values carried exactly', () => {
    const view = leaderboardView();
    const [chart, ...rest] = chartData(html);
    expect(rest).toEqual([]);
    expect(chart?.yFormat).toBe('money');
    expect(chart?.x).toEqual(view.curves[0]?.points.map((p) => p.date));
    expect(chart?.series.map((s) => s.label)).toEqual(['red', 'blue', 'SPX buy & hold']);
    for (const [i, c] of view.curves.entries()) expect(chart?.series[i]?.values).toEqual(c.points.map((p) => p.equity));
    expect(html).toContain('<div class="plot" id="equity" data-chart>');
  });

  it('escapes a hostile team name in the table, the links and the chart data', () => {
    const evil = renderLeaderboard(evilLeaderboard());
    selfContained(evil);
    expect(evil).not.toContain(EVIL);
    expect(evil).toContain(`<td>${escapeHtml(EVIL)}</td>`);
    expect(chartData(evil)[0]?.series[0]?.label).toBe(EVIL);
  });

  it('marks a team that stopped before the end, with its error', () => {
    const v = leaderboardView();
    (v.leaderboard.teams[1] as LeaderboardView['leaderboard']['teams'][number]).error = `failed on 2017-10-20: <disk full>`;
    const page = renderLeaderboard(v);
    const name = v.leaderboard.teams[1]?.team as string;
    expect(page).toContain(`<td>${name} <span class="fail">stopped</span></td>`);
    expect(page).toContain(`Stopped before the end (their figures stop there): ${name} failed on 2017-10-20: &lt;disk full&gt;</p>`);
    expect(html).not.toContain('stopped');
  });

  it('refreshes itself only while a competition runs, and shows its progress', () => {
    expect(html).not.toContain('http-equiv="refresh"');
    expect(html).not.toMatch(/day \d+ of/);
    const running = renderLeaderboard(leaderboardView({ refresh_seconds: 5, progress: { done: 12, total: 252 } }));
    expect(running).toContain('<meta http-equiv="refresh" content="5">');
    expect(running).toContain('day 12 of 252');
    const finished = renderLeaderboard(leaderboardView({ progress: { done: 252, total: 252 } }));
    expect(finished).not.toContain('http-equiv="refresh"');
  });
});

describe('monitoring page (one per team, every day)', () => {
  const days = monitoringDays();
  const data = monitoringPageData(days, '2017-10-31T16:30:00.000-04:00');
  const html = renderMonitoringPage(data);
  const embedded = (h: string): MonitoringPageData => JSON.parse(/<script type="application\/json" id="monitoring-data">([\s\S]*?)<\/script>/.exec(h)?.[1] as string) as MonitoringPageData;

  it('is self-contained, escapes every value, and carries its data once as JSON', () => {
    selfContained(html);
    expect(html).not.toContain(EVIL);
    expect(html).toContain('Monitoring: red');
    expect(html).toContain('30 monitored days, 2017-10-02 .. 2017-10-31');
    expect(embedded(html)).toEqual(data);
  });

  it('a day selector lists every day, newest first, for the #date anchors', () => {
    const options = [...html.matchAll(/<option value="([^"]+)">/g)].map((m) => m[1]);
    expect(options).toEqual([...data.dates].reverse());
    expect(options).toHaveLength(30);
  });

  it('names repeated from day to day are listed once; a day refers to them by index', () => {
    expect(data.symbols).toEqual(['AAPL', 'MSFT']);
    expect(data.drift_columns).toEqual(['rsi_14', EVIL, 'dow']);
    expect(data.drift_tests).toEqual([['num', 'ks', 0.05], ['num', 'wasserstein', 0.1], ['cat', 'chisquare', 0.05]]);
    expect(data.findings).toHaveLength(1);
    expect(data.days.every((d) => d.quality.findings.length === 1 && d.quality.findings[0] === 0)).toBe(true);
    const d1 = data.days[1] as MonitoringPageDay;
    expect(d1.drift?.columns).toEqual([[0, 0, 0.0011, 1], [1, 1, 0.3, 1], [2, 2, 0.7, 0]]);
    expect(data.days[2]?.drift).toBeNull();
    expect(data.metrics.slice(0, 4)).toEqual(['n', 'mae', 'rmse', 'directional_accuracy']);
    expect(d1.pooled.slice(0, 4)).toEqual([2, 0.00851, 0.012, 0.53]);
    expect(d1.by_symbol).toEqual([[0, [1, 0.008, 0.011, 0.55]], [1, [1, 0.009, 0.013, 0.5]]]);
  });

  it('every pair once (a day written twice keeps its last copy), in prediction order, with its truth date', () => {
    const again = monitoringPageData([...days, { ...(days[5] as MonitoringDay), pairs: days.slice(1, 6).flatMap((d) => d.pairs) }], 'x');
    expect(again.pairs).toEqual(data.pairs);
    expect(data.pairs).toHaveLength(58);
    expect(data.pairs[0]).toEqual(['2017-10-02', 0, Number((0.001 * Math.sin(1)).toPrecision(6)), Number((0.002 * Math.cos(1)).toPrecision(6)), '2017-10-03']);
    expect(data.pairs.map((p) => p[0])).toEqual([...data.pairs.map((p) => p[0])].sort());
  });

  it("states Evidently's column-type and test rules, text columns included", () => {
    expect(html).toContain('Column types and tests follow Evidently 0.7’s defaults');
    expect(html).toContain('A text column gets the text-content test: a TF-IDF classifier learns to tell current texts from reference texts');
  });

  it('season charts: rolling metrics, predicted vs actual (one point per date), drift share on drift days', () => {
    const [rolling, pairs, drift] = chartData(html);
    expect(rolling?.x).toEqual(dates(days).slice(0, 29));
    expect(rolling?.series.map((x) => x.label)).toEqual(['mae', 'directional_accuracy']);
    expect(rolling?.series[1]?.values.slice(0, 3)).toEqual([null, null, null]);
    expect(pairs?.x).toEqual(dates(days).slice(0, 29));
    expect(pairs?.series[1]?.values[0]).toBeCloseTo((0.002 * Math.cos(1) + 0.001) / 2, 6);
    expect(drift?.x).toHaveLength(29);
    expect(drift?.series[0]?.values[0]).toBe(0.2);
  });

  it('pageDay puts a day\'s names back (what tools and the day view read)', () => {
    const d = pageDay(data, '2017-10-03');
    const src = days[1] as MonitoringDay;
    expect(d?.drift?.columns).toEqual(Object.fromEntries(Object.entries(src.drift?.columns ?? {}).map(([k, c]) => [k, { ...c, score: Number(c.score.toPrecision(6)) }])));
    expect(d?.by_symbol.AAPL).toEqual(src.metrics.by_symbol.AAPL);
    expect(d?.findings).toEqual(src.data_quality.findings);
    expect(d?.pairs).toHaveLength(2);
    expect(pageDay(data, '1999-01-01')).toBeNull();
  });

  it('a rounded copy: 6 significant digits', () => {
    const d = monitoringPageData([{ ...(days[1] as MonitoringDay), metrics: { pooled: { mae: 0.0123456789 }, by_symbol: {} } }], 'x');
    expect(d.days[0]?.pooled).toEqual([0.0123457]);
  });

  it('no chart and no day before anything was monitored', () => {
    const empty = renderMonitoringPage(monitoringPageData([], 'x'));
    expect(chartData(empty)).toEqual([]);
    expect(empty).toContain('no monitored day yet');
  });
});

const dates = (days: readonly MonitoringDay[]): string[] => days.map((d) => d.date);

describe('training', () => {
  const data = trainingData();
  const html = renderTraining(data);

  it('shows the gate verdict as its checks (value against threshold), failures in red', () => {
    selfContained(html);
    expect(html).toContain('<span class="badge fail">failed</span>');
    expect(tableAfter(html, 'Gate:')).toEqual([
      ['min_directional_accuracy', '0.6667', '0.45', 'pass', 'directional accuracy 0.667 ≥ 0.45'],
      ['beat_champion', '0.0081', '0.0079', 'FAIL', 'mae 0.0081 does not beat the champion (0.0079)'],
    ]);
    expect(html).toContain('<span class="fail">FAIL</span>');
    expect(html).toContain('status rejected');
    const passed = renderTraining({ ...data, status: 'champion', gate: { passed: true, checks: [{ name: 'beat_champion', passed: true, value: 0.0075, threshold: 0.0079, message: 'mae 0.0075 beats the champion (0.0079)' }], reasons: ['pass: mae 0.0075 beats the champion (0.0079)'] } });
    expect(passed).toContain('<span class="badge ok">passed</span>');
    expect(passed).not.toContain('class="fail"');
    // A card written before gate checks existed still lists its sentences.
    const legacy = renderTraining({ ...data, gate: { passed: false, reasons: ['FAIL: <old> reason'] } });
    expect(legacy).toContain('<li>FAIL: &lt;old&gt; reason</li>');
  });

  it('compares the candidate with every baseline and the champion, metric by metric', () => {
    expect(html).toMatch(/<th>metric<\/th><th class="num">candidate<\/th><th class="num">baseline: moving_average<\/th><th class="num">baseline: zero<\/th><th class="num">champion<\/th>/);
    expect(tableAfter(html, '<th>metric</th>')).toEqual([
      ['mae', '0.0081', '0.009', '0.0085', '0.0079'],
      ['directional_accuracy', '0.667', '0.5', '0.48', '0.6'],
    ]);
    const first = renderTraining({ ...data, champion_metrics: null });
    expect(first).not.toContain('champion</th>');
  });

  it('charts loss and val_loss per epoch, lists features, and trials only when a search ran', () => {
    const [loss] = chartData(html);
    expect(loss?.x).toEqual(data.history.map((h) => h.epoch));
    expect(loss?.series).toEqual([
      { label: 'loss', values: data.history.map((h) => h.loss) },
      { label: 'val_loss', values: data.history.map((h) => h.val_loss) },
    ]);
    expect(html).toContain('rsi_14, ema_12, ret_1');
    expect(html).not.toContain('trials');
    const searched = renderTraining({ ...data, trials: [{ trial: 1, params: { lr: 0.001, units: 32 }, score: 0.0081 }, { trial: 2, params: { lr: EVIL }, score: null }] });
    expect(searched).not.toContain(EVIL);
    const rows = tableAfter(searched, 'Hyper-parameter trials');
    expect(rows).toHaveLength(2);
    expect(rows[0]?.[2]).toBe('0.0081');
    expect(rows[1]?.[2]).toBe('—');
  });
});

describe('training: search and permutation importance', () => {
  const card = searchedTrainingCard();
  const data = trainingReportData(card, 'champion');
  const html = renderTraining(data);

  it('takes trials and importance from the model card', () => {
    expect(data.trials.map((t) => [t.trial, t.rung, t.epochs, t.score, t.run_id])).toEqual([
      [1, 0, 6, 0.0093, 'r1'],
      [2, 0, 6, 0.0084, 'r2'],
      [2, 1, 12, 0.0082, 'r3'],
    ]);
    expect(data.importance).toEqual(card.importance);
    expect(data.search).toEqual({ metric: 'mae', best_trial: 2, validation_from: '2017-02-02', validation_to: '2017-10-12' });
  });

  it('lists every trial with its rung and epoch budget, marks the winner, and says where it was scored', () => {
    selfContained(html);
    expect(html).not.toContain(EVIL);
    const rows = tableAfter(html, 'Hyper-parameter trials');
    expect(rows.map((r) => [r[0], r[2], r[3], r[4], r[5]])).toEqual([
      ['1', '0.0093', '0', '6', ''],
      ['2', '0.0084', '0', '6', ''],
      ['2', '0.0082', '1', '12', 'best'],
    ]);
    expect(html).toContain('scored by mae on 2017-02-02 – 2017-10-12, the end of the training window (never the test window); best: trial 2');
  });

  it('draws importance as sorted bars (one per feature, escaped names) and a table with mean and spread', () => {
    const section = html.slice(html.indexOf('Permutation feature importance'));
    const svg = /<svg[\s\S]*?<\/svg>/.exec(section)?.[0] ?? '';
    expect(svg.match(/<rect /g)).toHaveLength(4);
    const labels = [...svg.matchAll(/<text [^>]*text-anchor="end">([^<]*)<\/text>/g)].map((m) => m[1]).slice(0, 4);
    expect(labels).toEqual(['ret_1', escapeHtml(EVIL), 'rsi_14', 'ema_12']);
    // Bar lengths follow the means: ret_1 is three times EVIL's.
    const widths = [...svg.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect((widths[0] as number) / (widths[1] as number)).toBeCloseTo(3, 1);
    expect(tableAfter(section, 'increase in MAE (mean)')).toEqual([
      ['ret_1', '0.0012', '0.0002', '0.08'],
      [escapeHtml(EVIL), '0.0004', '0.0001', '0.02'],
      ['rsi_14', '1.00e-5', '2.00e-5', '0'],
      ['ema_12', '-2.00e-5', '1.00e-5', '-0.01'],
    ]);
    expect(section).toContain('shuffled 5× across 63 walk-forward test rows');
    const accuracy = renderTraining({ ...data, importance: { ...(data.importance as NonNullable<TrainingReport['importance']>), metric: 'accuracy' } });
    expect(accuracy).toContain('drop in accuracy (mean)');
    expect(accuracy).not.toContain('directional accuracy drop');
    expect(renderTraining({ ...data, importance: null })).not.toContain('Permutation feature importance');
  });

  it('writes the numbers as JSON beside the HTML', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-training-'));
    await writeTrainingReport(dir, card, 'champion');
    const json = JSON.parse(readFileSync(path.join(dir, 'training', 'v0004.json'), 'utf8')) as TrainingReport;
    expect(json.importance?.features.map((f) => [f.feature, f.mean, f.std])).toEqual(card.importance?.features.map((f) => [f.feature, f.mean, f.std]));
    expect(json.trials).toHaveLength(3);
    expect(readFileSync(path.join(dir, 'training', 'v0004.html'), 'utf8')).toBe(renderTraining(json));
  });
});

describe('trading', () => {
  const data = tradingData();
  const html = renderTrading(data);

  it('summary with the formatted numbers', () => {
    selfContained(html);
    expect(html).not.toContain(EVIL);
    expect(tableAfter(html, 'Trading: red')[0]).toEqual(['$101,234.56', '1.23%', '-0.77 pp', '0.71', '3.10%', '12', '1', '50.0%', '55.0% of 87']);
    expect(html).toMatch(/trades<\/dt><dd>filled orders/);
    expect(html).toMatch(/Sharpe<\/dt><dd>mean of the daily returns/);
    expect(html).toContain('starting cash $100,000.00');
  });

  it('equity vs benchmark, and drawdown from the running peak (starting cash included)', () => {
    const [equity, drawdown] = chartData(html);
    expect(equity?.series.map((s) => s.label)).toEqual(['red', 'SPX']);
    expect(equity?.series[0]?.values).toEqual(data.equity.map((p) => p.equity));
    expect(equity?.series[1]?.values).toEqual(data.benchmark?.points.map((p) => p.equity));
    let peak = data.starting_cash;
    const expected = data.equity.map((p) => {
      peak = Math.max(peak, p.equity);
      return (p.equity - peak) / peak;
    });
    expect(drawdown?.x).toEqual(data.equity.map((p) => p.date));
    expect(drawdown?.series[0]?.values).toEqual(expected);
    expect(drawdown?.yFormat).toBe('percent');
    expect(Math.min(...expected)).toBeLessThan(0);
  });

  it('positions, orders with their reason and a link to the prediction, refusals', () => {
    expect(tableAfter(html, 'Open positions')).toEqual([['MSFT', '747', '$83.90', '$62,700.00', '-$30.20']]);
    const [order] = tableAfter(html, 'Orders (1');
    expect(order).toEqual(['2017-11-09', 'MSFT', 'buy', '747', 'filled', '$83.95', `best predicted gain 0.30% ${escapeHtml(EVIL)}`, '0.003', '0.001', 'v0002', 'prediction']);
    expect(html).toContain('<a href="monitoring.html#2017-11-09">prediction</a>');
    expect(tableAfter(html, 'Days without trading')).toEqual([['2017-10-02', 'no champion model']]);
  });

  it('lists refused orders apart from the orders the broker took, with their reason', () => {
    expect(tableAfter(html, 'class="orders"').map((r) => r[4])).toEqual(['filled']);
    const refused = tableAfter(html, 'class="refused-orders"');
    expect(refused).toEqual([['2017-11-08', 'AAPL', 'buy', '300', 'rejected', '—', 'best predicted gain 0.20% (refused: insufficient buying power)', '0.002', '0.001', 'v0002', '—']]);
    expect(html).toContain('Refused orders (1, newest first)');
  });

  it('no link for an order without a prediction report, and never a script URL', () => {
    const [o] = data.orders;
    const noLink = renderTrading({ ...data, orders: [{ ...(o as (typeof data.orders)[number]), prediction_href: null, fill_price: null, status: 'rejected' }] });
    expect(noLink).not.toContain('monitoring.html"');
    expect(tableAfter(noLink, 'Orders (1')[0]?.[5]).toBe('—');
    const hostile = renderTrading({ ...data, orders: [{ ...(o as (typeof data.orders)[number]), prediction_href: 'javascript:alert(1)' }] });
    expect(hostile).not.toContain('javascript:');
  });
});

describe('index', () => {
  const entries: IndexEntry[] = [
    { team: 'red', kind: 'monitoring', date: '2017-11-09', title: 'red: monitoring 2017-11-09', href: 'red/monitoring.html#2017-11-09' },
    { team: 'red', kind: 'monitoring', date: '2017-11-10', title: `red: monitoring ${EVIL}`, href: 'red/monitoring.html#2017-11-10' },
    { team: 'blue', kind: 'trading', date: null, title: 'blue: trading report', href: 'blue/trading.html' },
    { team: 'red', kind: 'training', date: null, title: 'red: model v0003', href: 'red/training/v0003.html' },
    { team: 'all', kind: 'leaderboard', date: null, title: 'Leaderboard', href: 'leaderboard.html' },
  ];
  const html = renderIndex(entries, '2017-11-10T16:30:00-05:00');

  it('groups by team then kind, newest first, with relative links', () => {
    selfContained(html);
    expect(html).not.toContain(EVIL);
    const order = ['Competition', 'leaderboard.html', 'Team blue', 'blue/trading.html', 'Team red', 'red/training/v0003.html', 'red/monitoring.html#2017-11-10', 'red/monitoring.html#2017-11-09'].map((s) => html.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).toContain('<h3>monitoring (2)</h3>');
    expect(html).toContain('generated 2017-11-10T16:30:00-05:00');
  });

  it('says so when there is nothing yet', () => {
    expect(renderIndex([], '2017-11-10')).toContain('No reports yet.');
  });
});

describe('writeReport', () => {
  it('writes the HTML and the pretty JSON beside it, creating the directories', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-reports-'));
    const file = path.join(dir, 'red', 'trading.html');
    const data = tradingData();
    const html = renderTrading(data);
    await writeReport(file, html, data);
    expect(readFileSync(file, 'utf8')).toBe(html);
    const json = readFileSync(file.replace(/\.html$/, '.json'), 'utf8');
    expect(json).toContain('\n  "team": "red",');
    expect(JSON.parse(json)).toEqual(data);
  });

  it('refuses a path that is not .html', async () => {
    await expect(writeReport(path.join(tmpdir(), 'x.json'), '', {})).rejects.toThrow(/\.html/);
  });
});

describe('size', () => {
  it('a season of monitoring (252 days, 10 symbols, 40 drift columns) stays under 1 MB per team (the page; its JSON copy about as much again)', () => {
    const base = monitoringDays()[1] as MonitoringDay;
    const syms = Array.from({ length: 10 }, (_, i) => `S${i}`);
    const cols = Array.from({ length: 40 }, (_, i) => `feature_${i}`);
    const days: MonitoringDay[] = Array.from({ length: 252 }, (_, i) => {
      const date = new Date(Date.UTC(2017, 0, 2 + i)).toISOString().slice(0, 10);
      const prev = new Date(Date.UTC(2017, 0, 1 + i)).toISOString().slice(0, 10);
      const metric = () => ({ n: i * 10, me: Math.random() * 1e-3, mae: Math.random() * 1e-2, rmse: Math.random() * 1e-2, mape: Math.random(), r2: Math.random() - 0.5, directional_accuracy: Math.random(), error_p05: -Math.random() * 1e-2, error_median: Math.random() * 1e-3, error_p95: Math.random() * 1e-2 });
      return {
        ...base,
        date,
        metrics: { pooled: metric(), by_symbol: Object.fromEntries(syms.map((s) => [s, metric()])) },
        drift: { ...(base.drift as NonNullable<MonitoringDay['drift']>), columns: Object.fromEntries(cols.map((c) => [c, { type: 'num' as const, test: 'ks' as const, score: Math.random(), threshold: 0.05, drift: Math.random() < 0.3 }])) },
        pairs: syms.map((s) => ({ date: prev, symbol: s, predicted: Math.random() * 1e-2, actual: Math.random() * 1e-2, truth_date: date })),
        rolling: { window: 20, names: ['mae', 'directional_accuracy'], points: [{ date: prev, values: [Math.random(), Math.random()] }] },
      };
    });
    const data = monitoringPageData(days, 'x');
    expect(Buffer.byteLength(renderMonitoringPage(data))).toBeLessThan(1024 * 1024);
  });
});
