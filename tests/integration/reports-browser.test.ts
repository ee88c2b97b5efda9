/**
 * The reports in real headless Chromium with every network request refused: the charts must draw
 * (uPlot inlined), no script error, tables present. Chromium comes from scripts/services.sh.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderLeaderboard } from '../../src/reports/leaderboard.ts';
import { renderMonitoring } from '../../src/reports/monitoring.ts';
import { renderTraining } from '../../src/reports/training.ts';
import { renderTrading } from '../../src/reports/trading.ts';
import { leaderboardView, monitoringData, tradingData, trainingData } from '../fixtures/reports/data.ts';
import { REPO_ROOT, servicesEnv, servicesRequired } from '../helpers/services.ts';

/** Screenshots kept for people to look at (git-ignored). */
const ARTIFACTS = path.join(REPO_ROOT, 'tests', 'artifacts');

const exe = servicesEnv().CHROMIUM_PATH || '/usr/bin/chromium';
const have = existsSync(exe);
if (!have && servicesRequired()) throw new Error(`Chromium not found at ${exe}: run \`bash scripts/services.sh setup\``);
if (!have) console.warn(`SKIPPED report browser tests: no Chromium at ${exe}`);

describe.skipIf(!have)('reports in headless Chromium (offline)', () => {
  let browser: Browser;
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-browser-'));
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  async function open(name: string, html: string) {
    const file = path.join(dir, `${name}.html`);
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const blocked: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.route('**/*', (r) => {
      if (r.request().url().startsWith('file:')) return r.continue();
      blocked.push(r.request().url());
      return r.abort();
    });
    await page.goto(pathToFileURL(file).toString());
    await page.waitForLoadState('load');
    return { page, errors, blocked };
  }

  it.each([
    ['leaderboard', () => renderLeaderboard(leaderboardView()), ['equity']],
    ['monitoring', () => renderMonitoring(monitoringData()), ['rolling', 'pairs']],
    ['training', () => renderTraining(trainingData()), ['loss']],
    ['trading', () => renderTrading(tradingData()), ['equity', 'drawdown']],
  ] as const)('%s draws its charts with no network and no error', { timeout: 60_000 }, async (name, render, charts) => {
    const { page, errors, blocked } = await open(name, render());
    for (const id of charts) {
      const canvases = await page.locator(`#${id} canvas`).count();
      expect(canvases, `${name}: chart ${id}`).toBeGreaterThan(0);
      const box = await page.locator(`#${id} canvas`).first().boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(300);
    }
    // Drawn, not just present: some canvas pixel is not transparent.
    // Runs in the page (plain JS: the test's TypeScript has no DOM types).
    const inked = (await page.evaluate(`${JSON.stringify(charts)}.every((id) => {
      const c = document.querySelector('#' + id + ' canvas');
      const px = c && c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      return !!px && px.some((v, i) => i % 4 === 3 && v > 0);
    })`)) as boolean;
    expect(inked).toBe(true);
    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, `report-${name}.png`), fullPage: true });
    await page.close();
  });

  it('the leaderboard table has both teams and the benchmark', { timeout: 60_000 }, async () => {
    const { page } = await open('lb', renderLeaderboard(leaderboardView()));
    const rows = await page.locator('table.leaderboard tbody tr').allInnerTexts();
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain('blue');
    expect(rows[2]).toContain('SPX buy & hold');
    await page.close();
  });
});
