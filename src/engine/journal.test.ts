import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DamagedFileError } from '../core/fsx.ts';
import { Journal } from './journal.ts';
import type { PredictRecord, VersionRecord } from './records.ts';

const scratch = () => path.join(mkdtempSync(path.join(tmpdir(), 'arena-journal-')), 'state', 'journal.jsonl');
const predict = (value: number): PredictRecord => ({
  predictions: [{ id: `x:AAPL`, date: '2017-11-09', symbol: 'AAPL', close: 100, value, expectedReturn: value, probabilityUp: null, model_version: 'v0001' }],
  skipped: {},
});
const version: VersionRecord = { commit: null, pushed: false, notes: [] };

describe('journal', () => {
  it('a reader that lives as long as the daemon sees what the cycle appends (refresh)', async () => {
    const file = scratch();
    const writer = await new Journal(file).load();
    const reader = await new Journal(file).load(); // the API's journal, loaded at start when nothing was there
    expect(reader.datesWith('predict')).toEqual([]);
    await writer.record('2017-11-09', 'predict', predict(0.01));
    expect(reader.datesWith('predict')).toEqual([]); // load() alone reads once
    await reader.refresh();
    expect(reader.get('2017-11-09', 'predict')?.predictions[0]?.value).toBe(0.01);
    await writer.record('2017-11-10', 'predict', predict(0.02));
    await reader.refresh();
    expect(reader.datesWith('predict')).toEqual(['2017-11-09', '2017-11-10']);
    // A line still being written is not read yet, and not damage.
    appendFileSync(file, '{"date":"2017-11-13","step":"version"');
    await reader.refresh();
    expect(reader.has('2017-11-13', 'version')).toBe(false);
    appendFileSync(file, `,"at":"t","record":${JSON.stringify(version)}}\n`);
    await reader.refresh();
    expect(reader.has('2017-11-13', 'version')).toBe(true);
  });

  it('a garbage line that ends with a newline is refused at load, and the file is left as it was', async () => {
    const file = scratch();
    const j = await new Journal(file).load();
    await j.record('2017-11-09', 'version', version);
    appendFileSync(file, 'this is not json\n');
    const before = readFileSync(file, 'utf8');
    const err = await new Journal(file).load().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DamagedFileError);
    expect(String((err as Error).message)).toMatch(/journal\.jsonl: line 2 is not valid JSON/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('forget rewrites the file without those records, every other line byte for byte', async () => {
    const file = scratch();
    const j = await new Journal(file).load();
    await j.record('2017-11-09', 'predict', predict(0.01), 'a');
    await j.record('2017-11-09', 'version', version, 'b');
    await j.record('2017-11-10', 'predict', predict(0.02), 'c');
    await j.record('2017-11-10', 'version', version, 'd');
    const lines = readFileSync(file, 'utf8').split('\n');
    await j.forget([{ date: '2017-11-10', step: 'version' }]);
    expect(readFileSync(file, 'utf8')).toBe([lines[0], lines[1], lines[2], ''].join('\n'));
    expect(j.has('2017-11-10', 'version')).toBe(false);
    expect(j.datesWith('version')).toEqual(['2017-11-09']);
    // The same instance appends after the rewrite, and a fresh reader agrees.
    await j.record('2017-11-10', 'version', version, 'd');
    expect(readFileSync(file, 'utf8')).toBe(lines.join('\n'));
    expect((await new Journal(file).load()).datesWith('version')).toEqual(['2017-11-09', '2017-11-10']);
  });

  it('a long-lived reader re-reads a rewritten file even when it has grown past the old offset since', async () => {
    const file = scratch();
    const j = await new Journal(file).load();
    await j.record('2017-11-09', 'predict', predict(0.01), 'a');
    await j.record('2017-11-09', 'version', version, 'b');
    const reader = await new Journal(file).load();
    await j.forget([{ date: '2017-11-09', step: 'version' }]);
    await j.record('2017-11-09', 'version', version, 'b');
    await j.record('2017-11-10', 'predict', predict(0.5), 'c');
    await reader.refresh();
    expect(reader.datesWith('predict')).toEqual(['2017-11-09', '2017-11-10']);
    expect(reader.get('2017-11-10', 'predict')?.predictions[0]?.value).toBe(0.5);
  });
});
