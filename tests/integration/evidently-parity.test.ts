/**
 * Parity with real Evidently 0.7.23: seeded datasets are written as CSV, Evidently's DataDriftPreset and
 * regression/classification metrics run on them in Python (scripts/parity/*.py), and our pure functions
 * must choose the same test per column, reach the same scores (≤ 1e-6) and the same verdicts.
 * Needs the project venv (`bash scripts/services.sh setup`); ARENA_PYTHON overrides the interpreter.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetDrift, inferColumnType, readCsvTable, tableFromCsvText } from '../../src/domain/monitoring/drift/index.ts';
import type { CsvDtype, DriftReport, DriftTest, InferredColumnType, Table } from '../../src/domain/monitoring/drift/index.ts';
import { classificationMetrics, regressionMetrics } from '../../src/domain/monitoring/metrics/index.ts';
import { seededRandom } from '../../src/domain/models/rng.ts';

const run = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PYTHON = process.env.ARENA_PYTHON ?? path.join(REPO, '.venv', 'bin', 'python');
const SETUP_HINT = 'run `bash scripts/services.sh setup` (or set ARENA_PYTHON to a python with evidently==0.7.23)';
// Without the venv the suite is skipped with a printed reason, except in CI where it must run.
const HAVE_PYTHON = existsSync(PYTHON);
if (!HAVE_PYTHON && process.env.ARENA_SERVICES === 'required') throw new Error(`Python for the Evidently parity test not found at ${PYTHON}: ${SETUP_HINT}`);
if (!HAVE_PYTHON) console.warn(`SKIPPED Evidently parity: no ${PYTHON}; ${SETUP_HINT}`);

// ---------- seeded data ----------


function gen(seed: number) {
  const u = seededRandom(seed);
  const normal = (mu = 0, sd = 1): number => {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    return mu + sd * r * Math.cos(2 * Math.PI * u());
  };
  const pick = <T,>(xs: readonly T[], weights?: readonly number[]): T => {
    const w = weights ?? xs.map(() => 1);
    let x = u() * w.reduce((s, v) => s + v, 0);
    for (let i = 0; i < xs.length; i++) {
      x -= w[i] as number;
      if (x < 0) return xs[i] as T;
    }
    return xs[xs.length - 1] as T;
  };
  return { u, normal, pick };
}

type Col = (n: number, g: ReturnType<typeof gen>) => (number | string | null)[];
const times = (n: number, f: () => number | string | null) => Array.from({ length: n }, f);
const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
/** Sprinkles missing cells: null, NaN and ±inf (all dropped by Evidently and by us). */
const holes = (xs: (number | string | null)[], g: ReturnType<typeof gen>, share: number) =>
  xs.map((x) => (g.u() < share ? g.pick<number | string | null>([null, NaN, Infinity, -Infinity]) : x));

const cont = (mu: number, sd = 1): Col => (n, g) => times(n, () => g.normal(mu, sd));
const rounded = (mu: number, d: number): Col => (n, g) => times(n, () => round(g.normal(mu), d));
const levels = (vals: readonly (number | string)[], w?: readonly number[]): Col => (n, g) => times(n, () => g.pick(vals, w));
const withHoles = (c: Col, share: number): Col => (n, g) => holes(c(n, g), g, share);
/** Blank cells only (what a CSV with empty cells holds): pandas reads the column as float64. */
const withBlanks = (c: Col, share: number): Col => (n, g) => c(n, g).map((x) => (g.u() < share ? null : x));

interface DriftCase {
  name: string;
  nRef: number;
  nCur: number;
  /** column → [reference generator, current generator, type we declare] */
  columns: Record<string, [Col, Col, InferredColumnType]>;
  overrides?: Record<string, DriftTest>;
}

const FEW = [0.5, 1.5, 2.5, 3.5];
/** Sentences of 5–10 words drawn from `vocab` (with weights `w`). */
const sentences =
  (vocab: readonly string[], w?: readonly number[]): Col =>
  (n, g) =>
    times(n, () => Array.from({ length: 5 + Math.floor(g.u() * 6) }, () => g.pick(vocab, w)).join(' '));
