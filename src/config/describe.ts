/**
 * Turns zod issues into one line: `file: field.path: expected <what>, got <value>`. zod's own
 * messages say "expected number"; users need "a positive integer", so the expectation is read
 * off the schema at the failing path (its checks, from `_zod.def.checks`; `_zod.bag` is not always filled).
 */
import type { z } from 'zod';

type AnySchema = z.ZodType;
type Bag = { minimum?: number; exclusiveMinimum?: number; maximum?: number; exclusiveMaximum?: number; format?: string; patterns?: Set<RegExp> };
interface Internals {
  def: { type: string; innerType?: AnySchema; out?: AnySchema; shape?: Record<string, AnySchema>; element?: AnySchema; valueType?: AnySchema; options?: AnySchema[]; discriminator?: string; entries?: Record<string, unknown>; values?: unknown[]; checks?: { _zod: { def: { check: string; error?: unknown; format?: string; value?: unknown; inclusive?: boolean } } }[] };
  bag: Bag;
  values?: Set<unknown>;
}

const internals = (s: AnySchema): Internals => (s as unknown as { _zod: Internals })._zod;

function unwrap(s: AnySchema): AnySchema {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    const d = internals(cur).def;
    if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(d.type) && d.innerType) cur = d.innerType;
    // z.preprocess(fn, schema) is a pipe into `schema`: describe the schema.
    else if (d.type === 'pipe' && d.out) cur = d.out;
    else break;
  }
  return cur;
}

/** The schema at `path` (following the actual input through discriminated unions). */
export function schemaAt(root: AnySchema, path: readonly PropertyKey[], input: unknown): AnySchema | undefined {
  let cur: AnySchema | undefined = root;
  let value: unknown = input;
  for (const key of path) {
    if (!cur) return undefined;
    cur = resolveUnion(unwrap(cur), value);
    const d = internals(cur).def;
    if (d.type === 'object' && d.shape) cur = d.shape[String(key)];
    else if (d.type === 'array' && d.element) cur = d.element;
    else if (d.type === 'record' && d.valueType) cur = d.valueType;
    else if (d.type === 'tuple') return undefined;
    else return undefined;
    value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key as string] : undefined;
  }
  return cur ? resolveUnion(unwrap(cur), value) : undefined;
}

function resolveUnion(s: AnySchema, value: unknown): AnySchema {
  const d = internals(s).def;
  if (d.type !== 'union' || !d.options) return s;
  if (d.discriminator && value && typeof value === 'object') {
    const tag = (value as Record<string, unknown>)[d.discriminator];
    for (const o of d.options) {
      const od = internals(unwrap(o)).def;
      const lit = od.shape?.[d.discriminator];
      if (lit && internals(lit).values?.has(tag)) return unwrap(o);
    }
  }
  return s;
}

function bagFromChecks(checks: NonNullable<Internals['def']['checks']>): Bag {
  const bag: Bag = {};
  for (const c of checks) {
    const d = c._zod.def;
    const v = typeof d.value === 'number' ? d.value : undefined;
    if (d.check === 'number_format' && d.format) bag.format = d.format;
    else if (d.check === 'greater_than' && v !== undefined) {
      if (d.inclusive) bag.minimum = v;
      else bag.exclusiveMinimum = v;
    } else if (d.check === 'less_than' && v !== undefined) {
      if (d.inclusive) bag.maximum = v;
      else bag.exclusiveMaximum = v;
    }
  }
  return bag;
}

function describeNumber(bag: Bag): string {
  const int = bag.format === 'safeint' || bag.format === 'int32';
  const noun = int ? 'integer' : 'number';
  const lo = bag.minimum;
  const xlo = bag.exclusiveMinimum;
  const hi = bag.maximum ?? bag.exclusiveMaximum;
  if ((xlo === 0 || (int && lo === 1)) && hi === undefined) return `a positive ${noun}`;
  if (lo === 0 && hi === undefined) return `a non-negative ${noun}`;
  const from = xlo !== undefined ? `> ${xlo}` : lo !== undefined ? `≥ ${lo}` : undefined;
  const to = bag.exclusiveMaximum !== undefined ? `< ${bag.exclusiveMaximum}` : bag.maximum !== undefined ? `≤ ${bag.maximum}` : undefined;
  if (xlo === 0 && to) return `a positive ${noun} ${to}`;
  if (from && to) return `${int ? 'an integer' : 'a number'} ${from} and ${to}`;
  if (from || to) return `${int ? 'an integer' : 'a number'} ${from ?? to}`;
  return int ? 'an integer' : 'a number';
}

