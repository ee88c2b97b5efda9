/**
 * Turns feature rows into model samples: pooled across symbols, ordered by date, with the target
 * the model's output feature asks for. `close` is learnt as the ratio close_{t+1}/close_t − 1 so
 * one model can serve symbols at any price level; predictions are converted back to a close.
 */
import type { FeatureRow } from '../features/matrix.ts';
import type { ModelSpec } from './spec.ts';

export interface Sample {
  symbol: string;
  date: string;
  close: number;
  /** Flat features: one row, or `window` consecutive rows for an LSTM. */
  x: number[];
  /** Training target in model units (return, ratio, or 0/1); null when tomorrow is unknown. */
  y: number | null;
}

export function targetOf(row: FeatureRow, spec: Pick<ModelSpec, 'output'>): number | null {
  const t = row.targets;
  if (!t) return null;
  switch (spec.output.feature) {
    case 'return':
      return t.return;
    case 'close':
      return t.close / row.close - 1;
    case 'direction':
      return t.direction;
  }
}

export function windowOf(spec: Pick<ModelSpec, 'encoder'>): number {
  return spec.encoder.type === 'lstm' ? spec.encoder.window : 1;
}

/** Column indices of the model's inputs inside the feature plan. */
export function inputIndices(allColumns: readonly string[], spec: Pick<ModelSpec, 'input_features'>): number[] {
  if (spec.input_features === 'all') return allColumns.map((_, i) => i);
  return spec.input_features.map((c) => {
    const i = allColumns.indexOf(c);
    if (i < 0) throw new Error(`model.input_features: "${c}" is not a feature column; expected one of ${allColumns.join(', ')}`);
    return i;
  });
}

export function buildSamples(
  rowsBySymbol: ReadonlyMap<string, readonly FeatureRow[]>,
  inputs: readonly number[],
  spec: Pick<ModelSpec, 'output' | 'encoder'>,
): Sample[] {
  const w = windowOf(spec);
  const out: Sample[] = [];
  for (const [symbol, rows] of rowsBySymbol) {
    for (let i = w - 1; i < rows.length; i++) {
      const row = rows[i] as FeatureRow;
      const x: number[] = [];
      for (let k = i - w + 1; k <= i; k++) {
        const f = (rows[k] as FeatureRow).features;
        for (const j of inputs) x.push(f[j] as number);
      }
      out.push({ symbol, date: row.date, close: row.close, x, y: targetOf(row, spec) });
    }
  }
  out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return out;
}

/** Convert a raw model output into the quantities the strategy and reports use. */
export function interpretPrediction(raw: number, close: number, spec: Pick<ModelSpec, 'output'>): { value: number; expectedReturn: number | null; probabilityUp: number | null } {
  switch (spec.output.feature) {
    case 'return':
      return { value: raw, expectedReturn: raw, probabilityUp: null };
    case 'close':
      return { value: close * (1 + raw), expectedReturn: raw, probabilityUp: null };
    case 'direction':
      return { value: raw, expectedReturn: null, probabilityUp: raw };
  }
}

/** The last `share` of the dates apart, in time order (all of it stays in `train` when there is nothing to split). */
export function splitByDate(samples: readonly Sample[], share: number): { train: Sample[]; val: Sample[] } {
  if (share <= 0) return { train: [...samples], val: [] };
  const dates = [...new Set(samples.map((s) => s.date))].sort();
  const cutIndex = Math.floor(dates.length * (1 - share));
  if (cutIndex <= 0 || cutIndex >= dates.length) return { train: [...samples], val: [] };
  const cut = dates[cutIndex] as string;
  return { train: samples.filter((s) => s.date < cut), val: samples.filter((s) => s.date >= cut) };
}

/** The last time step of each sample: the rows a normaliser is fitted on. */
export function featureRows(samples: readonly Sample[], window: number, d: number): number[][] {
  const rows: number[][] = [];
  // Every time step of every window shares one normaliser; the last step of each sample is enough
  // (earlier steps are the last steps of earlier samples).
  for (const s of samples) rows.push(s.x.slice((window - 1) * d));
  return rows;
}