const MARKET_WORDS = 'stocks rally slump earnings guidance upgrade downgrade merger buyback dividend inflation rates yields volatility futures options hedge margin analyst forecast revenue profit loss chip energy retail banks oil gold bonds'.split(' ');
/** The same words, with the bearish ones five times as frequent. */
const BEARISH = MARKET_WORDS.map((word) => (['slump', 'downgrade', 'loss', 'volatility', 'hedge'].includes(word) ? 5 : 1));
const CASES: DriftCase[] = [
  {
    name: 'small_mixed',
    nRef: 500,
    nCur: 400,
    columns: {
      cont_same: [cont(0), cont(0), 'num'],
      cont_shift: [cont(0), cont(0.4), 'num'],
      cont_holes: [withHoles(cont(1, 2), 0.05), withHoles(cont(1.2, 2), 0.05), 'num'],
      ties: [rounded(0, 1), rounded(0.1, 1), 'num'],
      six_values: [levels([1.5, 2.5, 3.5, 4.5, 5.5, 6.5]), levels([1.5, 2.5, 3.5, 4.5, 5.5, 6.5], [2, 1, 1, 1, 1, 1]), 'num'],
      few_num: [levels(FEW), levels(FEW, [1, 1, 1, 1.4]), 'num'],
      three_num: [levels([0.1, 0.2, 0.3]), levels([0.1, 0.2, 0.3]), 'num'],
      binary_num: [levels([0.25, 0.75]), levels([0.25, 0.75], [1, 1.5]), 'num'],
      cat4: [levels(['a', 'b', 'c', 'd']), levels(['a', 'b', 'c', 'd'], [1, 1, 1, 1.3]), 'cat'],
      cat_new_level: [levels(['a', 'b', 'c']), levels(['a', 'b', 'c', 'z'], [10, 10, 10, 1]), 'cat'],
      cat_binary: [levels(['no', 'yes']), levels(['no', 'yes'], [1, 1.2]), 'cat'],
      cat_const: [levels(['k']), levels(['k']), 'cat'],
      cat_holes: [withHoles(levels(['x', 'y', 'z']), 0.1), withHoles(levels(['x', 'y', 'z']), 0.1), 'cat'],
      int_codes: [levels([1, 2, 3, 4, 5, 6, 7]), levels([1, 2, 3, 4, 5, 6, 7], [1, 1, 1, 1, 1, 1, 1.5]), 'cat'],
      int_many: [(n, g) => times(n, () => Math.floor(g.u() * 40)), (n, g) => times(n, () => Math.floor(g.u() * 42)), 'num'],
    },
  },
  {
    // Evidently's column-type rules where they used to differ from ours: integer codes with a few blank
    // cells (pandas makes them float64: numerical), and a mostly-unique string column (text).
    name: 'evidently_types',
    nRef: 600,
    nCur: 500,
    columns: {
      int_blank: [withBlanks(levels([1, 2, 3, 4, 5, 6, 7]), 0.05), withBlanks(levels([1, 2, 3, 4, 5, 6, 7], [1, 1, 1, 1, 1, 1, 2]), 0.05), 'num'],
      int_full: [levels([1, 2, 3, 4, 5, 6, 7]), levels([1, 2, 3, 4, 5, 6, 7], [1, 1, 1, 1, 1, 1, 1.5]), 'cat'],
      ticket: [(n, g) => times(n, () => `tx-${Math.floor(g.u() * 1e6)}`), (n, g) => times(n, () => `tx-${Math.floor(g.u() * 1e6)}`), 'text'],
      words: [levels(['red', 'blue', 'green']), levels(['red', 'blue', 'green'], [2, 1, 1]), 'cat'],
      cont: [cont(0), cont(0.5), 'num'],
    },
  },
  {
    name: 'small_drifted',
    nRef: 300,
    nCur: 200,
    columns: {
      a: [cont(0), cont(1), 'num'],
      b: [cont(0), cont(0, 3), 'num'],
      c: [levels(['p', 'q', 'r']), levels(['p', 'q', 'r'], [5, 1, 1]), 'cat'],
      d: [cont(0), cont(0), 'num'],
    },
  },
  {
    // 1000 reference rows is still "small" (KS), equal sizes take scipy's square formula; 12,000 current
    // rows push ks_2samp onto its asymptotic kstwo path.
    name: 'ks_boundary_1000',
    nRef: 1000,
    nCur: 1000,
    columns: { x: [cont(0), cont(0.1), 'num'], y: [rounded(0, 2), rounded(0, 2), 'num'] },
  },
  {
    name: 'ks_asymptotic',
    nRef: 800,
    nCur: 12000,
    columns: { x: [cont(0), cont(0.08), 'num'], y: [cont(0), cont(0), 'num'], w: [cont(0), cont(0.15), 'num'] },
  },
  {
    name: 'large_1001',
    nRef: 1001,
    nCur: 700,
    columns: {
      cont_same: [cont(0), cont(0), 'num'],
      cont_shift: [cont(0), cont(0.3), 'num'],
      // two holes leave 999 clean reference rows: back to the small-reference tests (KS)
      cont_cleaned_small: [
        (n, g) => cont(0)(n, g).map((x, i) => (i < 2 ? null : x)),
        cont(0.2),
        'num',
      ],
      few_num: [levels(FEW), levels(FEW, [1, 1, 1, 2]), 'num'],
      binary_num: [levels([0.25, 0.75]), levels([0.25, 0.75], [1, 1.3]), 'num'],
      cat4: [levels(['a', 'b', 'c', 'd']), levels(['a', 'b', 'c', 'd'], [1, 1, 2, 1]), 'cat'],
      cat_binary: [levels(['no', 'yes']), levels(['no', 'yes']), 'cat'],
      tiny_sd: [cont(5, 1e-5), cont(5, 1e-5), 'num'],
    },
  },
  {
    name: 'large_overrides',
    nRef: 3000,
    nCur: 2500,
    columns: {
      psi_cont: [cont(0), cont(0.2, 1.1), 'num'],
      psi_few: [levels(FEW), levels(FEW, [1, 1, 1, 1.5]), 'num'],
      psi_cat: [levels(['a', 'b', 'c', 'd', 'e'], [50, 30, 15, 5, 0.01]), levels(['a', 'b', 'c', 'd', 'e']), 'cat'],
      js_cont: [cont(0), cont(0.3), 'num'],
      ks_large: [cont(0), cont(0.05), 'num'],
      wass_few: [levels(FEW), levels(FEW, [2, 1, 1, 1]), 'num'],
      chi_cat: [levels(['a', 'b', 'c']), levels(['a', 'b', 'c'], [1, 1, 1.1]), 'cat'],
      z_cat: [levels(['no', 'yes']), levels(['no', 'yes'], [1, 1.1]), 'cat'],
      auto_cont: [cont(0), cont(0), 'num'],
    },
    overrides: {
      psi_cont: 'psi',
      psi_few: 'psi',
      psi_cat: 'psi',
      js_cont: 'jensenshannon',
      ks_large: 'ks',
      wass_few: 'wasserstein',
      chi_cat: 'chisquare',
      z_cat: 'z',
    },
  },
  {
    // Text columns (a TF-IDF domain classifier): the same wording, a new vocabulary, and a shift in word
    // frequencies only; small reference, so the percentile test.
    name: 'text_small',
    nRef: 400,
    nCur: 300,
    columns: {
      same_words: [sentences(MARKET_WORDS), sentences(MARKET_WORDS), 'text'],
      new_words: [sentences(MARKET_WORDS), sentences(['crypto', 'token', 'wallet', 'staking', 'airdrop', 'rally', 'slump']), 'text'],
      bearish: [sentences(MARKET_WORDS), sentences(MARKET_WORDS, BEARISH), 'text'],
      x: [cont(0), cont(0), 'num'],
    },
  },
  {
    // Over 1000 reference rows: the absolute test (AUC > 0.55).
    name: 'text_large',
    nRef: 1500,
    nCur: 1200,
    columns: {
      same_words: [sentences(MARKET_WORDS), sentences(MARKET_WORDS), 'text'],
      bearish: [sentences(MARKET_WORDS), sentences(MARKET_WORDS, BEARISH), 'text'],
    },
  },
];

