import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBarsCsv, SAMPLE_DATA_DIR } from './csv.ts';

describe('bundled sample data', () => {
  const sums = JSON.parse(readFileSync(path.join(SAMPLE_DATA_DIR, 'SHA256SUMS.json'), 'utf8')) as Record<string, string>;
  const files = readdirSync(SAMPLE_DATA_DIR).filter((f) => f.endsWith('.csv')).sort();

  it('every CSV is pinned by SHA256SUMS.json and documented in data/README.md', () => {
    expect(Object.keys(sums).sort()).toEqual(files);
    const readme = readFileSync(path.join(SAMPLE_DATA_DIR, '..', 'README.md'), 'utf8');
    for (const f of files) {
      expect(createHash('sha256').update(readFileSync(path.join(SAMPLE_DATA_DIR, f))).digest('hex'), f).toBe(sums[f]);
      expect(readme, f).toContain(`\`${f}\``);
    }
  });

  it('parses to ascending, positive closes with several years per symbol', () => {
    for (const f of files) {
      const bars = readBarsCsv(readFileSync(path.join(SAMPLE_DATA_DIR, f), 'utf8'), f);
      expect(bars.length, f).toBeGreaterThan(1000);
      for (let i = 1; i < bars.length; i++) expect((bars[i]?.date ?? '') > (bars[i - 1]?.date ?? ''), `${f} row ${i}`).toBe(true);
      expect(bars.every((b) => b.close > 0), f).toBe(true);
    }
  });
});
