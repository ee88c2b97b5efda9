/**
 * The layering is a checked fact: `npm run lint` runs dependency-cruiser with .dependency-cruiser.cjs.
 * This proves the rule bites — a small tree with a forbidden import, a node:* module in the domain and
 * an import cycle is refused, naming each — and that the real src/ passes it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './testing/services.ts';

const run = promisify(execFile);
const DEPCRUISE = path.join(REPO_ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = path.join(REPO_ROOT, '.dependency-cruiser.cjs');

async function cruise(cwd: string): Promise<{ code: number; out: string }> {
  try {
    const r = await run(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG, '--output-type', 'err'], { cwd });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

describe('the layering rule', () => {
  it('refuses a domain module that imports an adapter or node:*, engine importing apps, and a cycle', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-layers-'));
    const file = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    };
    file('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, noEmit: true } }));
    file('src/adapters/store.ts', 'export const store = 1;\n');
    file('src/domain/pricing.ts', "import { readFileSync } from 'node:fs';\nimport { store } from '../adapters/store.ts';\nexport const price = store + readFileSync.length;\n");
    file('src/apps/cli.ts', 'export const cli = 1;\n');
    file('src/engine/runner.ts', "import { cli } from '../apps/cli.ts';\nexport const runner = cli;\n");
    file('src/engine/a.ts', "import { b } from './b.ts';\nexport const a = () => b();\n");
    file('src/engine/b.ts', "import { a } from './a.ts';\nexport const b = () => a;\n");
    const r = await cruise(dir);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/layer-domain: src\/domain\/pricing\.ts → src\/adapters\/store\.ts/);
    expect(r.out).toMatch(/domain-is-pure: src\/domain\/pricing\.ts → node:fs|domain-is-pure: src\/domain\/pricing\.ts → fs/);
    expect(r.out).toMatch(/layer-engine: src\/engine\/runner\.ts → src\/apps\/cli\.ts/);
    expect(r.out).toMatch(/no-circular: src\/engine\/(a|b)\.ts/);
  });

  it('passes on the project', { timeout: 120_000 }, async () => {
    const r = await cruise(REPO_ROOT);
    expect(r.out).toMatch(/no dependency violations found/);
    expect(r.code).toBe(0);
  });
});
