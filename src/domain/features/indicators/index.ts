/**
 * The built-in feature families, in column order: a plan lists the columns of the families a team
 * uses in this order (then the external `av_*` columns, then derived columns such as lags). The
 * journal and the model cards depend on that order, so it is this list, not module load order.
 * A new family is one file beside this one exporting its factory, plus one entry here.
 */
import { atrFeature } from './atr.ts';
import { bollingerFeature } from './bollinger.ts';
import { calendarFeature } from './calendar.ts';
import { emaFeature } from './ema.ts';
import { lagsFeature } from './lags.ts';
import { macdFeature } from './macd.ts';
import { obvFeature } from './obv.ts';
import { returnsFeature } from './returns.ts';
import { rsiFeature } from './rsi.ts';
import { smaFeature } from './sma.ts';
import { stochasticFeature } from './stochastic.ts';
import { volatilityFeature } from './volatility.ts';
import { volumeZFeature } from './volume-z.ts';

export const BUILT_IN_FEATURES = [
  rsiFeature,
  emaFeature,
  smaFeature,
  macdFeature,
  bollingerFeature,
  atrFeature,
  stochasticFeature,
  obvFeature,
  returnsFeature,
  volatilityFeature,
  volumeZFeature,
  calendarFeature,
  lagsFeature,
] as const;
