import { defineConfig } from 'vitest/config';

/**
 * Three projects, by what a test needs (README, Contributing):
 * - unit (`npm test`): unit tests beside their modules and contract tests against the bundled
 *   emulators; no external service, no Python venv, no CLI process. Passes on a fresh clone.
 * - e2e (`npm run test:e2e`): the real `arena` CLI as child processes, on the bundled data and emulators.
 * - integration (`npm run test:integration`): real MinIO, MLflow, DVC, Evidently and other Python
 *   peers, Chromium, git servers (`bash scripts/services.sh start` first).
 * Every project fails a test file that leaves a child process running (src/testing/leftover-processes.ts).
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['src/testing/leftover-processes.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'tests/contract/**/*.test.ts'],
          // needServices() refuses to run in unit and e2e: a test that needs a service belongs in tests/integration.
          env: { ARENA_TEST_PROJECT: 'unit' },
        },
      },
      { extends: true, test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'], env: { ARENA_TEST_PROJECT: 'e2e' } } },
      { extends: true, test: { name: 'integration', include: ['tests/integration/**/*.test.ts'] } },
    ],
  },
});
