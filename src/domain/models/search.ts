/**
 * Hyper-parameter search: seeded random search over `model.search.space`, with successive halving
 * over epochs when `eta > 1`. Every trial is scored on the time-ordered validation part of the
 * training window that ends before the first walk-forward test date, so the test window never
 * takes part in choosing the configuration (no selection leakage); the winner then goes through
 * the ordinary walk-forward evaluation and the gate.
 */
import type { Sample } from './dataset.ts';
import { primaryMetric, scoreRows, windowSamples, type ScoredRow, type TrainingWindow } from './evaluate.ts';
import { seededRandom } from './rng.ts';
import { sampleRange, withPath } from './search-space.ts';
import { modelSpecObject, type ModelSpec } from './spec.ts';
import { splitByDate } from './dataset.ts';
import type { ModelBackend } from './model.ts';

export interface TrialResult {
  /** 1-based index of the sampled configuration. */
  trial: number;
  /** Successive-halving rung (0 for plain random search). */
  rung: number;
  /** Epoch budget of this rung. */
  epochs: number;
  epochs_run: number;
  /** The sampled values by dotted path (non-numbers as JSON). */
  params: Record<string, number | string>;
  /** Primary metric on the search validation rows (null: could not be scored). */
  score: number | null;
  seconds: number;
}

export interface SearchResult {
  /** The winning configuration, with its full epoch budget and without `search`. */
  best: ModelSpec;
  bestTrial: number;
  metric: 'mae' | 'accuracy';
  higherIsBetter: boolean;
  trials: TrialResult[];
  /** Where the trials were fitted and scored: both end before `before`. */
  fit_from: string;
  fit_to: string;
  validation_from: string;
  validation_to: string;
  notes: string[];
}

export interface SearchOptions {
  spec: ModelSpec;
  /** The model family that fits every trial. */
  backend: ModelBackend;
  /** Labelled samples for a configuration (a searched LSTM window changes the samples). */
  samplesFor: (spec: ModelSpec) => readonly Sample[];
  /** First date of the walk-forward test window: nothing on or after it is used. */
  before: string;
  window: TrainingWindow;
  columns: string[];
  signal?: AbortSignal;
  onTrial?: (t: TrialResult) => void;
}

export class SearchFailed extends Error {}

/** The sampled configurations, in order; reproducible from `spec.seed`. */
export function sampleConfigs(spec: ModelSpec): { spec: ModelSpec; params: Record<string, number | string> }[] {
  const search = spec.search;
  if (!search) return [];
  const random = seededRandom((spec.seed ^ 0x5ea4c4) >>> 0);
  const { search: _s, ...base } = spec;
  const out: { spec: ModelSpec; params: Record<string, number | string> }[] = [];
  for (let i = 0; i < search.trials; i++) {
    let cfg: ModelSpec = base;
    const params: Record<string, number | string> = {};
    for (const [p, range] of Object.entries(search.space)) {
      const v = sampleRange(range, random);
      cfg = withPath(cfg, p, v);
      params[p] = typeof v === 'number' ? v : JSON.stringify(v);
    }
    // A choice of whole encoders may leave out defaulted fields: parse to fill them in.
    out.push({ spec: modelSpecObject.parse(cfg), params });
  }
  return out;
}

/** Successive-halving schedule: rung i keeps ⌊n/ηⁱ⌋ configurations with a ηⁱ⁻ˢ share of the epochs. */
export function halvingRungs(trials: number, eta: number): { keep: number; share: number }[] {
  if (eta <= 1 || trials < eta) return [{ keep: trials, share: 1 }];
  const s = Math.floor(Math.log(trials) / Math.log(eta) + 1e-9);
  return Array.from({ length: s + 1 }, (_, i) => ({ keep: Math.max(1, Math.floor(trials / eta ** i)), share: eta ** (i - s) }));
}

