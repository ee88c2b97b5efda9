/**
 * One histogram-based regression-tree builder for both tree backends (random forest, gradient
 * boosting). Hand-written because the JS libraries did not hold up in a measured study at the issue's
 * size (25,200 rows × 30 features, this 2-core machine): `ml-random-forest` — the well-kept library
 * issue 17 names — grows its trees in time quadratic in the rows (≈ 220 s of CPU for one tree at
 * 25k rows, so a 100-tree forest is hours), and `ml-xgboost` (XGBoost compiled to WASM) has had no
 * release since 2018. This builder fits 100 trees of depth 6–8 on that data in ~2 s of CPU
 * (scikit-learn, same parameters, one thread: RandomForestRegressor ~11 s, HistGradientBoosting ~0.9 s).
 *
 * How: every feature is cut into quantile bins computed on the training rows (`binFeatures`); a
 * node's gradient/hessian histogram per feature gives every candidate split in one scan, scored with
 * the second-order gain G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ) (squared loss: g = prediction − y,
 * h = 1; logistic: g = p − y, h = p(1−p); a forest's bootstrap weights w give g = −w·y, h = w, whose
 * leaf −G/H is the in-bag mean). Depth-first growth keeps at most one histogram per level alive;
 * with all features in play the larger child's histogram is the parent's minus the smaller child's.
 * A split is stored as its raw float threshold (x ≤ t goes left), the bin edge itself, so the
 * training partition and any later prediction agree exactly. The histogram loops run in WebAssembly
 * when available (wasm.ts), with TypeScript twins that give the same trees to the bit.
 */
import { instantiateTreeKernels, treeKernelModule } from './wasm.ts';

/** Per-feature quantile bins of the training rows: codes[i·d + f] is row i's bin for feature f. */
export interface BinnedRows {
  n: number;
  d: number;
  codes: Uint8Array;
  /** edges[f][b]: bin b of feature f holds the values ≤ edges[f][b] (and > edges[f][b − 1]); the last bin is unbounded. */
  edges: Float64Array[];
  maxBins: number;
}

/** Cuts each feature of the row-major matrix `X` (n × d) into at most `maxBins` (≤ 256) quantile bins (codes written into `codes`). */
export function binFeatures(X: Float64Array, n: number, d: number, maxBins: number, codes = new Uint8Array(n * d)): BinnedRows {
  if (maxBins < 2 || maxBins > 256) throw new Error(`bins must be between 2 and 256 (got ${maxBins})`);
  const edges: Float64Array[] = [];
  const column = new Float64Array(n);
  for (let f = 0; f < d; f++) {
    for (let i = 0; i < n; i++) column[i] = X[i * d + f]!;
    const sorted = column.slice().sort();
    const e: number[] = [];
    for (let k = 1; k < maxBins; k++) {
      const v = sorted[Math.min(n - 1, Math.floor((k * n) / maxBins))]!;
      if (e.length === 0 || v > (e[e.length - 1] as number)) e.push(v === 0 ? 0 : v); // −0 → 0: JSON keeps no sign of zero
    }
    // The largest value needs no edge of its own: it falls in the last, unbounded bin.
    if (e.length > 0 && (e[e.length - 1] as number) >= sorted[n - 1]!) e.pop();
    const fe = Float64Array.from(e);
    edges.push(fe);
    for (let i = 0; i < n; i++) codes[i * d + f] = binOf(fe, column[i]!);
  }
  return { n, d, codes, edges, maxBins };
}

/** The first bin b with x ≤ edges[b], or edges.length. */
function binOf(edges: Float64Array, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (x <= edges[m]!) hi = m;
    else lo = m + 1;
  }
  return lo;
}

/**
 * A fitted tree, flattened in pre-order: node i's left child is i + 1, its right child `right[i]`.
 * `feature[i]` is −1 for a leaf, whose output is `value[i]`; for a split, `value[i]` is the threshold.
 */
