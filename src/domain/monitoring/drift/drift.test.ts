import { describe, expect, it } from 'vitest';
import {
  EmptyColumnError,
  binnedShares,
  chiSquarePvalue,
  columnDrift,
  datasetDrift,
  defaultTest,
  histogramCounts,
  inferColumnType,
  readCsvTable,
  jensenShannon,
  kolmogorovSf,
  ks2samp,
  psi,
  sturgesEdges,
  tableFromCsvText,
  wassersteinDistance,
  wassersteinNormed,
  zTestPvalue,
} from './index.ts';
import type { Cell } from './index.ts';

const range = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

describe('two-sample KS (scipy ks_2samp, method auto)', () => {
  it('gives the exact p-values of tiny samples', () => {
    // Fully separated 3 vs 3: only 2 of the C(6,3) = 20 orderings are that extreme → p = 0.1.
    expect(ks2samp([1, 2, 3], [4, 5, 6]).pvalue).toBeCloseTo(0.1, 14);
    // Fully separated 2 vs 3: 2 of C(5,2) = 10 orderings → p = 0.2 (unequal sizes: the lattice-path method).
    expect(ks2samp([1, 2], [3, 4, 5]).pvalue).toBeCloseTo(0.2, 14);
    // Values checked against scipy 1.17 (ties handled by the right-continuous ECDFs).
    expect(ks2samp([1, 1, 2, 3], [1, 2, 2, 2, 5]).pvalue).toBeCloseTo(0.9682539682539681, 12);
    expect(ks2samp([0.1, 0.4, 0.7, 0.9, 1.3], [0.2, 0.5, 0.55, 1.5, 1.6, 1.7, 2.0]).pvalue).toBeCloseTo(0.23737373737373738, 12);
  });

  it('has p = 1 for identical samples and is symmetric', () => {
    expect(ks2samp([3, 1, 2], [2, 3, 1])).toMatchObject({ statistic: 0, pvalue: 1 });
    const a = [0.3, 1.2, -0.4, 2.2, 0.9];
    const b = [1.1, 0.2, 3.3, 2.9];
    expect(ks2samp(a, b).pvalue).toBe(ks2samp(b, a).pvalue);
  });

  it('switches to the asymptotic kstwo p-value above 10,000 values', () => {
    const ref = range(500, (i) => i / 500);
    expect(ks2samp(ref, range(10_000, (i) => i / 10_000)).method).toBe('exact');
    const r = ks2samp(ref, range(10_001, (i) => (i / 10_001) * 1.05));
    expect(r.method).toBe('asymp');
    expect(r.pvalue).toBeGreaterThan(0);
    expect(r.pvalue).toBeLessThan(1);
  });

  it('kstwo.sf matches scipy across its algorithm branches', () => {
    expect(kolmogorovSf(1, 0.75)).toBeCloseTo(0.5, 15); // D_1 = max(U, 1−U): Pr(D ≥ x) = 2(1 − x)
    expect(kolmogorovSf(10, 0.3)).toBeCloseTo(0.27053557479999946, 12); // Pomeranz
    expect(kolmogorovSf(30, 0.6)).toBeCloseTo(7.392006292214292e-11, 20); // 2·smirnov (x ≥ 0.5)
    expect(kolmogorovSf(100, 0.1)).toBeCloseTo(0.2526927570063874, 12); // Durbin matrix (MTW)
    expect(kolmogorovSf(1000, 0.05)).toBeCloseTo(0.013012074781090332, 12); // 2·smirnov (n x² ≥ 2.2)
    expect(kolmogorovSf(200, 0.2)).toBeCloseTo(1.7317874617308334e-7, 16);
  });
});

