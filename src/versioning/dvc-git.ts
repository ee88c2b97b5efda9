/**
 * Versions a team workspace: DVC tracks the artifacts (`dvc add`), git records the `.dvc` pointers
 * (simple-git), `dvc push` sends the data to the MinIO remote when one is configured. A failed
 * push never loses the commit: it is retried on the next cycle.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'minio';
import { simpleGit, type SimpleGit } from 'simple-git';
import { ArenaError, errorMessage } from '../core/errors.ts';
import { withRetry } from '../core/retry.ts';
import type { Logger } from '../core/log.ts';
import { redact, registerSecretValue } from '../core/redact.ts';
import { writeFileAtomic, readJsonFile } from '../core/fsx.ts';
import type { Versioner, VersionResult } from '../daemon/runtime.ts';

const run = promisify(execFile);

export class VersioningError extends ArenaError {}

export interface DvcRemote {
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
}

export interface DvcGitOptions {
  workspaceDir: string;
  team: string;
  dvcBin: string;
  remote?: DvcRemote | null;
  gitRemote?: string;
  gitPush?: boolean;
  logger: Logger;
  /** Per dvc command; default 10 minutes (a first push can be large). */
  timeoutMs?: number;
}

/** Marks that a commit's data still has to reach the remote (survives restarts). */
const PENDING_PUSH = path.join('.dvc', 'tmp', 'arena-pending-push.json');

export class DvcGitVersioner implements Versioner {
  private queue: Promise<unknown> = Promise.resolve();
  private constructor(
    private readonly opts: DvcGitOptions,
    private readonly git: SimpleGit,
  ) {}

  static async open(opts: DvcGitOptions): Promise<DvcGitVersioner> {
    const dir = opts.workspaceDir;
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    const git = simpleGit({ baseDir: dir });
    if (!existsSync(path.join(dir, '.git'))) await git.init();
    const cfg = await git.listConfig('local');
    if (!cfg.all['user.name']) await git.addConfig('user.name', `arena-${opts.team}`);
    if (!cfg.all['user.email']) await git.addConfig('user.email', `arena-${opts.team}@paper-arena.local`);
    const v = new DvcGitVersioner(opts, git);
    if (!existsSync(path.join(dir, '.dvc'))) {
      await v.dvc(['init']);
      await v.dvc(['config', 'core.analytics', 'false']);
      await v.dvc(['config', 'core.autostage', 'true']);
    }
    if (opts.remote) {
      registerSecretValue(opts.remote.secretKey);
      await ensureBucket(opts.remote, opts.logger);
      const url = `s3://${opts.remote.bucket}/${opts.team}`;
      await v.dvc(['remote', 'add', '--default', '--force', 'minio', url]);
      await v.dvc(['remote', 'modify', 'minio', 'endpointurl', opts.remote.endpoint]);
      // Credentials go to .dvc/config.local, which DVC keeps out of git.
      await v.dvc(['remote', 'modify', '--local', 'minio', 'access_key_id', opts.remote.accessKey]);
      await v.dvc(['remote', 'modify', '--local', 'minio', 'secret_access_key', opts.remote.secretKey]);
    }
    return v;
  }

