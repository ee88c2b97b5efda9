/**
 * Vitest setup file (every project): a test file must not leave a child process behind.
 * After the file's own afterAll hooks (vitest runs "after" hooks in reverse order, and this file's
 * are registered first), it SIGKILLs the process groups started through `processes.ts`, then fails
 * the file if anything else it started is still alive, naming each process, and kills those too.
 */
import { afterAll, afterEach } from 'vitest';
import { descendantsOf, killTrackedGroups, leftoverProcesses, MARKER_VARIABLE, runningOutputs } from './processes.ts';
import { liveProcessEnvironment, setProcessVariable } from '../config/env.ts';

/**
 * A process that was signalled but not awaited may need a moment to go; one still alive after this
 * long was never going to stop. (A grace period of the check, not a bound on the product's speed.)
 */
const GRACE_MS = Number(liveProcessEnvironment().ARENA_LEFTOVER_GRACE_MS ?? 15_000);

setProcessVariable(MARKER_VARIABLE, String(process.pid));
const baseline = new Set(descendantsOf(process.pid).map((p) => p.pid));

afterEach((ctx) => {
  // A failed or timed-out test: show what its processes were printing.
  if (ctx.task.result?.state !== 'fail') return;
  for (const r of runningOutputs()) console.error(`still running after "${ctx.task.name}": pid ${r.pid} ${r.command}\n${r.tail}`);
});

afterAll(async () => {
  await killTrackedGroups();
  const deadline = Date.now() + GRACE_MS;
  let left = leftoverProcesses(baseline);
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = leftoverProcesses(baseline);
  }
  if (!left.length) return;
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`this test file left ${left.length} process(es) running (killed now); start them with src/testing/processes.ts or await their exit:\n${left.map((p) => `  pid ${p.pid} (parent ${p.ppid}): ${p.command.slice(0, 200)}`).join('\n')}`);
}, GRACE_MS + 30_000);