describe('the other stat tests on hand-checked data', () => {
  it('chi-square: expected = reference counts scaled to the current size', () => {
    // exp [2, 2], obs [3, 1] → χ² = 1, df 1 → p = 0.3173105078629141
    expect(chiSquarePvalue(['a', 'a', 'b', 'b'], ['a', 'a', 'a', 'b'])).toBeCloseTo(0.31731050786291115, 13);
    // a category only in current has expected 0 → χ² = ∞ → p = 0
    expect(chiSquarePvalue(['a', 'b', 'c'], ['a', 'b', 'd'])).toBe(0);
  });

  it('two-proportion Z test, p = 2(1 − Φ(|z|))', () => {
    expect(zTestPvalue([0, 0, 1, 1], [0, 0, 0, 1])).toBeCloseTo(0.4652088184521417, 13);
    expect(zTestPvalue(['x', 'x'], ['x'])).toBe(1);
    // which category counts as "first" only flips the sign of z
    expect(zTestPvalue(['b', 'b', 'a', 'a'], ['b', 'b', 'b', 'a'])).toBeCloseTo(0.4652088184521417, 13);
  });

  it('Wasserstein distance (scipy docs example) and its normed form', () => {
    expect(wassersteinDistance([0, 1, 3], [5, 6, 8])).toBeCloseTo(5, 14);
    expect(wassersteinNormed([0, 1, 3], [5, 6, 8])).toBeCloseTo(5 / Math.sqrt(42 / 27), 12);
    // a constant reference is normed by 0.001, not by 0
    expect(wassersteinNormed([2, 2, 2], [2, 2, 2.001])).toBeCloseTo(0.001 / 3 / 0.001, 9);
  });

  it('Jensen–Shannon distance uses the natural log', () => {
    expect(jensenShannon(['a', 'a'], ['b'], false)).toBeCloseTo(Math.sqrt(Math.LN2), 15);
    expect(jensenShannon(['a', 'b'], ['a', 'b', 'b', 'b'], false)).toBeCloseTo(0.18390779094047432, 14);
  });

  it('Sturges edges and numpy histogram counting', () => {
    const xs = range(10, (i) => i);
    expect(Array.from(sturgesEdges(xs))).toEqual([0, 1.8, 3.6, 5.4, 7.2, 9]);
    expect(Array.from(histogramCounts(xs, sturgesEdges(xs)))).toEqual([2, 2, 2, 2, 2]);
  });
});

