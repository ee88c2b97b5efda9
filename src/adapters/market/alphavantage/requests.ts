/** A team file's `features.alphavantage` entry (the API's own parameter names) as the provider's request. */
import type { AvIndicator } from '../../../domain/features/alphavantage.ts';
import type { IndicatorSpec } from '../../../ports.ts';

export function providerSpec(ind: AvIndicator): IndicatorSpec {
  switch (ind.function) {
    case 'RSI':
    case 'EMA':
    case 'SMA':
      return { function: ind.function, timePeriod: ind.time_period, seriesType: ind.series_type };
    case 'MACD':
      return { function: 'MACD', fastPeriod: ind.fastperiod, slowPeriod: ind.slowperiod, signalPeriod: ind.signalperiod, seriesType: ind.series_type };
    case 'BBANDS':
      return { function: 'BBANDS', timePeriod: ind.time_period, nbdevup: ind.nbdevup, nbdevdn: ind.nbdevdn, matype: ind.matype, seriesType: ind.series_type };
  }
}
