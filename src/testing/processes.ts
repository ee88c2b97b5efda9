/**
 * Child processes for tests (the `arena` CLI, daemons, servers). Each one starts in its own process
 * group and is recorded; after the test file, every recorded group still alive is SIGKILLed whole
 * (children and grandchildren included), also when the test failed before its own kill. The setup
 * file `leftover-processes.ts` calls `killTrackedGroups` and then fails the file if anything it
 * started is still alive (`leftoverProcesses`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './services.ts';
import { liveProcessEnvironment } from '../config/env.ts';

export const ARENA_BIN = path.join(REPO_ROOT, 'bin', 'arena.mjs');

export interface ProcessResult {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface StartOptions {
  cwd?: string;
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Called with every complete line of stdout or stderr as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface TrackedProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr interleaved in arrival order. */
  readonly output: string;
  /** Settles on exit, whatever the code (never rejects). */
  readonly exited: Promise<ProcessResult>;
  /** The exit, once it happened. */
  readonly result: ProcessResult | null;
  /** The first match of `re` in the output; rejects, with the output's tail, if the process exits first. */
  waitFor(re: RegExp): Promise<RegExpExecArray>;
  /** Sends `signal` to this process only, as a user or an orchestrator would. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGKILLs the whole process group and waits for the process to exit. */
  killGroup(): Promise<ProcessResult>;
}

interface Registry {
  /** Process-group ids of everything started here and not yet known to be gone with its group. */
  groups: Map<number, { command: string; process: TrackedProcess }>;
}

