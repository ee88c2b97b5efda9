import { describe, expect, it } from 'vitest';
import { escapeHtml, scriptJson } from '../../src/reports/html.ts';
import { renderIndex } from '../../src/reports/index-page.ts';
import { renderLeaderboard } from '../../src/reports/leaderboard.ts';
import { renderMonitoring } from '../../src/reports/monitoring.ts';
import { renderTraining } from '../../src/reports/training.ts';
import { renderTrading } from '../../src/reports/trading.ts';
import { EVIL, leaderboardView, monitoringData, tradingData, trainingData } from '../fixtures/reports/data.ts';

const chartData = (html: string) => JSON.parse(/<script type="application\/json" id="chart-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? 'null') as { id: string; x: unknown[]; series: { label: string; values: (number | null)[] }[] }[];

function selfContained(html: string): void {
  expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?\/\//i);
  expect(html).not.toMatch(/@import|url\(\s*["']?https?:/i);
}

describe('reports', () => {
  const pages = {
    leaderboard: renderLeaderboard(leaderboardView()),
    monitoring: renderMonitoring(monitoringData()),
    training: renderTraining(trainingData()),
    trading: renderTrading(tradingData()),
    index: renderIndex([{ team: 'red', kind: 'monitoring', date: '2017-11-10', title: `red ${EVIL}`, href: 'red/2017-11-10/monitoring.html' }], '2017-11-10'),
  };

  it('are self-contained (no network) and escape every value', () => {
    for (const [name, html] of Object.entries(pages)) {
      selfContained(html);
      expect(html, name).not.toContain(EVIL);
    }
    expect(pages.monitoring).toContain(escapeHtml(EVIL));
    expect(pages.trading).toContain(escapeHtml(EVIL));
  });

  it('chart data cannot close its script element', () => {
    expect(scriptJson({ a: '</script><script>alert(1)</script>' })).not.toContain('</script>');
    expect(JSON.parse(scriptJson({ a: '</script>' }))).toEqual({ a: '</script>' });
  });

  it('leaderboard: ranked by final equity, benchmark last, curves carried exactly', () => {
    const html = pages.leaderboard;
    expect(html.indexOf('>blue<')).toBeLessThan(html.indexOf('>red<'));
    expect(html.indexOf('>red<')).toBeLessThan(html.indexOf('SPX buy &amp; hold'));
    expect(html).toContain('$104,000.10');
    expect(html).toContain('4.00%');
    const [chart] = chartData(html);
    expect(chart?.series.map((s) => s.label)).toEqual(['red', 'blue', 'SPX buy & hold']);
    expect(chart?.series[1]?.values).toEqual(leaderboardView().curves[1]?.points.map((p) => p.equity));
    expect(html).not.toContain('http-equiv="refresh"');
  });

  it('leaderboard of a running competition refreshes itself and shows progress', () => {
    const html = renderLeaderboard(leaderboardView({ refresh_seconds: 5, progress: { done: 12, total: 252 } }));
    expect(html).toContain('<meta http-equiv="refresh" content="5">');
    expect(html).toContain('trading day 12 of 252');
  });

  it('monitoring: drift verdict and per-column table, metrics, rolling chart', () => {
    const html = pages.monitoring;
    expect(html).toContain('dataset drift');
    expect(html).toMatch(/3 of 5 columns drifted/);
    expect(html).toContain('chisquare');
    const charts = chartData(html);
    expect(charts.map((c) => c.id)).toEqual(['rolling', 'pairs']);
    expect(charts[0]?.series.find((s) => s.label === 'directional_accuracy')?.values.slice(0, 3)).toEqual([null, null, null]);
  });

  it('training: the gate verdict with its FAIL reason, every baseline and the champion', () => {
    const html = pages.training;
    expect(html).toContain('FAIL: mae 0.0081 does not beat the champion (0.0079)');
    expect(html).toMatch(/class="fail">FAIL/);
    for (const col of ['candidate', 'baseline: moving_average', 'baseline: zero', 'champion']) expect(html).toContain(col);
    expect(chartData(html)[0]?.x).toEqual(trainingData().history.map((h) => h.epoch));
  });

  it('trading: orders link to their prediction report; equity and drawdown charts', () => {
    const html = pages.trading;
    expect(html).toContain('href="2017-11-09/monitoring.html"');
    const charts = chartData(html);
    expect(charts.map((c) => c.id)).toEqual(['equity', 'drawdown']);
    expect(Math.min(...(charts[1]?.series[0]?.values as number[]))).toBeLessThanOrEqual(0);
  });

  it('a daily report stays light (uPlot inlined once, under 300 KB)', () => {
    expect(Buffer.byteLength(pages.monitoring)).toBeLessThan(300 * 1024);
  });
});
