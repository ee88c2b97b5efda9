/**
 * The reports in real headless Chromium with every network request refused: the charts must draw
 * (uPlot inlined), no script error, tables present. Chromium comes from scripts/services.sh.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContextOptions } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderIndex } from '../../src/adapters/reports/index-page.ts';
import { renderLeaderboard } from '../../src/adapters/reports/leaderboard.ts';
import { monitoringPageData, renderMonitoringPage } from '../../src/adapters/reports/monitoring.ts';
import { renderTraining } from '../../src/adapters/reports/training.ts';
import { renderTrading } from '../../src/adapters/reports/trading.ts';
import type { LeaderboardView } from '../../src/adapters/reports/types.ts';
import { EVIL, leaderboardView, monitoringDays, tradingData, trainingData } from '../../src/testing/report-fixtures.ts';
import { REPO_ROOT, servicesEnv, servicesRequired } from '../../src/testing/services.ts';

/** Screenshots kept for people to look at (git-ignored). */
const ARTIFACTS = path.join(REPO_ROOT, 'tests', 'artifacts');

const exe = servicesEnv().CHROMIUM_PATH || '/usr/bin/chromium';
const have = existsSync(exe);
if (!have && servicesRequired()) throw new Error(`Chromium not found at ${exe} (ARENA_SERVICES=required): install it or set CHROMIUM_PATH, e.g. \`bash scripts/services.sh setup\``);
if (!have) console.warn(`SKIPPED report browser tests: no Chromium at ${exe} (set CHROMIUM_PATH)`);

