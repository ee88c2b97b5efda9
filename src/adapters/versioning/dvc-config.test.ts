import { describe, expect, it } from 'vitest';
import { parseDvcConfig } from './dvc-git.ts';

describe('the DVC config as DVC writes it', () => {
  it('reads sections (quoted or not), keys and values', () => {
    const cfg = parseDvcConfig(`[core]\n    remote = store\n    analytics = false\n['remote "store"']\n    url = s3://arena-dvc/red\n    endpointurl = http://127.0.0.1:9000\n[remote "other"]\n    url = /tmp/x\n`);
    expect([...cfg.keys()]).toEqual(['core', 'remote "store"', 'remote "other"']);
    expect(cfg.get('core')?.get('analytics')).toBe('false');
    expect(cfg.get('remote "store"')?.get('endpointurl')).toBe('http://127.0.0.1:9000');
    expect(parseDvcConfig('').size).toBe(0);
  });
});
