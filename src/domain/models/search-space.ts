/**
 * Hyper-parameter ranges over dotted paths inside `model` (e.g. `trainer.learning_rate`): sampling,
 * setting a path on a copy of the spec, and the checks run at config load. Pure; no tfjs.
 */

export type Range = { uniform: [number, number] } | { log_uniform: [number, number] } | { int: [number, number] } | { choice: unknown[] };

/**
 * Only how the model is built and trained is searched. The output, the inputs (they change the
 * samples and the champion comparison) and the search itself are fixed by the team file.
 */
export const SEARCHABLE_ROOTS = ['encoder', 'trainer', 'seed'] as const;

export function getPath(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const key of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** A deep copy of `obj` with `dotted` set to `value` (the original is never mutated). */
export function withPath<T>(obj: T, dotted: string, value: unknown): T {
  const copy = structuredClone(obj);
  const keys = dotted.split('.');
  let cur = copy as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) cur = cur[key] as Record<string, unknown>;
  cur[keys[keys.length - 1] as string] = structuredClone(value);
  return copy;
}

export function sampleRange(r: Range, random: () => number): unknown {
  const u = random();
  if ('uniform' in r) return r.uniform[0] + (r.uniform[1] - r.uniform[0]) * u;
  if ('log_uniform' in r) return Math.exp(Math.log(r.log_uniform[0]) + (Math.log(r.log_uniform[1]) - Math.log(r.log_uniform[0])) * u);
  if ('int' in r) return r.int[0] + Math.min(r.int[1] - r.int[0], Math.floor(u * (r.int[1] - r.int[0] + 1)));
  return r.choice[Math.min(r.choice.length - 1, Math.floor(u * r.choice.length))];
}

/**
 * Values a range can produce that are worth validating: both ends, and for continuous ranges an
 * interior non-integer (a `uniform` over an integer field such as `trainer.epochs` is an error).
 */
function probes(r: Range): unknown[] {
  if ('uniform' in r) return [r.uniform[0], r.uniform[1], r.uniform[0] + (r.uniform[1] - r.uniform[0]) * 0.37];
  if ('log_uniform' in r) return [r.log_uniform[0], r.log_uniform[1], Math.exp(Math.log(r.log_uniform[0]) * 0.63 + Math.log(r.log_uniform[1]) * 0.37)];
  if ('int' in r) return [r.int[0], r.int[1]];
  return r.choice;
}

const bounds = (r: Range): [number, number] | null => ('uniform' in r ? r.uniform : 'log_uniform' in r ? r.log_uniform : 'int' in r ? r.int : null);

export interface SpaceIssue {
  /** The dotted path as written under `search.space`. */
  path: string;
  message: string;
}

/**
 * Checks every path of `spec.search.space` against the (defaulted) spec: it must lie under
 * encoder/trainer/seed, name an existing field, and every probed value must give a valid spec
 * (`validate` returns the problem, or null).
 */
export function searchSpaceIssues(spec: { search?: { space: Record<string, Range> } | undefined }, validate: (candidate: unknown) => string | null): SpaceIssue[] {
  const out: SpaceIssue[] = [];
  const space = spec.search?.space ?? {};
  for (const [p, range] of Object.entries(space)) {
    const keys = p.split('.');
    const root = keys[0] as string;
    if (!(SEARCHABLE_ROOTS as readonly string[]).includes(root)) {
      out.push({ path: p, message: `a dotted path under ${SEARCHABLE_ROOTS.join(', ')} such as trainer.learning_rate ("${root}" cannot be searched)` });
      continue;
    }
    const parentPath = keys.slice(0, -1).join('.');
    const parent = parentPath ? getPath(spec, parentPath) : spec;
    const leaf = keys[keys.length - 1] as string;
    if (parent === null || typeof parent !== 'object' || Array.isArray(parent) || !(leaf in parent)) {
      const fields = parent && typeof parent === 'object' && !Array.isArray(parent) ? Object.keys(parent).filter((k) => k !== 'type') : [];
      const kind = root === 'encoder' ? ` of the ${String(getPath(spec, 'encoder.type'))} encoder` : '';
      out.push({ path: p, message: `a field${kind}${fields.length ? `: one of ${fields.map((f) => `${parentPath ? parentPath + '.' : ''}${f}`).join(', ')}` : ''} ("${p}" is not one)` });
      continue;
    }
    const b = bounds(range);
    if (b && b[0] > b[1]) {
      out.push({ path: p, message: '[low, high] with low ≤ high' });
      continue;
    }
    for (const v of probes(range)) {
      const problem = validate(withPath(spec, p, v));
      if (problem) {
        out.push({ path: p, message: `a range whose every value is valid for ${p} (it can give ${JSON.stringify(v)}: ${problem})` });
        break;
      }
    }
  }
  return out;
}