function toCsv(table: Table, names: string[]): string {
  const n = (table[names[0] as string] as unknown[]).length;
  const cell = (v: number | string | null): string => {
    if (v === null) return '';
    if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v);
    return v;
  };
  const lines = [names.join(',')];
  for (let i = 0; i < n; i++) lines.push(names.map((c) => cell((table[c] as (number | string | null)[])[i] ?? null)).join(','));
  return lines.join('\n') + '\n';
}

// ---------- running the oracle ----------

async function python(script: string, job: unknown, dir: string): Promise<unknown> {
  if (!existsSync(PYTHON)) throw new Error(`Python for the Evidently parity test not found at ${PYTHON}: ${SETUP_HINT}`);
  const jobFile = path.join(dir, `${path.basename(script, '.py')}-job.json`);
  writeFileSync(jobFile, JSON.stringify(job));
  try {
    const { stdout } = await run(PYTHON, [path.join(REPO, 'scripts', 'parity', script), jobFile], {
      maxBuffer: 64 * 1024 * 1024,
      timeout: 540_000,
    });
    return JSON.parse(stdout.replace(/\bNaN\b/g, 'null'));
  } catch (err) {
    const e = err as { code?: number; stderr?: string; message?: string };
    throw new Error(`${script} failed (exit ${String(e.code)}): ${e.stderr?.trim() || e.message}\n${SETUP_HINT}`, { cause: err });
  }
}

