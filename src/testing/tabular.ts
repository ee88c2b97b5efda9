/**
 * Seeded synthetic tabular data for the model backends' tests, parity checks and benches:
 * `symbols` series over `days` consecutive dates, `d` standard-normal features per sample and a
 * planted target y = 0.3·x0 − 0.2·x1 + noise·N(0, 1) (the issue's workload: 20 × 1,260 = 25,200
 * samples × 30 features, so a 0.2 time-ordered validation split leaves 20,160 to train on).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Sample } from '../domain/models/dataset.ts';
import type { TrainedModel } from '../domain/models/model.ts';
import { splitByDate } from '../domain/models/dataset.ts';
import { seededRandom } from '../domain/models/rng.ts';

export interface TabularOptions {
  symbols?: number;
  days?: number;
  d?: number;
  seed?: number;
  noise?: number;
  /** `direction`: y = 1 when the planted value is > 0, else 0. */
  output?: 'return' | 'direction';
}

export function gaussian(random: () => number): () => number {
  return () => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}

export function dateOf(day: number): string {
  return new Date(Date.UTC(2000, 0, 3) + day * 86_400_000).toISOString().slice(0, 10);
}

export function plantedSamples(o: TabularOptions = {}): Sample[] {
  const { symbols = 20, days = 1260, d = 30, seed = 123, noise = 0.5, output = 'return' } = o;
  const gauss = gaussian(seededRandom(seed));
  const out: Sample[] = [];
  for (let day = 0; day < days; day++) {
    const date = dateOf(day);
    for (let s = 0; s < symbols; s++) {
      const x = Array.from({ length: d }, gauss);
      const v = 0.3 * (x[0] as number) - 0.2 * (x[1] as number) + noise * gauss();
      out.push({ symbol: `S${String(s).padStart(3, '0')}`, date, close: 100, x, y: output === 'direction' ? (v > 0 ? 1 : 0) : v });
    }
  }
  return out;
}

export const columnNames = (d: number): string[] => Array.from({ length: d }, (_, i) => `f${i}`);

/** The same samples with their labels permuted (seeded): any signal a model finds is then leakage. */
export function shuffleLabels(samples: readonly Sample[], seed: number): Sample[] {
  const random = seededRandom(seed);
  const ys = samples.map((s) => s.y);
  for (let i = ys.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ys[i], ys[j]] = [ys[j] ?? null, ys[i] ?? null];
  }
  return samples.map((s, i) => ({ ...s, y: ys[i] ?? null }));
}

/**
 * Writes the samples as a float64 `.npy` matrix for the Python peers: one row per sample,
 * columns `[is_validation, y, x0 … x(d−1)]`, the validation rows being the ones `splitByDate`
 * puts apart for this `share` — so the peer trains and scores on exactly our split.
 */
export function writeSplitNpy(file: string, samples: readonly Sample[], share: number): { train: number; validation: number } {
  const { train, val } = splitByDate(samples, share);
  const d = (samples[0] as Sample).x.length;
  const cols = d + 2;
  const rows = train.length + val.length;
  const header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  // .npy v1.0: magic, version, little-endian u16 header length, header padded with spaces to a multiple of 64 and ended by \n.
  const preamble = 10;
  const padded = header + ' '.repeat((64 - ((preamble + header.length + 1) % 64)) % 64) + '\n';
  const buf = Buffer.alloc(preamble + padded.length + rows * cols * 8);
  buf.write('\x93NUMPY', 0, 'latin1');
  buf.writeUInt8(1, 6);
  buf.writeUInt8(0, 7);
  buf.writeUInt16LE(padded.length, 8);
  buf.write(padded, preamble, 'latin1');
  let o = preamble + padded.length;
  const put = (v: number) => {
    buf.writeDoubleLE(v, o);
    o += 8;
  };
  for (const [part, flag] of [[train, 0], [val, 1]] as const) {
    for (const s of part) {
      put(flag);
      put(s.y as number);
      for (const v of s.x) put(v);
    }
  }
  writeFileSync(file, buf);
  return { train: train.length, validation: val.length };
}

/** SHA-256 of each saved file and of the predictions' float64 bytes: equal fingerprints ⇒ bit-identical models. */
export async function modelFingerprint(model: TrainedModel, samples: readonly Sample[]): Promise<{ files: Record<string, string>; predictions: string }> {
  const files = await model.save();
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const predictions = new Float64Array(model.predict(samples));
  return { files: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, sha(v)])), predictions: sha(new Uint8Array(predictions.buffer)) };
}

/** Runs src/testing/fit-child.ts in a new Node process and returns its fingerprint. */
export function fingerprintInChild(args: { backend: 'dense' | 'forest' | 'gbdt'; spec: unknown; data: TabularOptions }): Promise<{ files: Record<string, string>; predictions: string }> {
  const script = fileURLToPath(new URL('./fit-child.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', script, JSON.stringify(args)], { encoding: 'utf8', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`fit-child failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop() as string) as { files: Record<string, string>; predictions: string });
    });
  });
}