describe.skipIf(!have)('reports in headless Chromium (offline)', () => {
  let browser: Browser;
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-browser-'));
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // A zone west of UTC: the x axis must still label the dates as written.
  async function open(name: string, html: string, options: BrowserContextOptions = {}) {
    const file = path.join(dir, `${name}.html`);
    writeFileSync(file, html);
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, timezoneId: 'America/New_York', ...options });
    const page = await context.newPage();
    const errors: string[] = [];
    const blocked: string[] = [];
    const dialogs: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.route('**/*', (r) => {
      if (r.request().url().startsWith('file:')) return r.continue();
      blocked.push(r.request().url());
      return r.abort();
    });
    await page.goto(pathToFileURL(file).toString());
    await page.waitForLoadState('load');
    const close = () => context.close();
    return { page, errors, blocked, dialogs, close };
  }

  // The series the fixtures (src/testing/report-fixtures.ts) plot, as each chart's legend names them.
  const LEGENDS: Record<string, string[]> = {
    'leaderboard/equity': ['date', 'red', 'blue', 'SPX buy & hold'],
    'monitoring/rolling': ['date', 'mae', 'directional_accuracy'],
    'monitoring/pairs': ['date', 'predicted', 'actual'],
    'monitoring/drift': ['date', 'drift share', 'threshold'],
    'training/loss': ['epoch', 'loss', 'val_loss'],
    'trading/equity': ['date', 'red', 'SPX'],
    'trading/drawdown': ['date', 'drawdown'],
  };
  it.each([
    ['leaderboard', () => renderLeaderboard(leaderboardView()), ['equity']],
    ['monitoring', () => renderMonitoringPage(monitoringPageData(monitoringDays(), '2017-10-31T16:30:00-04:00')), ['rolling', 'pairs', 'drift']],
    ['training', () => renderTraining(trainingData()), ['loss']],
    ['trading', () => renderTrading(tradingData()), ['equity', 'drawdown']],
  ] as const)('%s draws its charts with no network and no error', { timeout: 60_000 }, async (name, render, charts) => {
    const { page, errors, blocked, close } = await open(name, render());
    const placeholders = await page.locator('[data-chart]').evaluateAll((els) => els.map((e) => e.id));
    expect(placeholders).toEqual([...charts]);
    for (const id of charts) {
      expect(await page.locator(`#${id} canvas`).count(), `${name}: chart ${id}`).toBe(1);
      const box = await page.locator(`#${id} canvas`).first().boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(300);
      // uPlot's legend lists every series by name (the x axis first), each followed by its value ("--" off the plot).
      const legend = (await page.locator(`#${id} .u-legend .u-series`).allTextContents()).map((t) => t.replace(/--$/, ''));
      expect(legend, `${name}: chart ${id}`).toEqual(LEGENDS[`${name}/${id}`]);
    }
    // Drawn, not just present: some canvas pixel is not transparent.
    // Runs in the page (plain JS: the test's TypeScript has no DOM types).
    const inked = (await page.evaluate(`${JSON.stringify(charts)}.every((id) => {
      const c = document.querySelector('#' + id + ' canvas');
      const px = c && c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      return !!px && px.some((v, i) => i % 4 === 3 && v > 0);
    })`)) as boolean;
    expect(inked).toBe(true);
    // No-JS fallback tables stay hidden while the charts draw.
    expect(await page.locator('table.chart-summary').count()).toBe(0);
    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, `report-${name}.png`), fullPage: true });
    await close();
  });

  it('the leaderboard table has both teams and the benchmark, best first', { timeout: 60_000 }, async () => {
    const { page, errors, close } = await open('lb', renderLeaderboard(leaderboardView()));
    const rows = await page.locator('table.leaderboard tbody tr').allInnerTexts();
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain('blue');
    expect(rows[0]).toContain('$104,000.10');
    expect(rows[1]).toContain('red');
    expect(rows[2]).toContain('SPX buy & hold');
    expect(errors).toEqual([]);
    await close();
  });

  it('a hostile team name stays text, in the table and in the chart legend', { timeout: 60_000 }, async () => {
    const view = leaderboardView();
    view.leaderboard.teams[0] = { ...(view.leaderboard.teams[0] as LeaderboardView['leaderboard']['teams'][number]), team: EVIL };
    (view.curves[0] as LeaderboardView['curves'][number]).name = EVIL;
    const { page, errors, dialogs, close } = await open('evil', renderLeaderboard(view));
    // The chart's legend is drawn by the page's script: once it holds the name, the script has run.
    expect(await page.locator('#equity .u-legend').innerText()).toContain(EVIL);
    expect(await page.locator('table.leaderboard').innerText()).toContain(EVIL);
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await close();
  });

  it('without JavaScript every chart shows its key numbers as a table', { timeout: 60_000 }, async () => {
    const { page, errors, close } = await open('nojs', renderTrading(tradingData()), { javaScriptEnabled: false });
    expect(await page.locator('canvas').count()).toBe(0);
    const tables = page.locator('table.chart-summary');
    expect(await tables.count()).toBe(2);
    expect(await tables.first().innerText()).toContain('$100,000.00');
    expect(errors).toEqual([]);
    await close();
  });

  it('the monitoring page shows the day of its #date anchor, and the selector switches days', { timeout: 60_000 }, async () => {
    const data = monitoringPageData(monitoringDays(), '2017-10-31T16:30:00-04:00');
    const { page, errors, blocked, dialogs, close } = await open('monitoring-days', renderMonitoringPage(data));
    // No anchor: the latest day.
    expect(await page.locator('#day-title').innerText()).toBe('Day 2017-10-31');
    expect(await page.locator('#day').inputValue()).toBe('2017-10-31');
    const cells = (sel: string) => page.locator(sel).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    const h3Table = (title: string) => `h3:text-is("${title}") + table tbody tr`;
    expect(await cells(h3Table('Values outside the reference range'))).toEqual([['ret_1', '2']]);
    // The anchor the trading report links to.
    await page.goto(`${page.url().split('#')[0]}#2017-10-04`);
    await page.waitForFunction(`document.getElementById('day-title').textContent === 'Day 2017-10-04'`);
    expect(await page.locator('#day').inputValue()).toBe('2017-10-04');
    expect(await page.locator('#day-view').innerText()).toContain('Not computed this day');
    expect(await cells(h3Table('Latest predictions vs truth'))).toEqual([
      ['2017-10-03', 'MSFT', '-0.100%', '0.100%'],
      ['2017-10-03', 'AAPL', `${(0.1 * Math.sin(2)).toFixed(3)}%`, `${(0.2 * Math.cos(2)).toFixed(3)}%`],
      ['2017-10-02', 'MSFT', '-0.100%', '0.100%'],
      ['2017-10-02', 'AAPL', `${(0.1 * Math.sin(1)).toFixed(3)}%`, `${(0.2 * Math.cos(1)).toFixed(3)}%`],
    ]);
    expect(await cells(h3Table('Metrics per symbol'))).toEqual([['AAPL', '2', '0.008', '0.011', '0.55'], ['MSFT', '2', '0.009', '0.013', '0.5']]);
    // The selector: another day, its drift table (the hostile column name stays text).
    await page.locator('#day').selectOption('2017-10-03');
    await page.waitForFunction(`document.getElementById('day-title').textContent === 'Day 2017-10-03'`);
    expect(page.url()).toMatch(/#2017-10-03$/);
    const drift = await cells('#drift-table tbody tr');
    expect(drift).toEqual([
      ['rsi_14', 'num', 'ks', '0.0011', '0.05', 'yes'],
      [EVIL, 'num', 'wasserstein', '0.3', '0.1', 'yes'],
      ['dow', 'cat', 'chisquare', '0.7', '0.05', 'no'],
    ]);
    expect(await page.locator('#day-view').innerText()).toContain('dataset drift 2 of 3 columns drifted (share 0.6, threshold 0.5)');
    expect(await page.locator('#day-view').innerText()).toContain(`volume is 0 ${EVIL}`);
    await page.locator('#prev').click();
    await page.waitForFunction(`document.getElementById('day-title').textContent === 'Day 2017-10-02'`);
    expect(await page.locator('#day-view').innerText()).toContain('1 of 3 columns drifted');
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    await close();
  });

  it('the index page loads with no error and relative links', { timeout: 60_000 }, async () => {
    const html = renderIndex(
      [
        { team: 'all', kind: 'leaderboard', date: null, title: 'Leaderboard', href: 'leaderboard.html' },
        { team: 'red', kind: 'monitoring', date: '2017-11-10', title: 'red: monitoring 2017-11-10', href: 'red/monitoring.html#2017-11-10' },
      ],
      '2017-11-10T16:30:00-05:00',
    );
    const { page, errors, blocked, close } = await open('index', html);
    const hrefs = await page.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(['leaderboard.html', 'red/monitoring.html#2017-11-10']);
    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    await close();
  });
});
