/** Reading a config file: its text, its YAML and its schema, with one-line errors (`file: field: expected …`). */
import { promises as fs } from 'node:fs';
import YAML from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { describeIssue, describeYamlError } from './describe.ts';

/** A config file is a few KB; anything far larger was named by mistake (and is not read whole). */
const MAX_CONFIG_BYTES = 1 << 20;

export async function readText(file: string, displayName: string): Promise<string> {
  try {
    const st = await fs.stat(file);
    if (st.isDirectory()) throw new ConfigError(displayName, '', 'expected a YAML file, got a directory');
    if (!st.isFile()) throw new ConfigError(displayName, '', 'expected a YAML file, got a device or other special file');
    if (st.size > MAX_CONFIG_BYTES) throw new ConfigError(displayName, '', `expected a YAML file of at most 1 MB, got ${(st.size / MAX_CONFIG_BYTES).toFixed(1)} MB`);
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(displayName, '', code === 'ENOENT' ? 'file not found' : `cannot read (${code})`, { cause: err });
  }
}

export function parseYaml(text: string, displayName: string): unknown {
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  // The parser's messages may quote the file: the one line is made from the error's code and position only.
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0] ?? (first.pos ? lineCounter.linePos(first.pos[0]) : undefined);
    const { field, text: expected } = describeYamlError(first.code, pos);
    throw new ConfigError(displayName, field, expected);
  }
  try {
    // An alias bomb (anchors referencing anchors) expands exponentially: the parser stops it at 100 aliases.
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const msg = String(err);
    const code = err instanceof YAML.YAMLError ? err.code : /excessive alias/i.test(msg) ? 'RESOURCE_EXHAUSTION' : /unresolved alias/i.test(msg) ? 'BAD_ALIAS' : 'IMPOSSIBLE';
    const { field, text: expected } = describeYamlError(code);
    throw new ConfigError(displayName, field, expected, { cause: err });
  }
}

/** `prefix` places the value inside the file (a plug-in's parameters under `strategy`, say). */
export function validate<S extends z.ZodType>(schema: S, value: unknown, displayName: string, prefix = ''): z.infer<S> {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  const issue = r.error.issues[0] as z.core.$ZodIssue;
  const { field, text } = describeIssue(schema, issue, value);
  const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : '';
  throw new ConfigError(displayName, [prefix, field].filter(Boolean).join('.'), text + more);
}

