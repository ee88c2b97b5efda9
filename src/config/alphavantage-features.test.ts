/** `features.alphavantage` in a team file: accepted with the alphavantage provider, a one-line ConfigError otherwise. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTeam } from './load.ts';
import { loadEnv } from './env.ts';
import { ConfigError } from '../core/errors.ts';
import { REPO_ROOT } from '../testing/services.ts';
import { providerSpec } from '../adapters/market/alphavantage/index.ts';
import { avIndicatorSchema } from '../domain/features/alphavantage.ts';
import { indicatorKey } from '../adapters/market/alphavantage/index.ts';

const AV = `
  alphavantage:
    - { function: RSI, time_period: 14 }
    - { function: MACD, fastperiod: 12, slowperiod: 26, signalperiod: 9 }
    - { function: BBANDS, time_period: 20, nbdevup: 2, nbdevdn: 2 }
`;

/** teams/blue.yml with the Alpha Vantage indicators added under features (and the provider changed when asked). */
function project(opts: { provider?: string; features?: string; lags?: string }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-avcfg-'));
  cpSync(path.join(REPO_ROOT, 'teams'), path.join(dir, 'teams'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
  const f = path.join(dir, 'teams', 'blue.yml');
  let y = readFileSync(f, 'utf8').replace('features:\n', `features:${opts.features ?? AV}`);
  if (opts.provider) y = y.replace('provider: sample', `provider: ${opts.provider}`);
  if (opts.lags) y = y.replace('lags: { columns: [ret_1], count: 10 }', opts.lags);
  writeFileSync(f, y);
  return dir;
}

const secrets = loadEnv({ file: '/nonexistent/.env.secrets', env: { ALPHAVANTAGE_API_KEY: 'k' } });

async function configError(root: string): Promise<ConfigError> {
  const err = await loadTeam('teams/blue.yml', { root, secrets }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as Error).message).not.toContain('\n');
  return err as ConfigError;
}

describe('features.alphavantage', () => {
  it('loads with data.provider alphavantage, defaults filled in', async () => {
    const team = await loadTeam('teams/blue.yml', { root: project({ provider: 'alphavantage' }), secrets });
    expect(team.features.alphavantage).toEqual([
      { function: 'RSI', interval: 'daily', time_period: 14, series_type: 'close' },
      { function: 'MACD', interval: 'daily', series_type: 'close', fastperiod: 12, slowperiod: 26, signalperiod: 9 },
      { function: 'BBANDS', interval: 'daily', time_period: 20, series_type: 'close', nbdevup: 2, nbdevdn: 2, matype: 0 },
    ]);
  });

  it('with another provider is a config error naming the file and the field', async () => {
    const err = await configError(project({}));
    expect(err.message).toBe(
      `teams/blue.yml: features.alphavantage: expected data.provider: alphavantage to go with it (these columns come from Alpha Vantage's technical-indicator endpoints), got "sample"`,
    );
  });

  it('a bad entry names its index and key', async () => {
    const err = await configError(project({ provider: 'alphavantage', features: '\n  alphavantage:\n    - { function: RSI, time_period: 0 }\n' }));
    expect(err.message).toMatch(/^teams\/blue\.yml: features\.alphavantage\[0\]\.time_period: expected an integer ≥ 1 and ≤ 500, got 0/);
    const weekly = await configError(project({ provider: 'alphavantage', features: '\n  alphavantage:\n    - { function: EMA, time_period: 5, interval: weekly }\n' }));
    expect(weekly.message).toMatch(/^teams\/blue\.yml: features\.alphavantage\[0\]\.interval: expected "daily", got "weekly"/);
  });

  it('lags may name av_* columns; an unknown one is still refused', async () => {
    const ok = await loadTeam('teams/blue.yml', { root: project({ provider: 'alphavantage', lags: 'lags: { columns: [ret_1, av_rsi_14, av_macd_hist], count: 3 }' }), secrets });
    expect(ok.features.lags?.columns).toContain('av_macd_hist');
    const err = await configError(project({ provider: 'alphavantage', lags: 'lags: { columns: [av_rsi_99], count: 3 }' }));
    expect(err.message).toMatch(/^teams\/blue\.yml: features\.lags\.columns: "av_rsi_99" is not a feature column/);
  });

  it('each entry becomes the provider request with the API parameters (and its cache key)', () => {
    const key = (v: unknown) => indicatorKey(providerSpec(avIndicatorSchema.parse(v)));
    expect(key({ function: 'RSI', time_period: 14 })).toBe('RSI_14_close');
    expect(key({ function: 'SMA', time_period: 50, series_type: 'high' })).toBe('SMA_50_high');
    expect(key({ function: 'MACD', fastperiod: 5, slowperiod: 35, signalperiod: 5 })).toBe('MACD_5_35_5_close');
    expect(key({ function: 'BBANDS', time_period: 20, nbdevup: 2.5, matype: 1, series_type: 'open' })).toBe('BBANDS_20_2.5_2_1_open');
    expect(providerSpec(avIndicatorSchema.parse({ function: 'EMA', time_period: 9 }))).toEqual({ function: 'EMA', timePeriod: 9, seriesType: 'close' });
  });
});