interface EvColumn {
  test: string;
  score: number;
  threshold: number;
  drift: boolean;
}
interface EvDriftCase {
  dataset_drift: boolean;
  drift_share: number;
  number_of_drifted_columns: number;
  columns: Record<string, EvColumn>;
  inferred: Record<string, string>;
}
interface EvDriftOut {
  versions: { evidently: string };
  cases: Record<string, EvDriftCase>;
}
type Scores = Record<string, number>;
interface EvMetricsOut {
  versions: { evidently: string };
  regression: Record<string, { evidently: Scores; sklearn: Scores }>;
  classification: Record<string, { evidently: Scores; sklearn: Scores }>;
}

const dir = mkdtempSync(path.join(tmpdir(), 'arena-parity-'));
const ours: Record<string, DriftReport> = {};
const currentTables: Record<string, Table> = {};
const currentDtypes: Record<string, Record<string, CsvDtype>> = {};
const regTables: Record<string, Table> = {};
const clsTables: Record<string, Table> = {};
let evDrift: EvDriftOut;
let evMetrics: EvMetricsOut;
/** Largest |ours − Evidently| per score kind, printed at the end (the report quotes it). */
const maxDiff: Record<string, number> = {};
const note = (kind: string, d: number) => (maxDiff[kind] = Math.max(maxDiff[kind] ?? 0, d));

beforeAll(async () => {
  if (!HAVE_PYTHON) return;
  const driftJob: unknown[] = [];
  CASES.forEach((c, k) => {
    const g = gen(1000 + k);
    const names = Object.keys(c.columns);
    const ref: Table = {};
    const cur: Table = {};
    for (const name of names) {
      const [r, q] = c.columns[name] as [Col, Col, InferredColumnType];
      ref[name] = r(c.nRef, g);
      cur[name] = q(c.nCur, g);
    }
    const refFile = path.join(dir, `${c.name}-reference.csv`);
    const curFile = path.join(dir, `${c.name}-current.csv`);
    writeFileSync(refFile, toCsv(ref, names));
    writeFileSync(curFile, toCsv(cur, names));
    const types = Object.fromEntries(names.map((n) => [n, (c.columns[n] as [Col, Col, InferredColumnType])[2]]));
    // Read back through our CSV reader so both sides see the same cells.
    const refT = tableFromCsvText(readFileSync(refFile, 'utf8'), refFile);
    const read = readCsvTable(readFileSync(curFile, 'utf8'), curFile);
    const curT = read.table;
    currentTables[c.name] = curT;
    currentDtypes[c.name] = read.dtypes;
    ours[c.name] = datasetDrift(refT, curT, {
      columnTypes: types,
      overrides: Object.fromEntries(Object.entries(c.overrides ?? {}).map(([col, test]) => [col, { test }])),
    });
    driftJob.push({
      name: c.name,
      reference: refFile,
      current: curFile,
      numerical: names.filter((n) => types[n] === 'num'),
      categorical: names.filter((n) => types[n] === 'cat'),
      text: names.filter((n) => types[n] === 'text'),
      overrides: c.overrides ?? {},
    });
  });

  // Regression: positive targets with exact zeros (MAPE's replace rule), signed targets (returns-like),
  // and a constant-ish case. Classification: ties, probabilities at 0, 0.5 and 1.
  const g = gen(77);
  const regression: { name: string; csv: string }[] = [];
  const regCases: Record<string, () => [number, number]> = {
    positive_with_zeros: () => {
      const t = g.u() < 0.03 ? 0 : Math.abs(g.normal(10, 3));
      return [t, t + g.normal(0.2, 1)];
    },
    returns: () => {
      const t = g.normal(0.0005, 0.02);
      return [t, 0.3 * t + g.normal(0, 0.015)];
    },
    rounded: () => {
      const t = round(g.normal(100, 5), 0);
      return [t, round(t + g.normal(0, 2), 1)];
    },
  };
  for (const [name, f] of Object.entries(regCases)) {
    const rows = times(2000, () => 0).map(() => f());
    const table: Table = { target: rows.map((r) => r[0]), prediction: rows.map((r) => r[1]) };
    const file = path.join(dir, `reg-${name}.csv`);
    writeFileSync(file, toCsv(table, ['target', 'prediction']));
    regTables[name] = tableFromCsvText(readFileSync(file, 'utf8'), file);
    regression.push({ name, csv: file });
  }
  const classification: { name: string; csv: string }[] = [];
  const clsCases: Record<string, () => [number, number]> = {
    informative: () => {
      const y = g.u() < 0.45 ? 1 : 0;
      return [y, Math.min(1, Math.max(0, 0.5 + (y ? 0.15 : -0.15) + g.normal(0, 0.25)))];
    },
    ties_and_edges: () => {
      const y = g.u() < 0.5 ? 1 : 0;
      return [y, g.pick([0, 0.25, 0.5, 0.5, 0.75, 1, round(g.u(), 2)])];
    },
  };
  for (const [name, f] of Object.entries(clsCases)) {
    const rows = times(1500, () => 0).map(() => f());
    const table: Table = { target: rows.map((r) => r[0]), probability: rows.map((r) => r[1]) };
    const file = path.join(dir, `cls-${name}.csv`);
    writeFileSync(file, toCsv(table, ['target', 'probability']));
    clsTables[name] = tableFromCsvText(readFileSync(file, 'utf8'), file);
    classification.push({ name, csv: file });
  }

  [evDrift, evMetrics] = (await Promise.all([
    python('evidently_drift.py', { cases: driftJob }, dir),
    python('evidently_metrics.py', { regression, classification }, dir),
  ])) as [EvDriftOut, EvMetricsOut];
}, 600_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (Object.keys(maxDiff).length) console.log('evidently parity, max |diff| per score kind:', JSON.stringify(maxDiff));
});

