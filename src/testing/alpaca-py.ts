/**
 * alpaca-py (the official Python SDK) as a test client of `arena exchange`: a Python process runs
 * tests/fixtures/alpaca-py/driver.py and executes one SDK call per JSON line. The SDK parses every
 * answer into its pydantic models, so a call that returns `ok` has passed alpaca-py's own shape checks.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './services.ts';
import { processVariable } from '../config/env.ts';

export const PYTHON = processVariable('ARENA_PYTHON') ?? path.join(REPO_ROOT, '.venv', 'bin', 'python');
const DRIVER = path.join(REPO_ROOT, 'tests', 'fixtures', 'alpaca-py', 'driver.py');
export const ALPACA_PY_HINT = 'install it with `.venv/bin/pip install -r scripts/python-requirements.txt` (alpaca-py==0.44.*), or `bash scripts/services.sh setup`';

/** The installed alpaca-py version, or null when the venv lacks it. */
export function alpacaPyVersion(): string | null {
  if (!existsSync(PYTHON)) return null;
  const r = spawnSync(PYTHON, ['-c', 'import alpaca; print(alpaca.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

export interface PyAnswer {
  ok?: unknown;
  error?: { status: number; code?: number; message?: string; body: string; unreadable?: string };
  exception?: string;
  message?: string;
  trace?: string;
}

export class AlpacaPy {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((a: PyAnswer) => void)[] = [];
  private stderr = '';

  constructor(baseUrl: string, keyId: string, secretKey: string) {
    this.child = spawn(PYTHON, [DRIVER, baseUrl, keyId, secretKey], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.(JSON.parse(line) as PyAnswer));
    this.child.on('exit', (code) => {
      for (const w of this.waiting.splice(0)) w({ exception: 'DriverExited', message: `driver exited (${code}): ${this.stderr.slice(-2000)}` });
    });
  }

  call(cmd: string, args: Record<string, unknown> = {}): Promise<PyAnswer> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(JSON.stringify({ cmd, args }) + '\n');
    });
  }

  /** The call's result; throws with the SDK's error or exception otherwise. */
  async ok<T = Record<string, unknown>>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const a = await this.call(cmd, args);
    if (!('ok' in a)) throw new Error(`${cmd} ${JSON.stringify(args)}: ${JSON.stringify(a.error ?? { exception: a.exception, message: a.message, trace: a.trace })}`);
    return a.ok as T;
  }

  /** The HTTP error the call must end in; throws if it succeeded or failed otherwise. */
  async fails(cmd: string, args: Record<string, unknown> = {}): Promise<NonNullable<PyAnswer['error']>> {
    const a = await this.call(cmd, args);
    if (!a.error) throw new Error(`${cmd} ${JSON.stringify(args)}: expected an HTTP error, got ${JSON.stringify(a).slice(0, 1000)}`);
    return a.error;
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}
