/** The local Alpha Vantage emulator (used by tests and by the lead's `arena` CLI). */
export {
  BAD_KEY_BODY,
  PREMIUM_BODY,
  RATE_LIMIT_BODY,
  RATE_LIMIT_NOTE_BODY,
  badSymbolBody,
  faultSpecSchema,
  startAlphaVantageEmulator,
} from './server.ts';
export type { AlphaVantageEmulator, AlphaVantageEmulatorOptions, EmulatorRequestRecord, FaultSpec } from './server.ts';
export { FAULT_MODES, type FaultMode } from './fault-modes.ts';
export { bbands, ema, macd, rsi, sma } from './indicators.ts';
export type { BbandsRow, MacdRow, Series } from './indicators.ts';
