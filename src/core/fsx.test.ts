import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DamagedFileError, appendLineDurable, readJsonLines, readJsonLinesFrom, repairJsonLines } from './fsx.ts';

const scratch = (name = 'f.jsonl') => path.join(mkdtempSync(path.join(tmpdir(), 'arena-fsx-')), name);
const id = (v: unknown) => v;

describe('JSON-lines files', () => {
  it('a torn last line (no newline: a kill mid-write) is ignored and repaired away', async () => {
    const f = scratch();
    await appendLineDurable(f, JSON.stringify({ a: 1 }));
    appendFileSync(f, '{"a": 2, "b":'); // the write that never finished
    expect(await readJsonLines(f, id)).toEqual([{ a: 1 }]);
    expect(await repairJsonLines(f)).toBe('{"a": 2, "b":'.length);
    expect(readFileSync(f, 'utf8')).toBe('{"a":1}\n');
    await appendLineDurable(f, JSON.stringify({ a: 3 }));
    expect(await readJsonLines(f, id)).toEqual([{ a: 1 }, { a: 3 }]);
  });

  it('a complete garbage line is damage, not a torn write: refused with its line, wherever it is', async () => {
    for (const text of ['{"a":1}\nnot json\n{"a":2}\n', '{"a":1}\n{"a":2}\ngarbage{\n']) {
      const f = scratch();
      writeFileSync(f, text);
      const err = await readJsonLines(f, id).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DamagedFileError);
      expect((err as DamagedFileError).message).toMatch(new RegExp(`${f}: line ${text.startsWith('{"a":1}\nnot') ? 2 : 3} is not valid JSON`));
      expect((err as DamagedFileError).hint).toMatch(/Restore the file from a copy/);
      // Nothing is "repaired" away: the line ends with its newline, so it is left for a person to look at.
      expect(await repairJsonLines(f)).toBe(0);
      expect(readFileSync(f, 'utf8')).toBe(text);
    }
  });

  it('reads on from a byte offset, leaving a line still being written for the next read', async () => {
    const f = scratch();
    writeFileSync(f, '{"n":1}\n{"n":2}\n');
    const first = await readJsonLinesFrom(f, id);
    expect(first).toEqual({ items: [{ n: 1 }, { n: 2 }], end: 16, lines: 2 });
    appendFileSync(f, '{"n":3}\n{"n":');
    const second = await readJsonLinesFrom(f, id, { offset: first.end, line: first.lines });
    expect(second).toEqual({ items: [{ n: 3 }], end: 24, lines: 3 });
    appendFileSync(f, '4}\n');
    expect((await readJsonLinesFrom(f, id, { offset: second.end, line: second.lines })).items).toEqual([{ n: 4 }]);
  });

  it('multi-byte characters survive an offset read', async () => {
    const f = scratch();
    writeFileSync(f, '{"s":"é"}\n');
    const a = await readJsonLinesFrom(f, id);
    appendFileSync(f, '{"s":"€→"}\n');
    expect((await readJsonLinesFrom(f, id, { offset: a.end, line: a.lines })).items).toEqual([{ s: '€→' }]);
  });
});