export function describeSchema(s: AnySchema | undefined): string | undefined {
  if (!s) return undefined;
  const z = internals(unwrap(s));
  const d = z.def;
  switch (d.type) {
    case 'number':
      return describeNumber({ ...bagFromChecks(d.checks ?? []), ...z.bag });
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${Object.values(d.entries ?? {}).map(String).join(' | ')}`;
    case 'literal':
      return (d.values ?? []).map((v) => JSON.stringify(v)).join(' or ');
    case 'array':
      return 'a list';
    case 'object':
      return `a mapping with keys ${Object.keys(d.shape ?? {}).join(', ')}`;
    case 'record':
      return 'a mapping';
    case 'union':
      if (d.discriminator) return `a mapping with ${d.discriminator}: ${(d.options ?? []).map((o) => describeSchema(internals(unwrap(o)).def.shape?.[d.discriminator as string])).join(' | ')}`;
      return (d.options ?? []).map(describeSchema).join(' or ');
    default:
      return undefined;
  }
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing (the key is missing)';
  // JSON would print these as null: say what YAML read (1e400 is Infinity, .nan is NaN).
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : `${v > 0 ? '' : '-'}Infinity (a number too large to hold)`;
  if (Array.isArray(v)) return `a list of ${v.length} item${v.length === 1 ? '' : 's'}`;
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** What a whole document was, without its content (a file named by mistake, e.g. /etc/passwd, is never echoed). */
function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'an empty document';
  if (typeof v === 'string') return `a plain text of ${v.length} characters`;
  if (Array.isArray(v)) return `a list of ${v.length} items`;
  return `a ${typeof v}`;
}

const ITEMS: Record<string, string> = { array: 'items', string: 'characters', set: 'items', file: 'bytes' };

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

function closest(word: string, options: string[]): string | undefined {
  const dist = (a: string, b: string): number => {
    const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) (dp[0] as number[])[j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++)
        (dp[i] as number[])[j] = Math.min((dp[i - 1] as number[])[j]! + 1, (dp[i] as number[])[j - 1]! + 1, (dp[i - 1] as number[])[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    return (dp[a.length] as number[])[b.length] as number;
  };
  let best: [string, number] | undefined;
  for (const o of options) {
    const dd = dist(word, o);
    if (!best || dd < best[1]) best = [o, dd];
  }
  return best && best[1] <= Math.max(2, Math.floor(word.length / 3)) ? best[0] : undefined;
}

/** What each YAML parse error code means (the parser's own message may quote the file: it is never shown). */
const YAML_ERRORS: Record<string, string> = {
  ALIAS_PROPS: 'an alias without an anchor or tag of its own',
  BAD_ALIAS: 'aliases that name an anchor defined before them',
  BAD_DIRECTIVE: 'a known %YAML or %TAG directive',
  BAD_DQ_ESCAPE: 'valid escapes in a double-quoted string',
  BAD_INDENT: 'consistent indentation',
  BAD_PROP_ORDER: 'an anchor or tag before its value',
  BAD_SCALAR_START: 'a value that does not start with a reserved character (@ or `)',
  BLOCK_AS_IMPLICIT_KEY: 'a simple key (a block cannot be a key)',
  BLOCK_IN_FLOW: 'no block collection inside [ ] or { }',
  DUPLICATE_KEY: 'each key once',
  IMPOSSIBLE: 'valid YAML',
  KEY_OVER_1024_CHARS: 'keys shorter than 1024 characters',
  MISSING_CHAR: 'a closing quote or bracket',
  MULTILINE_IMPLICIT_KEY: 'each key on one line',
  MULTIPLE_ANCHORS: 'at most one anchor per value',
  MULTIPLE_DOCS: 'a single YAML document',
  MULTIPLE_TAGS: 'at most one tag per value',
  NON_STRING_KEY: 'plain keys',
  RESOURCE_EXHAUSTION: 'aliases that expand to a reasonable size (this looks like an alias bomb)',
  TAB_AS_INDENT: 'spaces for indentation, not tabs',
  TAG_RESOLVE_FAILED: 'values valid for their tag',
  UNEXPECTED_TOKEN: 'YAML syntax (a character is out of place)',
  BAD_COLLECTION_TYPE: 'a collection of the tagged type',
};

/** One line for a YAML error, from its code and position only. */
export function describeYamlError(code: string, pos?: { line: number; col: number }): { field: string; text: string } {
  return { field: pos ? `line ${pos.line}, column ${pos.col}` : '', text: `expected valid YAML: ${YAML_ERRORS[code] ?? 'valid YAML'} (${code})` };
}

/** One line per issue: `[field, expectation]`. */
export function describeIssue(root: AnySchema, issue: z.core.$ZodIssue, input: unknown): { field: string; text: string } {
  const path = issue.path as PropertyKey[];
  const value = (issue as { input?: unknown }).input;
  // The document itself is not a mapping: say what it is, never what it says.
  if (path.length === 0 && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    return { field: '', text: `expected a YAML mapping (key: value lines), got ${kindOf(input)}` };
  }
  if (issue.code === 'unrecognized_keys') {
    const container = schemaAt(root, path, input);
    const allowed = container ? Object.keys(internals(unwrap(container)).def.shape ?? {}) : [];
    const key = issue.keys[0] as string;
    const guess = closest(key, allowed);
    return {
      field: formatPath([...path, key]),
      text: `unknown key${guess ? ` (did you mean "${guess}"?)` : ''}; expected one of ${allowed.join(', ')}`,
    };
  }
  if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator) {
    const opts = (issue as unknown as { options?: unknown[] }).options ?? [];
    const got = value && typeof value === 'object' ? (value as Record<string, unknown>)[issue.discriminator] : value;
    return { field: formatPath(path), text: `expected one of ${opts.map(String).join(' | ')}, got ${show(got)}` };
  }
  if ((issue.code === 'too_big' || issue.code === 'too_small') && issue.origin in ITEMS) {
    const unit = ITEMS[issue.origin] as string;
    const limit = issue.code === 'too_big' ? `at most ${String(issue.maximum)}` : `at least ${String(issue.minimum)}`;
    const size = Array.isArray(value) ? value.length : typeof value === 'string' ? value.length : undefined;
    const what = issue.origin === 'array' ? `a list of ${limit} ${unit}` : `a ${issue.origin} of ${limit} ${unit}`;
    return { field: formatPath(path), text: `expected ${what}${size !== undefined ? `, got ${size}` : ''}` };
  }
  const custom = issue.message && !/^(Invalid|Too (small|big)|Unrecognized)/.test(issue.message) ? issue.message : undefined;
  const expected = custom ?? describeSchema(schemaAt(root, path, input)) ?? issue.message;
  return { field: formatPath(path), text: `expected ${expected}, got ${show(value)}` };
}