export async function hyperSearch(o: SearchOptions): Promise<SearchResult> {
  const configs = sampleConfigs(o.spec);
  if (configs.length === 0) throw new SearchFailed('model.search is not configured');
  const { name, higherIsBetter } = primaryMetric(o.spec);
  // The trials' own validation share (early stopping) sits inside `fit`; this one only scores.
  const share = o.spec.trainer.validation_split > 0 ? o.spec.trainer.validation_split : 0.2;
  const rungs = halvingRungs(configs.length, o.spec.search?.eta ?? 1);
  const data = new Map<number, { fit: Sample[]; valid: Sample[] }>();
  const dataFor = (spec: ModelSpec) => {
    const key = spec.encoder.type === 'lstm' ? spec.encoder.window : 1;
    let d = data.get(key);
    if (!d) {
      const { train, val } = splitByDate(windowSamples(o.samplesFor(spec), o.before, o.window), share);
      d = { fit: train, valid: val };
      data.set(key, d);
    }
    return d;
  };
  const trials: TrialResult[] = [];
  let alive = configs.map((c, i) => ({ ...c, trial: i + 1, score: null as number | null }));
  for (const [r, rung] of rungs.entries()) {
    for (const c of alive) {
      if (o.signal?.aborted) throw new SearchFailed('search aborted');
      const epochs = Math.max(1, Math.round(c.spec.trainer.epochs * rung.share));
      const { fit, valid } = dataFor(c.spec);
      const t0 = performance.now();
      let score: number | null = null;
      let epochsRun = 0;
      if (valid.length > 0 && fit.length >= 20) {
        const res = await o.backend.fit({ samples: fit, spec: { ...c.spec, trainer: { ...c.spec.trainer, epochs } }, columns: o.columns, ...(o.signal ? { signal: o.signal } : {}) });
        epochsRun = res.history.length;
        const raw = res.model.predict(valid);
        res.model.dispose();
        const rows: ScoredRow[] = valid.map((s, i) => ({ date: s.date, symbol: s.symbol, y: s.y as number, p: raw[i] as number, ret: 0, close: s.close }));
        const m = scoreRows(rows, o.spec)[name];
        score = m === null || m === undefined || !Number.isFinite(m) ? null : m;
      }
      c.score = score;
      const t: TrialResult = { trial: c.trial, rung: r, epochs, epochs_run: epochsRun, params: c.params, score, seconds: (performance.now() - t0) / 1000 };
      trials.push(t);
      o.onTrial?.(t);
    }
    // Best first; unscored last; ties keep the sampling order (deterministic).
    alive = [...alive].sort((a, b) => (a.score === null ? 1 : 0) - (b.score === null ? 1 : 0) || (a.score !== null && b.score !== null ? (a.score - b.score) * (higherIsBetter ? -1 : 1) : 0) || a.trial - b.trial);
    const next = rungs[r + 1];
    if (next) alive = alive.slice(0, next.keep);
  }
  const winner = alive[0];
  if (!winner || winner.score === null) throw new SearchFailed(`no trial could be scored on the validation part of the training window before ${o.before}`);
  const d = dataFor(winner.spec);
  const notes = [
    `hyper-parameter search: ${configs.length} configurations, ${trials.length} trainings${rungs.length > 1 ? ` (successive halving, eta ${o.spec.search?.eta}, ${rungs.length} rungs)` : ''}; best trial ${winner.trial} by ${name} ${winner.score.toPrecision(4)} on ${d.valid[0]?.date}..${d.valid[d.valid.length - 1]?.date}, before the test window`,
  ];
  return {
    best: winner.spec,
    bestTrial: winner.trial,
    metric: name,
    higherIsBetter,
    trials,
    fit_from: d.fit[0]?.date ?? '',
    fit_to: d.fit[d.fit.length - 1]?.date ?? '',
    validation_from: d.valid[0]?.date ?? '',
    validation_to: d.valid[d.valid.length - 1]?.date ?? '',
    notes,
  };
}
