/** The `alphavantage` market-data provider: client adapter, typed errors, request budget. */
export { AlphaVantageMarketData, DEFAULT_BASE_URL, PROVIDER, indicatorKey, isIndicatorSource } from './provider.ts';
export { providerSpec } from './requests.ts';
export type { AlphaVantageOptions, MarketLogger } from './provider.ts';
export { MarketDataError, errorBodyOf, errorFromBody, errorFromClientRejection, isMarketDataError } from '../errors.ts';
export type { ErrorBody, ErrorContext, MarketDataErrorInit, MarketDataErrorKind } from '../errors.ts';
export { RequestBudget } from './budget.ts';
export type { BudgetDayZone, BudgetSnapshot, RequestBudgetOptions } from './budget.ts';
export { INDICATOR_COLUMNS, INDICATOR_FUNCTIONS } from './schemas.ts';
export type { IndicatorFunction } from './schemas.ts';
