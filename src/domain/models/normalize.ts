/** Per-column z-scoring fitted on the training window only (fitting on all rows would leak the future). */
export interface Normalizer {
  mean: number[];
  std: number[];
}

export function fitNormalizer(rows: readonly (readonly number[])[]): Normalizer {
  const d = rows[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  const n = rows.length;
  if (n === 0) return { mean, std: std.fill(1) };
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (r[j] as number);
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / n;
  for (const r of rows) for (let j = 0; j < d; j++) std[j] = (std[j] as number) + ((r[j] as number) - (mean[j] as number)) ** 2;
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt((std[j] as number) / n);
    std[j] = s > 1e-12 ? s : 1; // constant column: centre it, do not blow it up
  }
  return { mean, std };
}

export function applyNormalizer(norm: Normalizer, row: readonly number[]): number[] {
  return row.map((v, j) => (v - (norm.mean[j] as number)) / (norm.std[j] as number));
}