describe('PSI', () => {
  it('replaces zero shares by 1e-4 when the smallest share is above 1e-4', () => {
    const ref = ['a', 'a', 'b', 'b'];
    const cur = ['a', 'a', 'b', 'b', 'c'];
    const { ref: r, cur: c } = binnedShares(ref, cur, false, true);
    expect(Array.from(r)).toEqual([0.5, 0.5, 1e-4]);
    expect(Array.from(c)).toEqual([0.4, 0.4, 0.2]);
    const expected = 2 * (0.1 * Math.log(0.5 / 0.4)) + (1e-4 - 0.2) * Math.log(1e-4 / 0.2);
    expect(psi(ref, cur, false)).toBeCloseTo(expected, 14);
  });

  it('replaces zero shares by min/1e6 when the smallest share is at most 1e-4', () => {
    const ref = [...Array<string>(19_999).fill('a'), 'b']; // share of b = 5e-5
    const cur = ['a', 'c'];
    const { ref: r } = binnedShares(ref, cur, false, true);
    expect(r[2]).toBeCloseTo(5e-5 / 1e6, 20); // c is missing from the reference
  });

  it('bins numerical columns with more than 20 reference values by Sturges over both samples', () => {
    const ref = range(100, (i) => i);
    const { ref: r, cur: c } = binnedShares(ref, range(50, (i) => i * 2), true, false);
    expect(r.length).toBe(Math.ceil(Math.log2(150) + 1));
    expect(r.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    expect(c.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
  });
});

describe('automatic test selection (Evidently _get_default_stattest)', () => {
  it('follows the reference-size and n_unique boundaries', () => {
    expect(defaultTest('num', 1000, 6)).toBe('ks');
    expect(defaultTest('num', 1000, 5)).toBe('chisquare');
    expect(defaultTest('num', 1000, 3)).toBe('chisquare');
    expect(defaultTest('num', 1000, 2)).toBe('z');
    expect(defaultTest('cat', 1000, 3)).toBe('chisquare');
    expect(defaultTest('cat', 1000, 2)).toBe('z');
    expect(defaultTest('num', 1001, 6)).toBe('wasserstein');
    expect(defaultTest('num', 1001, 5)).toBe('jensenshannon');
    expect(defaultTest('cat', 1001, 50)).toBe('jensenshannon');
  });

  it('counts reference rows after cleaning and unique values over reference ∪ current', () => {
    const ref1000 = range(1000, (i) => i % 97);
    const ref1001 = range(1001, (i) => i % 97);
    expect(columnDrift(ref1000, [1, 2, 3], 'num').test).toBe('ks');
    expect(columnDrift(ref1001, [1, 2, 3], 'num').test).toBe('wasserstein');
    expect(columnDrift([...ref1001.slice(0, 999), null, NaN], [1, 2, 3], 'num').test).toBe('ks');
    // 3 values in each sample but 6 together → numerical > 5 → KS, not chi-square
    expect(columnDrift([1, 2, 3, 1], [4, 5, 6], 'num').test).toBe('ks');
    expect(columnDrift([1, 2, 1, 2], [1, 3], 'num').test).toBe('chisquare');
    expect(columnDrift([1, 2, 1, 2], [1, 2], 'num').test).toBe('z');
    expect(columnDrift(['a', 'b', 'c'], ['a'], 'cat').test).toBe('chisquare');
  });

  it('uses ks p <= threshold but chi-square and z p < threshold; distances score >= threshold', () => {
    const ks = columnDrift([1, 2, 3, 4, 5, 6, 7], [4, 5, 6, 7, 8, 9, 10], 'num');
    expect(columnDrift([1, 2, 3, 4, 5, 6, 7], [4, 5, 6, 7, 8, 9, 10], 'num', { test: 'ks', threshold: ks.score }).drift).toBe(true);
    const chi = columnDrift(['a', 'a', 'b', 'c'], ['a', 'b', 'b', 'c'], 'cat');
    expect(columnDrift(['a', 'a', 'b', 'c'], ['a', 'b', 'b', 'c'], 'cat', { test: 'chisquare', threshold: chi.score }).drift).toBe(false);
    const z = columnDrift(['a', 'a', 'b'], ['a', 'b', 'b'], 'cat');
    expect(z.test).toBe('z');
    expect(columnDrift(['a', 'a', 'b'], ['a', 'b', 'b'], 'cat', { test: 'z', threshold: z.score }).drift).toBe(false);
    const js = columnDrift(['a', 'a'], ['b'], 'cat', { test: 'jensenshannon', threshold: Math.sqrt(Math.LN2) });
    expect(js.drift).toBe(true);
  });

  it('drops null, NaN and ±inf before testing', () => {
    const ref = [0.1, 0.5, 0.9, 1.3, 2.2, 0.7, 1.9];
    const cur = [0.4, 1.1, 2.5, 3.1, 0.2, 1.7];
    const clean = columnDrift(ref, cur, 'num');
    const holey = columnDrift([null, ...ref, NaN], [Infinity, ...cur, -Infinity, null], 'num');
    expect(holey).toEqual(clean);
  });

  it('rejects empty columns like Evidently, or skips them on request', () => {
    expect(() => columnDrift([null, NaN], [1, 2], 'num', undefined, 'x')).toThrow(EmptyColumnError);
    expect(() => columnDrift([1, 2], [Infinity], 'num', undefined, 'x')).toThrow(/empty column 'x'.*current/);
    const ref = { a: [1, 2, 3, 4, 5, 6], gone: [null, null] as Cell[] };
    const cur = { a: [1, 2, 3, 4, 5, 7], gone: [1, 2] };
    expect(() => datasetDrift(ref, cur)).toThrow(/empty column 'gone'.*reference/);
    const r = datasetDrift(ref, cur, { emptyColumns: 'skip' });
    expect(r.skipped_columns).toEqual(['gone']);
    expect(Object.keys(r.columns)).toEqual(['a']);
  });

  it('refuses strings in a numerical column and ks/wasserstein on categorical columns', () => {
    expect(() => columnDrift([1, 'x'], [1, 2], 'num', undefined, 'c')).toThrow(/numerical values only/);
    expect(() => columnDrift(['a', 'b'], ['a'], 'cat', { test: 'ks' })).toThrow(/isn't applicable/);
    expect(() => columnDrift(['a', 'b'], ['a'], 'cat', { test: 'wasserstein' })).toThrow(/isn't applicable/);
  });
});

describe('datasetDrift', () => {
  const same = range(200, (i) => Math.sin(i));
  const shifted = range(200, (i) => Math.sin(i) + 3);

  it('calls the dataset drifted at a drifted share >= 0.5', () => {
    const r = datasetDrift({ a: same, b: same }, { a: shifted, b: same });
    expect(r).toMatchObject({ dataset_drift: true, drift_share: 0.5, number_of_columns: 2, number_of_drifted_columns: 1, share_threshold: 0.5 });
    expect(r.columns.a).toMatchObject({ type: 'num', test: 'ks', threshold: 0.05, drift: true });
    expect(datasetDrift({ a: same, b: same, c: same }, { a: shifted, b: same, c: same }).dataset_drift).toBe(false);
    expect(datasetDrift({ a: same, b: same, c: same }, { a: shifted, b: same, c: same }, { shareThreshold: 0.3 }).dataset_drift).toBe(true);
  });

  it('uses columns present in both tables, declared types and overrides', () => {
    const r = datasetDrift(
      { a: same, only_ref: same, k: [1, 2, 3, 1] },
      { a: shifted, k: [1, 2, 2, 2] },
      { columnTypes: { k: 'num' }, overrides: { a: { test: 'psi', threshold: 0.2 } } },
    );
    expect(Object.keys(r.columns)).toEqual(['a', 'k']);
    expect(r.columns.a).toMatchObject({ test: 'psi', threshold: 0.2, drift: true });
    expect(r.columns.k).toMatchObject({ type: 'num', test: 'chisquare' });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});

describe("inferColumnType (Evidently's infer_column_type, on pandas' dtypes)", () => {
  it('numbers → num, few distinct integers with no missing cell → cat, strings → cat', () => {
    expect(inferColumnType([0.5, 1, 2])).toBe('num');
    expect(inferColumnType(range(10, (i) => i))).toBe('cat');
    expect(inferColumnType(range(11, (i) => i))).toBe('num');
    expect(inferColumnType(['a', 'b', 'a', 'b', null])).toBe('cat');
    expect(inferColumnType([null, NaN])).toBe('num');
    expect(inferColumnType(['True', 'False', 'True'])).toBe('cat'); // a bool column to pandas
  });

  it('integer codes with a few blank cells are numerical: pandas holds them as float64', () => {
    expect(inferColumnType([1, 2, 3, 1, 2])).toBe('cat');
    expect(inferColumnType([1, 2, null, 3, 1, 2])).toBe('num');
    expect(inferColumnType([1, 2, NaN, 3])).toBe('num');
    expect(inferColumnType([1, 2, Infinity, 3])).toBe('num');
    // Written 1.0, 2.0 in a CSV: float64 too.
    expect(inferColumnType([1, 2, 3], 'float')).toBe('num');
  });

  it('a string column whose values are mostly distinct is text (more than half of the non-missing values)', () => {
    expect(inferColumnType(['id-1', 'id-2', 'id-3', 'id-1'])).toBe('text');
    expect(inferColumnType(['a', 'b', 'a', 'b'])).toBe('cat');
    expect(inferColumnType(['a', 'b', 'c', 'a', null, null, null])).toBe('text');
    expect(inferColumnType([1, 'b'])).toBe('text');
  });

  it('text columns get the text-content test and count in the drift share', () => {
    // Same vocabulary on both sides for `note`, a new one for `memo`: only `memo` drifts.
    const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
    const same = (k: number): string[] => Array.from({ length: 60 }, (_, i) => `${words[(i * 3 + k) % 8]} ${words[(i * 5 + k) % 8]} ${i + k}`);
    const fresh = Array.from({ length: 60 }, (_, i) => `${['kilo', 'lima', 'mike', 'november'][i % 4]} ${i}`);
    const r = datasetDrift({ note: same(0), memo: same(1) }, { note: same(2), memo: fresh });
    expect(r.columns.note).toMatchObject({ type: 'text', test: 'perc_text_content_drift', threshold: 0.95, drift: false });
    expect(r.columns.memo).toMatchObject({ type: 'text', test: 'perc_text_content_drift', drift: true });
    expect(r.columns.memo?.score).toBeGreaterThan(0.9);
    expect(r.number_of_columns).toBe(2);
    expect(r.drift_share).toBe(0.5);
    // Over 1000 reference rows: the absolute test, AUC > 0.55.
    const big = Array.from({ length: 1001 }, (_, i) => `${words[i % 8]} ${words[(i * 7) % 8]}`);
    expect(datasetDrift({ note: big }, { note: fresh }).columns.note).toMatchObject({ test: 'abs_text_content_drift', threshold: 0.55, drift: true });
    // A type given by the caller wins: chi-square on it as a categorical column; a text test on a number column is refused.
    expect(datasetDrift({ note: same(0) }, { note: same(0) }, { columnTypes: { note: 'cat' } }).columns.note?.test).toBe('chisquare');
    expect(() => datasetDrift({ x: range(40, (i) => i) }, { x: range(40, (i) => i) }, { overrides: { x: { test: 'abs_text_content_drift' } } })).toThrow("Stattest abs_text_content_drift isn't applicable to numerical column 'x'");
  });

  it('the type comes from the current table, as Evidently infers its data definition from the current data', () => {
    const r = datasetDrift({ k: range(30, (i) => (i % 4) + 0.5) }, { k: range(30, (i) => i % 4) });
    expect(r.columns.k?.type).toBe('cat');
  });
});

describe('tableFromCsvText', () => {
  it('parses numbers, missing markers and strings per column', () => {
    const t = tableFromCsvText('\uFEFFx,y,z\r\n1,a,1e3\r\n2.5,,NA\r\n,"b, c",-inf\r\n', 'r.csv');
    expect(t).toEqual({ x: [1, 2.5, null], y: ['a', null, 'b, c'], z: [1000, null, -Infinity] });
  });

  it("says each column's pandas dtype: int only for integer literals with no missing cell", () => {
    expect(readCsvTable('a,b,c,d\n1,1.0,1,x\n2,2.0,,y\n', 'r.csv').dtypes).toEqual({ a: 'int', b: 'float', c: 'float', d: 'str' });
  });

  it('makes a column numeric only if every non-empty cell is a number', () => {
    const t = tableFromCsvText('a,b\n1,2\n3,x\n', 'r.csv');
    expect(t).toEqual({ a: [1, 3], b: ['2', 'x'] });
  });

  it('handles quoted newlines and escaped quotes', () => {
    const t = tableFromCsvText('a,b,c\n"line1\nline2","say ""hi""","1.5"\n\n', 'r.csv');
    expect(t).toEqual({ a: ['line1\nline2'], b: ['say "hi"'], c: [1.5] });
    // line numbers after a quoted line break still point at the right line
    expect(() => tableFromCsvText('a,b\n"x\ny",1\n2\n', 'm.csv')).toThrow(/m\.csv:4: missing column 'b'/);
  });

  it('names file, line and column on ragged rows', () => {
    expect(() => tableFromCsvText('a,b,c\n1,2,3\n4,5\n', 'cur.csv')).toThrow(/cur\.csv:3: missing column 'c'/);
    expect(() => tableFromCsvText('a,b\n1,2,3\n', 'cur.csv')).toThrow(/cur\.csv:2: extra cell after column 'b'/);
    expect(() => tableFromCsvText('', 'e.csv')).toThrow(/e\.csv: empty CSV/);
    expect(() => tableFromCsvText('a,a\n1,2\n', 'd.csv')).toThrow(/'a' appears twice/);
    expect(() => tableFromCsvText('a,b\n"1,2\n', 'q.csv')).toThrow(/q\.csv.*invalid CSV/);
  });
});
