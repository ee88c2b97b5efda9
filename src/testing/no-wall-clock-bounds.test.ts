/** The lint rule of eslint.config.js that keeps elapsed-time bounds out of tests (run by `npm run lint`). */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './services.ts';

const eslint = new ESLint({ cwd: REPO_ROOT });
/** `expect(<elapsed>).toBeLessThan(n)`, built here so that this file's own text holds no such bound. */
const bounded = (elapsed: string, n: number) => `expect(${elapsed}).toBeLessThan(${n});\n`;
const RULE = 'no-restricted-syntax';

/** The messages of our rule for `code` linted as if it were `file` (relative to the repository). */
async function flagged(code: string, file: string): Promise<number[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === RULE && /No wall-clock bounds in tests/.test(m.message)).map((m) => m.line);
}

describe('no wall-clock bounds in tests (lint rule)', () => {
  it.each([
    ['Date.now() - t0 in an expect', `const t0 = Date.now();\n${bounded('Date.now() - t0', 10_000)}`],
    ['an elapsed time kept in a variable', 'const t0 = performance.now();\nwork();\nconst took = performance.now() - t0;\nexpect(took).toBeLessThan(50);\n'],
    ['a deadline loop', 'for (const t0 = Date.now(); !done(); ) if (Date.now() - t0 > 60_000) throw new Error("late");\n'],
    ['process.hrtime', 'const t = process.hrtime.bigint();\n'],
    ['two readings subtracted later', `const t0 = Date.now();\nwork();\nconst t1 = Date.now();\n${bounded('t1 - t0', 100)}`],
    ['time left before a deadline', 'const deadline = start + 5000;\nconst left = deadline - Date.now();\n'],
    ['a wait until a wall-clock time', 'while (Date.now() < until) await tick();\n'],
    ['new Date().getTime()', `const t0 = new Date().getTime();\n${bounded('t1 - t0', 100)}`],
  ])('flags %s in a test file', async (_what, code) => {
    const lines = code.split('\n');
    // The first line that reads the clock is flagged, in unit, contract, e2e and integration tests alike.
    const first = lines.findIndex((l) => /Date\.now\(\)|performance\.now\(\)|hrtime|new Date\(\)\.getTime/.test(l)) + 1;
    for (const file of ['src/domain/calendar/example.test.ts', 'tests/contract/example.test.ts', 'tests/e2e/example.test.ts', 'tests/integration/example.test.ts']) {
      expect((await flagged(code, file))[0], file).toBe(first);
    }
  });

  it('names the offending lines', async () => {
    expect(await flagged(`const a = 1;\nconst t0 = Date.now();\n${bounded('Date.now() - t0', 5)}`, 'tests/integration/example.test.ts')).toEqual([2, 3]);
  });

  it('leaves alone what is not a measurement, and code outside tests', async () => {
    expect(await flagged('const bucket = `b${Date.now().toString(36)}`;\nconst tomorrow = new Date(Date.now() + 86_400_000);\nvi.setSystemTime(new Date("2024-01-01"));\n', 'src/x/example.test.ts')).toEqual([]);
    expect(await flagged('const t0 = performance.now();\nconst ms = performance.now() - t0;\n', 'bench/example.ts')).toEqual([]);
    expect(await flagged('const t0 = performance.now();\nconst ms = performance.now() - t0;\n', 'src/engine/example.ts')).toEqual([]);
  });
});
