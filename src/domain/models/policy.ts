/**
 * When to retrain: pure decisions from the lifecycle policy and what the previous cycles saw.
 * Otherwise the cycle reloads the champion (also after a restart: nothing is retrained).
 */
export interface RetrainPolicy {
  every_trading_days: number;
  on_drift: boolean;
  drift_cooldown_trading_days?: number;
  on_degradation?: { min_directional_accuracy: number; window_trading_days: number };
  mode: 'auto' | 'manual';
}

export interface RetrainContext {
  policy: RetrainPolicy;
  hasChampion: boolean;
  /** Trading days since the last training attempt (null: never trained). */
  tradingDaysSinceLastTraining: number | null;
  /** Trading days since the last drift-triggered training (null: never). */
  tradingDaysSinceDriftRetrain: number | null;
  /** The previous cycle's monitoring verdict. */
  lastDrift: { dataset_drift: boolean; drift_share: number } | null;
  /** Live directional accuracy of the champion over the degradation window (null: not enough history). */
  liveDirectionalAccuracy: number | null;
  /** `arena retrain` or POST /retrain asked for it. */
  manualRequest: boolean;
}

/** What decided: the retrain policy's branches, as data (the reason is the sentence for people). */
export const RETRAIN_TRIGGERS = ['manual', 'first_model', 'schedule', 'drift', 'degradation', 'reload', 'manual_mode', 'waiting'] as const;
export type RetrainTrigger = (typeof RETRAIN_TRIGGERS)[number];

export interface RetrainDecision {
  retrain: boolean;
  trigger: RetrainTrigger;
  reason: string;
}

/** Drift persists for days; retraining on it every day would only burn time. */
export const DEFAULT_DRIFT_COOLDOWN_TRADING_DAYS = 10;

export function shouldRetrain(c: RetrainContext): RetrainDecision {
  if (c.manualRequest) return { retrain: true, trigger: 'manual', reason: 'requested by hand' };
  if (c.policy.mode === 'manual') return { retrain: false, trigger: 'manual_mode', reason: c.hasChampion ? 'manual mode: reload the champion' : 'manual mode and no champion: run `arena retrain`' };
  if (!c.hasChampion && c.tradingDaysSinceLastTraining === null) return { retrain: true, trigger: 'first_model', reason: 'no model yet' };
  const every = c.policy.every_trading_days;
  if (every > 0 && (c.tradingDaysSinceLastTraining === null || c.tradingDaysSinceLastTraining >= every))
    return { retrain: true, trigger: 'schedule', reason: `scheduled: every ${every} trading days` };
  if (c.policy.on_drift && c.lastDrift?.dataset_drift && (c.tradingDaysSinceDriftRetrain === null || c.tradingDaysSinceDriftRetrain >= (c.policy.drift_cooldown_trading_days ?? DEFAULT_DRIFT_COOLDOWN_TRADING_DAYS)))
    return { retrain: true, trigger: 'drift', reason: `dataset drift (share ${c.lastDrift.drift_share.toFixed(2)})` };
  const deg = c.policy.on_degradation;
  if (deg && c.liveDirectionalAccuracy !== null && c.liveDirectionalAccuracy < deg.min_directional_accuracy)
    return { retrain: true, trigger: 'degradation', reason: `degradation: live directional accuracy ${c.liveDirectionalAccuracy.toFixed(3)} < ${deg.min_directional_accuracy}` };
  if (!c.hasChampion) return { retrain: false, trigger: 'waiting', reason: 'no champion yet; waiting for the next scheduled training' };
  return { retrain: false, trigger: 'reload', reason: 'reload the champion' };
}
