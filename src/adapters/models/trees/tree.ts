/**
 * One histogram-based regression-tree builder for both tree backends (random forest, gradient
 * boosting). Hand-written because the JS libraries did not hold up in a measured study at the issue's
 * size (25,200 rows × 30 features, this 2-core machine): `ml-random-forest` — the well-kept library
 * issue 17 names — grows its trees in time quadratic in the rows (≈ 220 s of CPU for one tree at
 * 25k rows, so a 100-tree forest is hours), and `ml-xgboost` (XGBoost compiled to WASM) has had no
 * release since 2018. The prototype of this builder fitted 100 trees of depth 6–8 in 3–6 s of CPU.
 *
 * How: every feature is cut into quantile bins computed on the training rows (`binFeatures`); a
 * node's gradient/hessian histogram per feature gives every candidate split in one scan, scored with
 * the second-order gain G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ) (squared loss: g = prediction − y,
 * h = 1; logistic: g = p − y, h = p(1−p); a forest's bootstrap weights w give g = −w·y, h = w, whose
 * leaf −G/H is the in-bag mean). Depth-first growth keeps at most one histogram per level alive;
 * with all features in play the larger child's histogram is the parent's minus the smaller child's.
 * A split is stored as its raw float threshold (x ≤ t goes left), the bin edge itself, so the
 * training partition and any later prediction agree exactly.
 */

/** Per-feature quantile bins of the training rows: codes[i·d + f] is row i's bin for feature f. */
export interface BinnedRows {
  n: number;
  d: number;
  codes: Uint8Array;
  /** edges[f][b]: bin b of feature f holds the values ≤ edges[f][b] (and > edges[f][b − 1]); the last bin is unbounded. */
  edges: Float64Array[];
  maxBins: number;
}

/** Cuts each feature of the row-major matrix `X` (n × d) into at most `maxBins` (≤ 256) quantile bins. */
export function binFeatures(X: Float64Array, n: number, d: number, maxBins: number): BinnedRows {
  if (maxBins < 2 || maxBins > 256) throw new Error(`bins must be between 2 and 256 (got ${maxBins})`);
  const codes = new Uint8Array(n * d);
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

/** Buffers reused across the trees of one fit. */
export interface GrowScratch {
  partition: Int32Array;
  featureOrder: Int32Array;
  pool: Float64Array[];
}

export function growScratch(m: BinnedRows): GrowScratch {
  return { partition: new Int32Array(m.n), featureOrder: Int32Array.from({ length: m.d }, (_, i) => i), pool: [] };
}

/**
 * Adds rows[lo, hi) into `hist` (per feature and bin: Σg, Σh, count), for every feature
 * (`subset` null) or the listed ones; only their slices are cleared first.
 */
function accumulate(hist: Float64Array, m: BinnedRows, rows: Int32Array, lo: number, hi: number, g: Float64Array, h: Float64Array, subset: Int32Array | null): void {
  const { d, codes } = m;
  const stride = m.maxBins * 3;
  if (subset === null) {
    hist.fill(0, 0, d * stride);
    for (let k = lo; k < hi; k++) {
      const i = rows[k]!;
      const gi = g[i]!;
      const hi_ = h[i]!;
      const base = i * d;
      for (let f = 0, fo = 0; f < d; f++, fo += stride) {
        const idx = fo + codes[base + f]! * 3;
        hist[idx] = hist[idx]! + gi;
        hist[idx + 1] = hist[idx + 1]! + hi_;
        hist[idx + 2] = hist[idx + 2]! + 1;
      }
    }
    return;
  }
  for (let t = 0; t < subset.length; t++) hist.fill(0, subset[t]! * stride, subset[t]! * stride + stride);
  for (let k = lo; k < hi; k++) {
    const i = rows[k]!;
    const gi = g[i]!;
    const hi_ = h[i]!;
    const base = i * d;
    for (let t = 0; t < subset.length; t++) {
      const f = subset[t]!;
      const idx = f * stride + codes[base + f]! * 3;
      hist[idx] = hist[idx]! + gi;
      hist[idx + 1] = hist[idx + 1]! + hi_;
      hist[idx + 2] = hist[idx + 2]! + 1;
    }
  }
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
 * Grows one tree on rows[0 … count) (the array is reordered in place) with gradients `g` and
 * hessians `h`. `random` draws the per-split feature subsets (unused when all features are in play).
 */
export function growTree(m: BinnedRows, rows: Int32Array, count: number, g: Float64Array, h: Float64Array, p: TreeParams, random: () => number, scratch: GrowScratch): Tree {
  const { d, maxBins, codes, edges } = m;
  const allFeatures = p.featuresPerSplit >= d;
  const histSize = d * maxBins * 3;
  const take = () => scratch.pool.pop() ?? new Float64Array(histSize);
  const release = (hist: Float64Array | null) => {
    if (hist) scratch.pool.push(hist);
  };
  const feature: number[] = [];
  const value: number[] = [];
  const right: number[] = [];

  const features = scratch.featureOrder;
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

  const histogram = (hist: Float64Array, lo: number, hi: number) => accumulate(hist, m, rows, lo, hi, g, h, allFeatures ? null : features.subarray(0, nFeatures));

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
    const part = scratch.partition;
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
      for (let k = 0; k < histSize; k++) hist[k] = hist[k]! - hs[k]!;
      small.hist = hs;
      large.hist = hist;
    } else {
      release(hist);
    }
    stack.push(rightChild, left);
  }
  return { feature: Int32Array.from(feature), value: Float64Array.from(value), right: Int32Array.from(right) };
}
