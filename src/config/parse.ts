/** Reading a config file: its text, its YAML and its schema, with one-line errors (`file: field: expected …`). */
import { promises as fs } from 'node:fs';
import YAML from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { describeIssue } from './describe.ts';

export async function readText(file: string, displayName: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(displayName, '', code === 'ENOENT' ? 'file not found' : `cannot read (${code})`, { cause: err });
  }
}

export function parseYaml(text: string, displayName: string): unknown {
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0] ?? (first.pos ? lineCounter.linePos(first.pos[0]) : undefined);
    throw new ConfigError(displayName, pos ? `line ${pos.line}` : '', `expected valid YAML (${first.message.split('\n')[0]})`);
  }
  return doc.toJS();
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