export interface Tree {
  feature: Int32Array;
  value: Float64Array;
  right: Int32Array;
}

export function predictTree(t: Tree, x: ArrayLike<number>, offset = 0): number {
  let i = 0;
  let f = t.feature[0]!;
  while (f >= 0) {
    i = x[offset + f]! <= t.value[i]! ? i + 1 : t.right[i]!;
    f = t.feature[i]!;
  }
  return t.value[i]!;
}

export interface TreeParams {
  maxDepth: number;
  minSamplesLeaf: number;
  /** L2 on leaf values (λ); 0 for a forest, whose leaves are plain means. */
  lambda: number;
  /** Features drawn per split (< d: a random forest's feature subsampling). */
  featuresPerSplit: number;
}

/**
 * Every buffer the hot loops touch, for one fit: the binned rows, the row order (`rows`, permuted
 * in place per tree), gradients `g` and hessians `h` (filled by the caller per tree), the feature
 * list and a pool of histograms (one per level in flight, at most max depth + 2). In WebAssembly
 * memory when the kernels are available (wasm.ts), in plain typed arrays otherwise; the results are
 * the same to the bit.
 */
export interface TreeArena {
  readonly bins: BinnedRows;
  readonly rows: Int32Array;
  readonly g: Float64Array;
  readonly h: Float64Array;
  readonly kernel: 'wasm' | 'js';
  readonly partition: Int32Array;
  readonly features: Int32Array;
  /** Histogram length in float64s: d × maxBins × 3 (Σg, Σh, count per bin), rounded up to even. */
  readonly histSize: number;
  readonly pool: Float64Array[];
  /** Clears the listed features' slices of `hist`, then adds rows[lo, hi) into them. */
  accumulate(hist: Float64Array, lo: number, hi: number, nFeatures: number): void;
  /** a ← a − b over the whole histogram. */
  subtract(a: Float64Array, b: Float64Array): void;
}

export type TreeKernelChoice = 'auto' | 'wasm' | 'js';

/** Bins `X` (n × d, row-major) and sets up the buffers for trees of depth ≤ `maxDepth`. */
export function createArena(X: Float64Array, n: number, d: number, maxBins: number, maxDepth: number, choice: TreeKernelChoice = 'auto'): TreeArena {
  const histSize = d * maxBins * 3 + ((d * maxBins * 3) & 1);
  const poolSize = maxDepth + 2;
  const module = choice === 'js' ? null : treeKernelModule();
  if (choice === 'wasm' && !module) throw new Error('WebAssembly SIMD is not available in this runtime');
  const stride = maxBins * 3;
  if (!module) {
    const bins = binFeatures(X, n, d, maxBins);
    const rows = new Int32Array(n);
    const g = new Float64Array(n);
    const h = new Float64Array(n);
    const features = Int32Array.from({ length: d }, (_, f) => f);
    return {
      bins,
      rows,
      g,
      h,
      kernel: 'js',
      partition: new Int32Array(n),
      features,
      histSize,
      pool: Array.from({ length: poolSize }, () => new Float64Array(histSize)),
      accumulate: (hist, lo, hi, nFeatures) => {
        const codes = bins.codes;
        for (let t = 0; t < nFeatures; t++) hist.fill(0, features[t]! * stride, features[t]! * stride + stride);
        for (let k = lo; k < hi; k++) {
          const i = rows[k]!;
          const gi = g[i]!;
          const hv = h[i]!;
          const base = i * d;
          for (let t = 0; t < nFeatures; t++) {
            const f = features[t]!;
            const idx = f * stride + codes[base + f]! * 3;
            hist[idx] = hist[idx]! + gi;
            hist[idx + 1] = hist[idx + 1]! + hv;
            hist[idx + 2] = hist[idx + 2]! + 1;
          }
        }
      },
      subtract: (a, b) => {
        for (let k = 0; k < histSize; k++) a[k] = a[k]! - b[k]!;
      },
    };
  }
  // One WebAssembly memory: codes | rows | partition | g | h | features | histogram pool (8-byte aligned).
  let bytes = 0;
  const place = (size: number) => {
    const at = bytes;
    bytes += Math.ceil(size / 8) * 8;
    return at;
  };
  const at = { codes: place(n * d), rows: place(n * 4), partition: place(n * 4), g: place(n * 8), h: place(n * 8), features: place(d * 4), pool: place(poolSize * histSize * 8) };
  const wasm = instantiateTreeKernels(module, bytes);
  const buf = wasm.memory.buffer;
  const bins = binFeatures(X, n, d, maxBins, new Uint8Array(buf, at.codes, n * d));
  const features = new Int32Array(buf, at.features, d);
  for (let f = 0; f < d; f++) features[f] = f;
  return {
    bins,
    rows: new Int32Array(buf, at.rows, n),
    g: new Float64Array(buf, at.g, n),
    h: new Float64Array(buf, at.h, n),
    kernel: 'wasm',
    partition: new Int32Array(buf, at.partition, n),
    features,
    histSize,
    pool: Array.from({ length: poolSize }, (_, b) => new Float64Array(buf, at.pool + b * histSize * 8, histSize)),
    accumulate: (hist, lo, hi, nFeatures) => {
      for (let t = 0; t < nFeatures; t++) hist.fill(0, features[t]! * stride, features[t]! * stride + stride);
      wasm.accumulate(hist.byteOffset, at.rows, lo, hi, at.g, at.h, at.codes, d, stride * 8, at.features, nFeatures);
    },
    subtract: (a, b) => wasm.subtract(a.byteOffset, b.byteOffset, histSize),
  };
}

