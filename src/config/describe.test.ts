import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { readStrategyFile } from './plugins.ts';
import { describeYamlError } from './describe.ts';

async function strategyError(text: string): Promise<ConfigError> {
  const f = path.join(mkdtempSync(path.join(tmpdir(), 'arena-describe-')), 's.yml');
  writeFileSync(f, text);
  const err = await readStrategyFile(f, 's.yml').then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as Error).message).not.toContain('\n');
  return err as ConfigError;
}

describe('one-line config errors that never quote a file', () => {
  it('YAML errors are described from their code and position, not the parser message (which may quote the file)', async () => {
    expect((await strategyError('kind: *topsecretvalue\n')).message).toBe('s.yml: expected valid YAML: aliases that name an anchor defined before them (BAD_ALIAS)');
    expect((await strategyError('topsecretkey: 1\ntopsecretkey: 2\n')).message).toBe('s.yml: line 2, column 1: expected valid YAML: each key once (DUPLICATE_KEY)');
    expect((await strategyError('kind: "topsecret\\q"\n')).message).not.toContain('topsecret');
    expect(describeYamlError('TAB_AS_INDENT', { line: 3, col: 1 })).toEqual({ field: 'line 3, column 1', text: 'expected valid YAML: spaces for indentation, not tabs (TAB_AS_INDENT)' });
  });

  it('an alias bomb is stopped and named', async () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`), 'kind: buy-and-hold'].join('\n');
    expect((await strategyError(bomb)).message).toMatch(/^s\.yml: expected valid YAML: aliases that expand to a reasonable size .*\(RESOURCE_EXHAUSTION\)$/);
  });

  it('a file that is not a YAML mapping is described by its kind, never by its content', async () => {
    const err = await strategyError('root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n');
    expect(err.message).toBe('s.yml: expected a YAML mapping (key: value lines), got a plain text of 79 characters');
    expect((await strategyError('- a\n- b\n')).message).toBe('s.yml: expected a YAML mapping (key: value lines), got a list of 2 items');
    expect((await strategyError('')).message).toBe('s.yml: expected a YAML mapping (key: value lines), got an empty document');
  });
});