describe.skipIf(!HAVE_PYTHON)('drift parity with Evidently 0.7.23 DataDriftPreset', () => {
  it('runs the pinned Evidently', () => {
    expect(evDrift.versions.evidently).toBe('0.7.23');
  });

  for (const c of CASES) {
    it(`${c.name}: same test, score (≤1e-6), threshold and verdict per column, same dataset verdict`, () => {
      const ev = evDrift.cases[c.name] as EvDriftCase;
      const mine = ours[c.name] as DriftReport;
      expect(Object.keys(mine.columns).sort()).toEqual(Object.keys(ev.columns).sort());
      for (const [col, e] of Object.entries(ev.columns)) {
        const m = mine.columns[col];
        if (!m) throw new Error(`no column ${col} in our report`);
        expect({ col, test: m.test }).toEqual({ col, test: e.test });
        expect({ col, threshold: m.threshold }).toEqual({ col, threshold: e.threshold });
        const diff = Math.abs(m.score - e.score);
        note(m.test, diff);
        // The text tests train a classifier on a shuffled split: our PRNG is not numpy's, so the ROC AUC
        // differs by the split's luck (the module comment in drift/text.ts); every other score is exact.
        const tolerance = m.test.endsWith('text_content_drift') ? 0.05 : 1e-6;
        expect(diff, `${c.name}.${col} (${m.test}): ours ${m.score}, evidently ${e.score}`).toBeLessThanOrEqual(tolerance);
        expect({ col, drift: m.drift }).toEqual({ col, drift: e.drift });
      }
      expect(mine.dataset_drift).toBe(ev.dataset_drift);
      expect(mine.number_of_drifted_columns).toBe(ev.number_of_drifted_columns);
      expect(mine.drift_share).toBeCloseTo(ev.drift_share, 12);
    });
  }

  it('covers every default test and both dataset verdicts', () => {
    const tests = new Set(Object.values(evDrift.cases).flatMap((c) => Object.values(c.columns).map((x) => x.test)));
    expect([...tests].sort()).toEqual(['abs_text_content_drift', 'chisquare', 'jensenshannon', 'ks', 'perc_text_content_drift', 'psi', 'wasserstein', 'z']);
    const verdicts = new Set(Object.values(evDrift.cases).map((c) => c.dataset_drift));
    expect([...verdicts].sort()).toEqual([false, true]);
    // Text columns with and without drift, under both text tests.
    const text = Object.values(evDrift.cases).flatMap((c) => Object.values(c.columns).filter((x) => x.test.endsWith('text_content_drift')).map((x) => `${x.test} ${x.drift}`));
    expect([...new Set(text)].sort()).toEqual(['abs_text_content_drift false', 'abs_text_content_drift true', 'perc_text_content_drift false', 'perc_text_content_drift true']);
  });

  it('infers the same column types as Evidently wherever Evidently says num or cat', () => {
    const ev = evDrift.cases['small_mixed'] as EvDriftCase;
    const cur = currentTables['small_mixed'] as Table;
    let compared = 0;
    for (const [col, type] of Object.entries(ev.inferred)) {
      if (type !== 'num' && type !== 'cat') continue;
      expect({ col, type: inferColumnType(cur[col] ?? []) }).toEqual({ col, type });
      compared++;
    }
    // Every column of the small_mixed case whose type Evidently reports as num or cat.
    expect(compared).toBe(15);
    // ...and both read small integer codes as categorical
    expect(ev.inferred.int_codes).toBe('cat');
  });

  it("follows Evidently's column-type rules: integer codes with blank cells are num, mostly-unique strings are text", () => {
    const ev = evDrift.cases['evidently_types'] as EvDriftCase;
    const cur = currentTables['evidently_types'] as Table;
    const dtypes = currentDtypes['evidently_types'] as Record<string, CsvDtype>;
    expect(ev.inferred).toEqual({ int_blank: 'num', int_full: 'cat', ticket: 'text', words: 'cat', cont: 'num' });
    for (const [col, type] of Object.entries(ev.inferred)) expect({ col, type: inferColumnType(cur[col] ?? [], dtypes[col]) }).toEqual({ col, type });
    // Without the CSV's dtypes too: the blank cells alone make int_blank numerical.
    expect(inferColumnType(cur.int_blank ?? [])).toBe('num');
  });
});

