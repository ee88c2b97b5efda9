/** `arena features`: the feature matrix one symbol's model sees, as a cycle on `asOf` builds it. */
import type { TeamConfig } from '../../config/load.ts';
import { joinAvValues, type AvAnswer, type ExternalValues } from '../../domain/features/alphavantage.ts';
import { availableFields, buildFeatureMatrix, planFeatures, type FeaturePlan, type FeatureRow } from '../../domain/features/matrix.ts';
import { isIndicatorSource, providerSpec } from '../../adapters/market/alphavantage/index.ts';
import type { MarketData } from '../../ports.ts';

/**
 * One symbol's matrix as a cycle on `asOf` builds it, for `arena features`: the bars from `market` and, when
 * the team lists `features.alphavantage` and `market` serves them (the team's alphavantage provider), those
 * values joined by date. Through the provider, so the budget, the cache and stale serving apply; a stale
 * indicator is still written (the file says what the model would see), a missing one drops its rows.
 */
export async function teamFeatureMatrix(team: TeamConfig, symbol: string, market: MarketData, asOf: string): Promise<{ plan: FeaturePlan; rows: FeatureRow[]; stale: string[] }> {
  const { bars } = await market.daily({ symbol, asOf });
  let external: ExternalValues | undefined;
  const stale: string[] = [];
  const wanted = team.features.alphavantage ?? [];
  if (wanted.length > 0 && isIndicatorSource(market)) {
    const answers: AvAnswer[] = [];
    for (const indicator of wanted) {
      const s = await market.indicator(symbol, providerSpec(indicator), { asOf });
      if (s.stale) stale.push(`${s.key}: ${s.staleReason ?? 'refresh failed'}`);
      answers.push({ indicator, values: s.values });
    }
    external = joinAvValues(answers);
  }
  const plan = planFeatures(team.features, availableFields([{ bars }]), [], { external: external !== undefined, registry: team.plugins.features });
  return { plan, rows: buildFeatureMatrix(symbol, bars, team.features, plan, external, team.plugins.features), stale };
}