  private async dvc(args: string[]): Promise<string> {
    try {
      // DVC's own repo lock may be held by a `dvc` someone runs by hand in the workspace: wait and retry.
      return await withRetry(
        async () => (await run(this.opts.dvcBin, args, { cwd: this.opts.workspaceDir, timeout: this.opts.timeoutMs ?? 600_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, DVC_NO_ANALYTICS: '1' } })).stdout,
        { attempts: 5, baseMs: 500, maxMs: 5000, retryable: (err) => /Unable to acquire lock|is busy/i.test(String((err as { stderr?: string }).stderr ?? '')) },
      );
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      const tail = (e.stderr ?? e.message).trim().split('\n').slice(-3).join(' | ');
      // Never echo credentials passed as arguments.
      const shown = args[0] === 'remote' && args.includes('--local') ? `dvc remote modify --local ${args[3] ?? ''} ${args[4] ?? ''} ***` : `dvc ${args.join(' ')}`;
      throw new VersioningError(redact(`${shown} failed in ${this.opts.workspaceDir}: ${tail}`));
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  commitCycle(args: { date: string; runId: string; paths: string[]; gitPaths?: string[]; message: string }): Promise<VersionResult> {
    return this.serial(async () => {
      const dir = this.opts.workspaceDir;
      const notes: string[] = [];
      const present = args.paths.filter((p) => existsSync(path.join(dir, p)));
      const missing = args.paths.filter((p) => !present.includes(p));
      if (missing.length) notes.push(`not present, not versioned: ${missing.join(', ')}`);
      if (present.length) await this.dvc(['add', ...present]);
      await this.git.add(['.dvc/config', '.dvcignore', ...present.flatMap((p) => [`${p}.dvc`]), ...gitignores(dir, present), ...(args.gitPaths ?? [])].filter((f) => existsSync(path.join(dir, f))));
      const status = await this.git.status();
      let commit: string | null;
      if (status.staged.length > 0 || status.created.length > 0 || !(await hasHead(this.git))) {
        const r = await this.git.commit(args.message);
        commit = (await this.git.revparse(['HEAD'])).trim() || r.commit;
        if (this.opts.remote) await writeFileAtomic(path.join(dir, PENDING_PUSH), JSON.stringify({ commit }) + '\n');
      } else {
        commit = (await this.git.revparse(['HEAD'])).trim();
        notes.push('nothing changed since the last commit');
      }
      let pushed = false;
      if (this.opts.remote) {
        const pending = await readJsonFile(path.join(dir, PENDING_PUSH), (v) => v as { commit: string });
        if (pending) {
          try {
            await this.dvc(['push']);
            const { rm } = await import('node:fs/promises');
            await rm(path.join(dir, PENDING_PUSH), { force: true });
            pushed = true;
          } catch (err) {
            notes.push(`dvc push to ${this.opts.remote.endpoint} failed (${errorMessage(err)}); the data stays in the workspace cache and the next cycle pushes it again`);
          }
        } else pushed = true;
      }
      if (this.opts.gitPush && this.opts.gitRemote) {
        try {
          await this.git.push(this.opts.gitRemote, 'HEAD');
        } catch (err) {
          notes.push(`git push to ${redact(this.opts.gitRemote)} failed (${redact(errorMessage(err))}); the commit stays local and is pushed next time`);
        }
      }
      return { commit, pushed, notes, md5: await dvcMd5s(dir, present) };
    });
  }
}

/** The md5 DVC recorded for each path (`outs[0].md5` of `<path>.dvc`). */
export async function dvcMd5s(dir: string, paths: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of paths) {
    const text = await readFile(path.join(dir, `${p}.dvc`), 'utf8').catch(() => null);
    const md5 = text ? /md5:\s*([0-9a-f]{32}(?:\.dir)?)/.exec(text)?.[1] : undefined;
    if (md5) out[p] = md5;
  }
  return out;
}

/** DVC does not create its bucket; a missing one would fail every push. A dead MinIO is only a warning here. */
async function ensureBucket(remote: DvcRemote, logger: Logger): Promise<void> {
  const url = new URL(remote.endpoint);
  const client = new Client({ endPoint: url.hostname, port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80), useSSL: url.protocol === 'https:', accessKey: remote.accessKey, secretKey: remote.secretKey });
  try {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref());
    await Promise.race([(async () => {
      if (!(await client.bucketExists(remote.bucket))) await client.makeBucket(remote.bucket);
    })(), timeout]);
  } catch (err) {
    logger.warn(redact(`DVC remote bucket ${remote.bucket} at ${remote.endpoint} not checked (${errorMessage(err)}); pushes are retried each cycle`));
  }
}

async function hasHead(git: SimpleGit): Promise<boolean> {
  try {
    await git.revparse(['--verify', 'HEAD']);
    return true;
  } catch {
    return false;
  }
}

/** The .gitignore files `dvc add` writes next to each tracked path. */
function gitignores(dir: string, paths: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of paths) out.add(path.join(path.dirname(p), '.gitignore'));
  return [...out].filter((f) => existsSync(path.join(dir, f)));
}
