import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { descendantsOf, killTrackedGroups, leftoverProcesses, pollUntil, processTable, runProcess, startProcess } from './processes.ts';

const alive = (pid: number) => processTable().some((p) => p.pid === pid && p.state !== 'Z');

describe('test child processes', () => {
  it('runProcess gives the exit code and the output; waitFor fails fast when the process exits first', async () => {
    expect(await runProcess(process.execPath, ['-e', 'console.log("out"); console.error("err"); process.exit(3)'])).toEqual({ code: 3, signal: null, stdout: 'out\n', stderr: 'err\n' });
    const quiet = startProcess(process.execPath, ['-e', 'console.log("ready")']);
    expect((await quiet.waitFor(/rea(dy)/))[1]).toBe('dy');
    await expect(quiet.waitFor(/never printed/)).rejects.toThrow(/exited \(code 0, signal null\) before printing \/never printed\/; output ends with:\nready/);
  });

  it('the after-file cleanup kills the whole process group: the process and what it started', async () => {
    // A shell with two children of its own, all in the group the helper created.
    const shell = startProcess('sh', ['-c', 'sleep 301 & sleep 302 & echo started; wait']);
    await shell.waitFor(/started/);
    const group = () => processTable().filter((p) => p.pgid === shell.pid && p.state !== 'Z');
    // A forked child shows the shell's command line until it has exec'd sleep.
    await pollUntil('both sleeps running', () => group().filter((p) => p.command.startsWith('sleep ')).length === 2);
    expect(group().map((p) => p.command).sort()).toEqual(['sh -c sleep 301 & sleep 302 & echo started; wait', 'sleep 301', 'sleep 302']);
    await killTrackedGroups();
    expect(group()).toEqual([]);
    expect((await shell.exited).signal).toBe('SIGKILL');
  });

  it('finds a child started without the helper, and (Linux) an orphan by the marker it inherited', async () => {
    const baseline = new Set(descendantsOf(process.pid).map((p) => p.pid));
    const stray = spawn('sleep', ['303'], { stdio: 'ignore' });
    const strayPid = stray.pid as number;
    expect(leftoverProcesses(baseline).map((p) => p.pid)).toContain(strayPid);
    stray.kill('SIGKILL');
    await new Promise((r) => stray.once('exit', r));
    expect(leftoverProcesses(baseline).map((p) => p.pid)).not.toContain(strayPid);

    if (!existsSync('/proc/self/environ')) return;
    // The shell exits at once; its background sleep is re-parented away from this process.
    const r = await runProcess('sh', ['-c', 'sleep 304 >/dev/null 2>&1 & echo $!']);
    const orphan = Number(r.stdout.trim());
    await pollUntil('the orphan re-parented', () => !descendantsOf(process.pid).some((p) => p.pid === orphan));
    expect(alive(orphan)).toBe(true);
    expect(leftoverProcesses(baseline, { groups: [] }).map((p) => p.pid)).toContain(orphan);
    process.kill(orphan, 'SIGKILL');
    await pollUntil('the orphan gone', () => !alive(orphan));
  });
});
