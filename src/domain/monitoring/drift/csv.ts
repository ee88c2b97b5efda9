/**
 * CSV → columnar `Table` for `arena drift --reference R.csv --current C.csv`. Cell types:
 * - empty (or blank) cells and pandas' default missing markers (`NA`, `N/A`, `NaN`, `nan`, `null`, `None`,
 *   `#N/A`, …: the `na_values` list of `pandas.read_csv`) → null;
 * - a column is numeric only when every non-missing cell parses as a number (`inf`/`-inf` count as numbers
 *   and are later dropped as missing by the drift code, as Evidently does); numeric columns hold numbers;
 * - any other column holds the cells as strings (missing cells stay null).
 *
 * Records come from the project's one CSV reader (core/csv.ts).
 */
import { parseCsvRecords, type CsvRecord } from '../../../core/csv.ts';
import type { Table } from './types.ts';

// pandas.read_csv's default na_values (pandas/_libs/parsers.pyx STR_NA_VALUES), matched exactly.
const MISSING = new Set([
  '', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>',
  'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null',
]);
const isMissing = (cell: string): boolean => MISSING.has(cell) || cell.trim() === '';
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INF_RE = /^([+-]?)(inf|infinity)$/i;

function parseNumber(cell: string): number | undefined {
  const s = cell.trim();
  if (NUMBER_RE.test(s)) return Number(s);
  const inf = INF_RE.exec(s);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  return undefined;
}


/** How pandas.read_csv would hold a column: int64 (integer literals, none missing), float64, or strings. */
export type CsvDtype = 'int' | 'float' | 'str';

const INTEGER_RE = /^[+-]?\d+$/;

/**
 * Reads CSV text with a header row into a columnar table. Throws an Error naming `file`, the 1-based line
 * and the column when a row has a different number of cells than the header, when the header is missing or
 * has an empty or repeated name, or when the CSV is malformed (e.g. an unclosed quote).
 */
export function tableFromCsvText(text: string, file: string): Table {
  return readCsvTable(text, file).table;
}

/**
 * `tableFromCsvText` plus each column's pandas dtype: a number cell cannot say whether it was written `1`
 * or `1.0`, and pandas (hence Evidently's column type) tells them apart.
 */
export function readCsvTable(text: string, file: string): { table: Table; dtypes: Record<string, CsvDtype> } {
  const records = parseCsvRecords(text, file);
  const head = records[0];
  if (!head) throw new Error(`${file}: empty CSV: expected a header row`);
  const header = head.record.map((h) => h.trim());
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (name === '') throw new Error(`${file}:${head.line}: column ${i + 1} of the header has no name`);
    if (seen.has(name)) throw new Error(`${file}:${head.line}: column '${name}' appears twice in the header`);
    seen.add(name);
  });
  const raw: string[][] = header.map(() => []);
  for (let r = 1; r < records.length; r++) {
    const { record, line } = records[r] as CsvRecord;
    if (record.length !== header.length) {
      const where =
        record.length < header.length
          ? `missing column '${header[record.length]}'`
          : `extra cell after column '${header[header.length - 1]}'`;
      throw new Error(`${file}:${line}: ${where}: expected ${header.length} cells (as in the header), got ${record.length}`);
    }
    record.forEach((cell, c) => (raw[c] as string[]).push(cell));
  }
  const table: Table = {};
  const dtypes: Record<string, CsvDtype> = {};
  header.forEach((name, c) => {
    const cells = raw[c] as string[];
    const nums: (number | null)[] = [];
    let numeric = true;
    let integer = true;
    for (const cell of cells) {
      if (isMissing(cell)) {
        nums.push(null);
        integer = false; // a missing cell makes pandas hold the column as float64
        continue;
      }
      const n = parseNumber(cell);
      if (n === undefined) {
        numeric = false;
        break;
      }
      if (integer && !INTEGER_RE.test(cell.trim())) integer = false;
      nums.push(n);
    }
    table[name] = numeric ? nums : cells.map((cell) => (isMissing(cell) ? null : cell));
    dtypes[name] = !numeric ? 'str' : integer && cells.length > 0 ? 'int' : 'float';
  });
  return { table, dtypes };
}
