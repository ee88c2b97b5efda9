// The calendar concern: NYSE sessions 1990-2035 and the clocks that schedule on them.
export * from './nyse.ts';
export { ReplayClock, WallClock, nyDateTime, tradingDaysBetween } from './clock.ts';
export type { Clock, ReplayClockOptions } from './clock.ts';