// One registry per worker process, shared by the setup file and the test file even if they load
// this module separately.
const REGISTRY_KEY = Symbol.for('paper-arena.testing.processes');
const registry: Registry = ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] as Registry | undefined) ?? { groups: new Map() };
if (!(globalThis as Record<symbol, unknown>)[REGISTRY_KEY]) {
  (globalThis as Record<symbol, unknown>)[REGISTRY_KEY] = registry;
  // Last resort when the worker itself goes away: SIGKILL every group still recorded.
  process.on('exit', () => {
    for (const pgid of registry.groups.keys()) signalGroup(pgid, 'SIGKILL');
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is empty
  }
}

const tail = (text: string) => text.slice(-3000);

/** Starts `command args` in a new process group, recorded for the after-file cleanup. */
export function startProcess(command: string, args: readonly string[], opts: StartOptions = {}): TrackedProcess {
  // detached: setsid(), so the child leads a new process group that holds everything it spawns.
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? liveProcessEnvironment(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const out = { stdout: '', stderr: '', output: '' };
  const partial = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  const collect = (stream: 'stdout' | 'stderr') => (d: Buffer) => {
    const text = d.toString();
    out[stream] += text;
    out.output += text;
    if (opts.onLine) {
      const lines = (partial[stream] + text).split('\n');
      partial[stream] = lines.pop() ?? '';
      for (const l of lines) opts.onLine(l, stream);
    }
    for (const w of waiters) w();
  };
  child.stdout?.on('data', collect('stdout'));
  child.stderr?.on('data', collect('stderr'));
  let done: ProcessResult | null = null;
  const exited = new Promise<ProcessResult>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      for (const s of ['stdout', 'stderr'] as const) if (partial[s]) opts.onLine?.(partial[s], s);
      done = { code, signal, stdout: out.stdout, stderr: out.stderr };
      for (const w of waiters) w();
      resolve(done);
    };
    // 'close' waits for the pipes to drain, so the result holds all the output.
    child.on('close', finish);
    child.on('error', (err) => {
      out.stderr += `spawn failed: ${err.message}\n`;
      finish(null, null);
    });
  });
  const pid = child.pid ?? -1;
  const command_ = [command, ...args].join(' ');
  const tracked: TrackedProcess = {
    pid,
    child,
    get stdout() {
      return out.stdout;
    },
    get stderr() {
      return out.stderr;
    },
    get output() {
      return out.output;
    },
    exited,
    get result() {
      return done;
    },
    waitFor(re: RegExp) {
      return new Promise<RegExpExecArray>((resolve, reject) => {
        const check = () => {
          const m = re.exec(out.output);
          if (m) {
            waiters.delete(check);
            resolve(m);
          } else if (done) {
            waiters.delete(check);
            reject(new Error(`${command_}: exited (code ${String(done.code)}, signal ${String(done.signal)}) before printing ${re}; output ends with:\n${tail(out.output)}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (!done) child.kill(signal);
    },
    async killGroup() {
      signalGroup(pid, 'SIGKILL');
      const r = await exited;
      signalGroup(pid, 'SIGKILL'); // anything the leader left behind in its group
      return r;
    },
  };
  if (pid > 0) registry.groups.set(pid, { command: command_, process: tracked });
  return tracked;
}

/** Runs `command args` to its end (no time limit of its own: the test's timeout is the only one). */
export function runProcess(command: string, args: readonly string[], opts: StartOptions = {}): Promise<ProcessResult> {
  return startProcess(command, args, opts).exited;
}

/** `arena ARGS` as a user runs it (`node bin/arena.mjs`), in `cwd`. */
export function startArena(cwd: string, args: readonly string[], opts: Omit<StartOptions, 'cwd'> = {}): TrackedProcess {
  return startProcess(process.execPath, [ARENA_BIN, ...args], { ...opts, cwd });
}

export function runArena(cwd: string, args: readonly string[], opts: Omit<StartOptions, 'cwd'> = {}): Promise<ProcessResult> {
  return startArena(cwd, args, opts).exited;
}

/**
 * Polls `check` until it returns something other than undefined or false. With `whileRunning`, rejects
 * as soon as that process has exited (a crash does not wait for the test's timeout). No deadline of
 * its own: the test's timeout is the only limit.
 */
export async function pollUntil<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, opts: { whileRunning?: TrackedProcess; everyMs?: number } = {}): Promise<T> {
  for (;;) {
    const got = await check();
    if (got !== undefined && got !== false) return got;
    const ended = opts.whileRunning?.result;
    if (ended) throw new Error(`${what}: the process exited first (code ${String(ended.code)}, signal ${String(ended.signal)}); output ends with:\n${tail(opts.whileRunning?.output ?? '')}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 100));
  }
}

/** The tail of every recorded process's output still running (for a failed test's report). */
export function runningOutputs(): { command: string; pid: number; tail: string }[] {
  return [...registry.groups.entries()].filter(([pid]) => groupMembers(pid).length > 0).map(([pid, g]) => ({ command: g.command, pid, tail: tail(g.process.output) }));
}

/** SIGKILLs every recorded group that still has a member and waits until the groups are empty. */
export async function killTrackedGroups(): Promise<void> {
  const groups = [...registry.groups.entries()];
  for (const [pgid] of groups) signalGroup(pgid, 'SIGKILL');
  await Promise.all(groups.map(([, g]) => g.process.exited));
  // Members re-parented to init are reaped by it; SIGKILL cannot be ignored, so this ends.
  while (groups.some(([pgid]) => groupMembers(pgid).length > 0)) {
    for (const [pgid] of groups) signalGroup(pgid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
  }
  registry.groups.clear();
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** One-letter state (R, S, D, Z, T, …). */
  state: string;
  command: string;
}

/** Every process on the machine (Linux /proc, else `ps`). */
export function processTable(): ProcessInfo[] {
  if (existsSync('/proc/self/stat')) {
    const out: ProcessInfo[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
        const close = stat.lastIndexOf(')');
        const [state, ppid, pgid] = stat.slice(close + 2).split(' ');
        let command = stat.slice(stat.indexOf('(') + 1, close);
        try {
          command = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') || command;
        } catch {
          // keep comm
        }
        out.push({ pid: Number(name), ppid: Number(ppid), pgid: Number(pgid), state: state ?? '?', command });
      } catch {
        // gone meanwhile
      }
    }
    return out;
  }
  const ps = spawnSync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,stat=,command='], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), pgid: Number(m[3]), state: (m[4] as string).slice(0, 1), command: m[5] as string }));
}

function groupMembers(pgid: number, table: ProcessInfo[] = processTable()): ProcessInfo[] {
  return table.filter((p) => p.pgid === pgid && p.state !== 'Z');
}

/** Processes below `root` in the parent tree (not root itself). */
export function descendantsOf(root: number, table: ProcessInfo[] = processTable()): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  for (const p of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out: ProcessInfo[] = [];
  const queue = [...(children.get(root) ?? [])];
  for (let p = queue.shift(); p; p = queue.shift()) {
    out.push(p);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return out;
}

/** The environment variable every child of a test worker inherits, so orphans can be found too. */
export const MARKER_VARIABLE = 'ARENA_TEST_WORKER';

function carriesMarker(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${MARKER_VARIABLE}=${marker}`);
  } catch {
    return false; // not ours to read, or gone
  }
}

/**
 * Live processes this worker started that are not in `baseline`: its descendants, members of the
 * groups it recorded, and (Linux) processes carrying its marker in their environment, which finds
 * orphans re-parented to init. Zombies (exited, not yet reaped) do not count.
 */
export function leftoverProcesses(baseline: ReadonlySet<number>, opts: { root?: number; marker?: string; groups?: readonly number[] } = {}): ProcessInfo[] {
  const root = opts.root ?? process.pid;
  const marker = opts.marker ?? liveProcessEnvironment()[MARKER_VARIABLE];
  const groups = new Set(opts.groups ?? [...registry.groups.keys()]);
  const table = processTable();
  const found = new Map<number, ProcessInfo>();
  for (const p of descendantsOf(root, table)) found.set(p.pid, p);
  for (const p of table) {
    if (groups.has(p.pgid)) found.set(p.pid, p);
    else if (marker && p.pid !== root && carriesMarker(p.pid, marker)) found.set(p.pid, p);
  }
  return [...found.values()].filter((p) => p.state !== 'Z' && p.pid !== root && !baseline.has(p.pid));
}