interface Pending {
  lo: number;
  hi: number;
  depth: number;
  G: number;
  H: number;
  /** This node's histogram when already known (derived from its parent's), else null. */
  hist: Float64Array | null;
  /** Index of the parent whose `right` this node is, or −1. */
  rightOf: number;
}

/**
 * Grows one tree on arena.rows[0 … count) (reordered in place) with the arena's gradients `g` and
 * hessians `h`. `random` draws the per-split feature subsets (unused when all features are in play).
 */
export function growTree(arena: TreeArena, count: number, p: TreeParams, random: () => number): Tree {
  const { rows, g, h } = arena;
  const { d, maxBins, codes, edges } = arena.bins;
  const allFeatures = p.featuresPerSplit >= d;
  const free = [...arena.pool];
  const take = () => {
    const hist = free.pop();
    if (!hist) throw new Error(`tree builder: more than ${arena.pool.length} histograms in flight (depth limit ${p.maxDepth})`);
    return hist;
  };
  const release = (hist: Float64Array | null) => {
    if (hist) free.push(hist);
  };
  const feature: number[] = [];
  const value: number[] = [];
  const right: number[] = [];

  const features = arena.features;
  let nFeatures = d;
  const drawFeatures = () => {
    if (allFeatures) return;
    // Partial Fisher–Yates over a persistent permutation; the drawn subset is sorted so ties resolve by feature index.
    for (let k = 0; k < p.featuresPerSplit; k++) {
      const j = k + Math.floor(random() * (d - k));
      const t = features[k]!;
      features[k] = features[j]!;
      features[j] = t;
    }
    nFeatures = p.featuresPerSplit;
    features.subarray(0, nFeatures).sort();
  };
  if (allFeatures) for (let f = 0; f < d; f++) features[f] = f;

  const histogram = (hist: Float64Array, lo: number, hi: number) => arena.accumulate(hist, lo, hi, nFeatures);

  let G0 = 0;
  let H0 = 0;
  for (let k = 0; k < count; k++) {
    G0 += g[rows[k]!]!;
    H0 += h[rows[k]!]!;
  }
  const stack: Pending[] = [{ lo: 0, hi: count, depth: 0, G: G0, H: H0, hist: null, rightOf: -1 }];
  const { lambda, minSamplesLeaf, maxDepth } = p;
  while (stack.length > 0) {
    const node = stack.pop() as Pending;
    const id = feature.length;
    if (node.rightOf >= 0) right[node.rightOf] = id;
    const n = node.hi - node.lo;
    const leafValue = -node.G / (node.H + lambda);
    feature.push(-1);
    value.push(leafValue === 0 ? 0 : leafValue);
    right.push(0);
    if (node.depth >= maxDepth || n < 2 * minSamplesLeaf) {
      release(node.hist);
      continue;
    }
    let hist = node.hist;
    if (!hist) {
      drawFeatures();
      hist = take();
      histogram(hist, node.lo, node.hi);
    }
    // Best split: the highest gain, the first feature (in index order) and lowest bin on ties.
    const parentScore = (node.G * node.G) / (node.H + lambda);
    let bestGain = 1e-12;
    let bestFeature = -1;
    let bestBin = -1;
    let bestGL = 0;
    let bestHL = 0;
    let bestCL = 0;
    for (let t = 0; t < nFeatures; t++) {
      const f = features[t]!;
      const nb = edges[f]!.length; // split after bin b for b < nb (the last bin has no edge)
      let GL = 0;
      let HL = 0;
      let CL = 0;
      for (let b = 0, idx = f * maxBins * 3; b < nb; b++, idx += 3) {
        const c = hist[idx + 2]!;
        // An empty bin moves no row: its split equals the previous one, which already won ties.
        if (c === 0) continue;
        GL += hist[idx]!;
        HL += hist[idx + 1]!;
        CL += c;
        if (CL < minSamplesLeaf) continue;
        if (n - CL < minSamplesLeaf) break;
        const GR = node.G - GL;
        const HR = node.H - HL;
        const gain = (GL * GL) / (HL + lambda) + (GR * GR) / (HR + lambda) - parentScore;
        if (gain > bestGain) {
          bestGain = gain;
          bestFeature = f;
          bestBin = b;
          bestGL = GL;
          bestHL = HL;
          bestCL = CL;
        }
      }
    }
    if (bestFeature < 0) {
      release(hist);
      continue;
    }
    // Stable partition of rows[lo, hi): left (code ≤ bestBin) first.
    let l = node.lo;
    let r = 0;
    const part = arena.partition;
    for (let k = node.lo; k < node.hi; k++) {
      const i = rows[k]!;
      if (codes[i * d + bestFeature]! <= bestBin) rows[l++] = i;
      else part[r++] = i;
    }
    rows.set(part.subarray(0, r), l);
    const mid = l;
    feature[id] = bestFeature;
    const threshold = edges[bestFeature]![bestBin]!;
    value[id] = threshold;
    const depth = node.depth + 1;
    const left: Pending = { lo: node.lo, hi: mid, depth, G: bestGL, H: bestHL, hist: null, rightOf: -1 };
    const rightChild: Pending = { lo: mid, hi: node.hi, depth, G: node.G - bestGL, H: node.H - bestHL, hist: null, rightOf: id };
    // With every feature in play, a child that may split gets its histogram now: the smaller one by
    // a scan, the larger one as parent − smaller (in the parent's buffer).
    const childMaySplit = (c: Pending) => c.depth < maxDepth && c.hi - c.lo >= 2 * minSamplesLeaf;
    if (allFeatures && (childMaySplit(left) || childMaySplit(rightChild))) {
      const leftSmaller = bestCL <= n - bestCL;
      const small = leftSmaller ? left : rightChild;
      const large = leftSmaller ? rightChild : left;
      const hs = take();
      histogram(hs, small.lo, small.hi);
      arena.subtract(hist, hs);
      small.hist = hs;
      large.hist = hist;
    } else {
      release(hist);
    }
    stack.push(rightChild, left);
  }
  return { feature: Int32Array.from(feature), value: Float64Array.from(value), right: Int32Array.from(right) };
}
