/**
 * `teamFeatureMatrix` (what `arena features` can write for an alphavantage team): the real npm client,
 * through our provider, against the emulator; the av_* columns hold the emulator's values by date.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTeam, type TeamConfig } from '../../src/config/load.ts';
import { loadEnv } from '../../src/config/env.ts';
import { teamFeatureMatrix } from '../../src/apps/cli/features-command.ts';
import { startAlphaVantageEmulator, type AlphaVantageEmulator } from '../../src/sim/alphavantage/index.ts';
import { AlphaVantageMarketData } from '../../src/adapters/market/alphavantage/index.ts';
import { sampleMarketData } from '../../src/adapters/market/csv.ts';
import { FsArtifactStore } from '../../src/adapters/storage/fs.ts';
import { REPO_ROOT } from '../../src/testing/services.ts';

const KEY = 'AVFEATKEY9';
const ASOF = '2017-06-30';

describe('teamFeatureMatrix with Alpha Vantage indicators', () => {
  let emu: AlphaVantageEmulator;
  let dir: string;
  let team: TeamConfig;
  beforeAll(async () => {
    emu = await startAlphaVantageEmulator({ data: sampleMarketData(), apiKey: KEY, asOf: ASOF });
    dir = mkdtempSync(path.join(tmpdir(), 'arena-avfeat-'));
    cpSync(path.join(REPO_ROOT, 'teams'), path.join(dir, 'teams'), { recursive: true });
    cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
    const f = path.join(dir, 'teams', 'blue.yml');
    writeFileSync(
      f,
      readFileSync(f, 'utf8')
        .replace('provider: sample', 'provider: alphavantage')
        .replace('features:\n', 'features:\n  alphavantage:\n    - { function: SMA, time_period: 10 }\n    - { function: BBANDS, time_period: 20 }\n'),
    );
    team = await loadTeam('teams/blue.yml', { root: dir, secrets: loadEnv({ file: '/nonexistent', env: { ALPHAVANTAGE_API_KEY: KEY } }) });
  });
  afterAll(async () => {
    await emu.close();
  });

  const market = (sub: string) =>
    new AlphaVantageMarketData({ apiKey: KEY, baseUrl: emu.url, store: new FsArtifactStore(path.join(dir, sub)), budgetFile: path.join(dir, sub, 'budget.json'), minIntervalMs: 0, refreshIntervalMs: 0 });

  it('joins the emulator’s SMA and BBANDS values by date', async () => {
    const { plan, rows, stale } = await teamFeatureMatrix(team, 'MSFT', market('a'), ASOF);
    expect(stale).toEqual([]);
    const cols = ['av_sma_10', 'av_bbands_upper_20', 'av_bbands_middle_20', 'av_bbands_lower_20'];
    for (const c of cols) expect(plan.columns).toContain(c);
    const res = await fetch(`${emu.url}?function=BBANDS&symbol=MSFT&interval=daily&time_period=20&series_type=close&nbdevup=2&nbdevdn=2&apikey=${KEY}`);
    const bb = ((await res.json()) as Record<string, Record<string, Record<string, string>>>)['Technical Analysis: BBANDS'] ?? {};
    expect(rows.at(-1)?.date).toBe(ASOF);
    // Every MSFT date from the first with all of blue's features (the 100-day SMA's warm-up past) to ASOF.
    expect([rows.length, rows[0]?.date]).toEqual([4303, '2000-05-24']);
    for (const r of rows) {
      expect(r.features[plan.columns.indexOf('av_bbands_upper_20')], r.date).toBe(Number(bb[r.date]?.['Real Upper Band']));
      expect(r.features[plan.columns.indexOf('av_bbands_lower_20')], r.date).toBe(Number(bb[r.date]?.['Real Lower Band']));
    }
  });

  it('a plain CSV source cannot serve them: the columns are dropped with the reason', async () => {
    const { plan, rows } = await teamFeatureMatrix(team, 'MSFT', sampleMarketData(), ASOF);
    expect(plan.columns.some((c) => c.startsWith('av_'))).toBe(false);
    expect(plan.dropped.map((d) => d.feature)).toEqual(expect.arrayContaining(['alphavantage SMA', 'alphavantage BBANDS']));
    // The same rows as with the av_* columns: their warm-up ends before the local features'.
    expect([rows.length, rows[0]?.date, rows.at(-1)?.date]).toEqual([4303, '2000-05-24', ASOF]);
  });

  it('a premium answer with a cache: the cached values, reported stale', async () => {
    const m = market('b');
    emu.setAsOf('2017-06-15');
    await teamFeatureMatrix(team, 'MSFT', m, '2017-06-15');
    emu.setAsOf(ASOF);
    emu.setFault({ mode: 'premium', function: 'SMA' });
    try {
      const { rows, stale } = await teamFeatureMatrix(team, 'MSFT', m, ASOF);
      expect(stale).toHaveLength(1);
      expect(stale[0]).toMatch(/^SMA_10_close: premium: /);
      // SMA stops at the cached 2017-06-15: later rows lack it and are dropped.
      expect(rows.at(-1)?.date).toBe('2017-06-15');
    } finally {
      emu.setFault(null);
    }
  });
});
