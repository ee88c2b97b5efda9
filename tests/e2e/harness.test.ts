/** The suite's own guard, run as a user runs vitest: a test file that leaves a process running fails. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../../src/testing/processes.ts';
import { REPO_ROOT } from '../../src/testing/services.ts';

describe('leftover processes', () => {
  it('a test file that starts a process and forgets it fails the run, naming the process', { timeout: 120_000 }, async () => {
    const vitest = path.join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
    const r = await runProcess(process.execPath, [vitest, 'run', '--config', 'tests/fixtures/leftover/vitest.config.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ARENA_LEFTOVER_GRACE_MS: '500', CI: '1', NO_COLOR: '1' },
    });
    const out = r.stdout + r.stderr;
    expect(r.code, out.slice(-3000)).toBe(1);
    // The test itself passed; the file failed in its afterAll, with the process named and killed.
    expect(out).toMatch(/this test file left 1 process\(es\) running \(killed now\)/);
    expect(out).toMatch(/pid \d+ \(parent \d+\): \S*node -e setInterval/);
  });
});