describe.skipIf(!HAVE_PYTHON)('metrics parity with Evidently 0.7.23 (and sklearn)', () => {
  /** |ours − reference| relative to max(1, |reference|), noted for the summary line printed after the file. */
  const relDiff = (kind: string, ours: number, theirs: number): number => {
    const rel = Math.abs(ours - theirs) / Math.max(1, Math.abs(theirs));
    note(kind, rel);
    return rel;
  };

  it('regression: ME, MAE, RMSE, MAPE (Evidently formula), R²', () => {
    for (const [name, t] of Object.entries(regTables)) {
      const ev = evMetrics.regression[name]?.evidently as Scores;
      const sk = evMetrics.regression[name]?.sklearn as Scores;
      const m = regressionMetrics(t.target as number[], t.prediction as number[]);
      const pairs: [string, number, number, string][] = [
        ...(['me', 'mae', 'rmse', 'mape', 'r2'] as const).map((k): [string, number, number, string] => [k, m[k], ev[k] as number, 'evidently']),
        ['mae', m.mae, sk.mae as number, 'sklearn'],
        ['r2', m.r2, sk.r2 as number, 'sklearn'],
      ];
      for (const [kind, ours, theirs, ref] of pairs) expect(relDiff(kind, ours, theirs), `${name}.${kind} (${ref}): ours ${ours}, reference ${theirs}`).toBeLessThanOrEqual(1e-9);
    }
  });

  it('classification: accuracy, precision, recall, F1, ROC AUC, log loss, confusion matrix', () => {
    for (const [name, t] of Object.entries(clsTables)) {
      const ev = evMetrics.classification[name]?.evidently as Scores;
      const sk = evMetrics.classification[name]?.sklearn as Scores;
      const m = classificationMetrics(t.target as number[], t.probability as number[]);
      for (const k of ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'log_loss'] as const) {
        expect(relDiff(k, m[k], ev[k] as number), `${name}.${k} (evidently): ours ${m[k]}, reference ${String(ev[k])}`).toBeLessThanOrEqual(1e-9);
        expect(relDiff(k, m[k], sk[k] as number), `${name}.${k} (sklearn): ours ${m[k]}, reference ${String(sk[k])}`).toBeLessThanOrEqual(1e-9);
      }
      expect({ tp: m.tp, fp: m.fp, tn: m.tn, fn: m.fn }).toEqual({ tp: sk.tp, fp: sk.fp, tn: sk.tn, fn: sk.fn });
    }
  });
});
