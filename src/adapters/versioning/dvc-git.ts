/**
 * Versions a team workspace: DVC tracks the artifacts (`dvc add`), git records the `.dvc` pointers
 * (simple-git), `dvc push` sends the data to the MinIO remote when one is configured, `git push`
 * sends the commits to the git remote when asked to.
 *
 * A failed push never loses the commit: the data stays in the workspace's DVC cache, a marker in the
 * git-ignored `.dvc/tmp/` remembers that a push is owed, and the next cycle pushes again even when it
 * has nothing new to commit. Remote credentials go only to `.dvc/config.local`, which DVC keeps out
 * of git; the committed `.dvc/config` holds the bucket URL and endpoint only.
 *
 * `git push` is owed whenever HEAD differs from the last commit pushed to that remote (recorded in
 * `.git/`), so a rejected or failed push is retried by every later cycle, new commit or not. The
 * token (GIT_TOKEN) reaches only the push process, as an `http.extraHeader` in its environment
 * (GIT_CONFIG_COUNT/KEY/VALUE): never .git/config, the remote URL, argv, logs or notes.
 */
import ini from 'ini';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { simpleGit, type SimpleGit } from 'simple-git';
import { ArenaError, errorMessage } from '../../core/errors.ts';
import { writeFileAtomic } from '../../core/fsx.ts';
import type { Logger } from '../../core/log.ts';
import { redact, registerSecretValue } from '../../core/redact.ts';
import { withRetry } from '../../core/retry.ts';
import type { Versioner, VersionResult } from '../../ports.ts';
import { processEnvironment } from '../../config/env.ts';

const run = promisify(execFile);

export class VersioningError extends ArenaError {}

export interface DvcRemote {
  /** MinIO / S3 endpoint URL, e.g. http://127.0.0.1:9000. */
  endpoint: string;
  /** The bucket; data goes under `s3://<bucket>/<team>`. DVC never creates it: open() does. */
  bucket: string;
  accessKey: string;
  secretKey: string;
}

export interface DvcGitOptions {
  workspaceDir: string;
  team: string;
  dvcBin: string;
  remote?: DvcRemote | null;
  /** A git remote name or URL for `git push`. */
  gitRemote?: string;
  gitPush?: boolean;
  /**
   * Token for an HTTP(S) git remote (GIT_TOKEN), sent as `Authorization: Basic` with user
   * `x-access-token` (GitHub's convention; GitLab and Gitea accept any user), or as given when the
   * value is `user:token`. Never sent over plain http to a host other than loopback.
   */
  gitToken?: string;
  /** The environment git and DVC run with (default: this process's, as config/env.ts read it). */
  childEnv?: Readonly<Record<string, string>>;
  logger: Logger;
  /** Per dvc command; default 10 minutes (a first push can be large). */
  timeoutMs?: number;
  /** Per git network command (push); default 2 minutes. */
  gitTimeoutMs?: number;
}

export interface CommitCycleArgs {
  date: string;
  runId: string;
  /** Workspace-relative paths versioned by DVC (missing ones are skipped with a note). */
  paths: string[];
  /** Workspace-relative small text files/directories committed to git as they are. */
  gitPaths?: string[];
  message: string;
}

/** The DVC remote's name in the workspace config. */
export const DVC_REMOTE_NAME = 'minio';
/** Marks that committed data still has to reach the remote (survives restarts; .dvc/tmp is git-ignored). */
const PENDING_PUSH = path.join('.dvc', 'tmp', 'arena-pending-push.json');
/** The last commit whose DVC data reached the remote, and which remote (git-ignored like the marker). */
const DVC_PUSHED = path.join('.dvc', 'tmp', 'arena-dvc-pushed.json');
const NOTHING_CHANGED = 'nothing changed since the last commit';
/** The last commit `git push` delivered, per remote (inside .git: never committed, never pushed). */
const GIT_PUSHED = path.join('.git', 'arena-git-pushed.json');

/**
 * The last commit a push delivered to `remote`, from its record (`DVC_PUSHED` or `GIT_PUSHED`);
 * null when there is none or it names another remote.
 */
async function readPushRecord(workspace: string, file: string, remote: string): Promise<string | null> {
  try {
    const rec = JSON.parse(await readFile(path.join(workspace, file), 'utf8')) as { remote?: string; commit?: string };
    return rec.remote === remote && typeof rec.commit === 'string' ? rec.commit : null;
  } catch {
    return null;
  }
}

async function writePushRecord(workspace: string, file: string, remote: string, commit: string): Promise<void> {
  await writeFileAtomic(path.join(workspace, file), JSON.stringify({ remote, commit, at: new Date().toISOString() }) + '\n');
}

/** Environment keys simple-git guards (it rejects them in `.env()` unless allowed): every GIT_* and a few more. */
const GUARDED_ENV = /^(git_.*|editor|pager|prefix|ssh_askpass|visual)$/i;

/** A remote URL fit for notes and logs: user and password removed. Names and paths pass through. */
export function displayRemote(remote: string): string {
  return remote.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/** The `Authorization` header value for a token (`user:token` or a bare token). */
export function gitAuthHeader(token: string): string {
  const cred = token.includes(':') ? token : `x-access-token:${token}`;
  return `Basic ${Buffer.from(cred, 'utf8').toString('base64')}`;
}

/** Sections of a DVC config file (git-config-like INI, read with `ini`): `core`, `remote "minio"`, … → key → value. */
export function parseDvcConfig(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const [name, values] of Object.entries(ini.parse(text))) {
    if (typeof values !== 'object' || values === null) continue;
    // DVC writes `['remote "minio"']` (quoted) and `[core]`; ini keeps the quotes' content as written.
    const section = name.replace(/^'(.*)'$/, '$1').replace(/\s+/g, ' ');
    out.set(section, new Map(Object.entries(values as Record<string, unknown>).map(([k, v]) => [k, String(v)])));
  }
  return out;
}

async function readConfig(file: string): Promise<Map<string, Map<string, string>>> {
  return parseDvcConfig(await readFile(file, 'utf8').catch(() => ''));
}

/** Workspace-relative, inside the workspace, not the workspace itself. */
function checkRelative(p: string, what: string): string {
  const norm = path.posix.normalize(p.split(path.sep).join('/')).replace(/\/+$/, '');
  if (!norm || norm === '.' || norm.startsWith('../') || norm === '..' || path.isAbsolute(p))
    throw new VersioningError(`${what} ${JSON.stringify(p)}: expected a path inside the workspace, relative to it (e.g. models)`);
  return norm;
}

export class DvcGitVersioner implements Versioner {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly childEnv: Readonly<Record<string, string>>;

  private constructor(
    private readonly opts: DvcGitOptions,
    private readonly git: SimpleGit,
  ) {
    this.childEnv = opts.childEnv ?? processEnvironment();
  }

  get workspaceDir(): string {
    return this.opts.workspaceDir;
  }

  /**
   * Makes the workspace a git + DVC repository (idempotent: only what is missing or different is
   * changed) and configures the MinIO remote when given. A MinIO that is down is only a warning here:
   * pushes are retried each cycle.
   */
  static async open(opts: DvcGitOptions): Promise<DvcGitVersioner> {
    const dir = path.resolve(opts.workspaceDir);
    opts = { ...opts, workspaceDir: dir };
    if (opts.remote) {
      registerSecretValue(opts.remote.secretKey);
      registerSecretValue(opts.remote.accessKey);
    }
    if (opts.gitToken) {
      // The header's base64 form too: a git trace or an error echoing the header must not leak it either.
      registerSecretValue(opts.gitToken);
      registerSecretValue(gitAuthHeader(opts.gitToken).slice('Basic '.length));
    }
    await mkdir(dir, { recursive: true });
    const git = simpleGit({
      baseDir: dir,
      // A workspace volume owned by another uid (containers) must not make git refuse; a bot never signs.
      config: [`safe.directory=${dir}`, 'commit.gpgsign=false'],
      // A push that hangs (a credential prompt, a dead remote) is killed after this long without output.
      timeout: { block: opts.gitTimeoutMs ?? 120_000 },
    });
    // The workspace may sit inside another repository (workspaces/ in this repo): look for its own .git.
    if (!existsSync(path.join(dir, '.git'))) await git.init(['--initial-branch=main']);
    const local = await git.listConfig('local');
    if (!local.all['user.name']) await git.addConfig('user.name', `arena-${opts.team}`);
    if (!local.all['user.email']) await git.addConfig('user.email', `arena-${opts.team}@paper-arena.local`);

    const v = new DvcGitVersioner(opts, git);
    if (!existsSync(path.join(dir, '.dvc', 'config'))) await v.dvc(existsSync(path.join(dir, '.dvc')) ? ['init', '--force'] : ['init']);
    const core = (await readConfig(path.join(dir, '.dvc', 'config'))).get('core');
    if (core?.get('analytics') !== 'false') await v.dvc(['config', 'core.analytics', 'false']);
    if (core?.get('autostage') !== 'true') await v.dvc(['config', 'core.autostage', 'true']);
    if (opts.remote) await v.configureRemote(opts.remote);
    return v;
  }

  private async configureRemote(remote: DvcRemote): Promise<void> {
    const dir = this.opts.workspaceDir;
    const url = `s3://${remote.bucket}/${this.opts.team}`;
    const cfg = await readConfig(path.join(dir, '.dvc', 'config'));
    const sec = cfg.get(`remote "${DVC_REMOTE_NAME}"`);
    let changed = false;
    if (sec?.get('url') !== url || cfg.get('core')?.get('remote') !== DVC_REMOTE_NAME) {
      await this.dvc(['remote', 'add', '--default', '--force', DVC_REMOTE_NAME, url]);
      changed = true;
    }
    const want: [string, string][] = [
      ['endpointurl', remote.endpoint],
      // A dead endpoint fails in seconds, not after botocore's 60 s default.
      ['connect_timeout', '10'],
      ['read_timeout', '120'],
    ];
    const now = (await readConfig(path.join(dir, '.dvc', 'config'))).get(`remote "${DVC_REMOTE_NAME}"`);
    for (const [k, val] of want) {
      if (now?.get(k) === val) continue;
      await this.dvc(['remote', 'modify', DVC_REMOTE_NAME, k, val]);
      if (k === 'endpointurl') changed = true;
    }
    // Credentials: .dvc/config.local only (git-ignored by DVC's own .dvc/.gitignore).
    const loc = (await readConfig(path.join(dir, '.dvc', 'config.local'))).get(`remote "${DVC_REMOTE_NAME}"`);
    if (loc?.get('access_key_id') !== remote.accessKey) await this.dvc(['remote', 'modify', '--local', DVC_REMOTE_NAME, 'access_key_id', remote.accessKey]);
    if (loc?.get('secret_access_key') !== remote.secretKey) await this.dvc(['remote', 'modify', '--local', DVC_REMOTE_NAME, 'secret_access_key', remote.secretKey]);
    await ensureBucket(remote, this.opts.logger);
    // A new or moved remote has none of the data committed so far: owe it a push.
    if (changed && (await hasHead(this.git))) await this.markPending('remote configured');
  }

  /** Runs dvc in the workspace; errors name the command and the tail of its stderr, never a secret. */
  private async dvc(args: string[]): Promise<string> {
    try {
      // DVC's repo lock may be held by a `dvc` someone runs by hand in the workspace: wait and retry.
      return await withRetry(
        async () =>
          (
            await run(this.opts.dvcBin, args, {
              cwd: this.opts.workspaceDir,
              timeout: this.opts.timeoutMs ?? 600_000,
              killSignal: 'SIGKILL',
              maxBuffer: 16 * 1024 * 1024,
              env: { ...this.childEnv, DVC_NO_ANALYTICS: '1', DVC_NO_UPDATER: '1', GIT_TERMINAL_PROMPT: '0' },
            })
          ).stdout,
        { attempts: 5, baseMs: 500, maxMs: 5000, retryable: (err) => /Unable to acquire lock|is busy/i.test(String((err as { stderr?: string }).stderr ?? '')) },
      );
    } catch (err) {
      const e = err as { stderr?: string; message: string; killed?: boolean; code?: unknown };
      const stderr = (e.stderr ?? '').trim();
      const tail = e.killed ? `no result within ${Math.round((this.opts.timeoutMs ?? 600_000) / 1000)} s (killed)` : stderrTail(stderr || e.message);
      // Never echo credentials passed as arguments.
      const shown = args[0] === 'remote' && args.includes('--local') ? `dvc ${args.slice(0, -1).join(' ')} ***` : `dvc ${args.join(' ')}`;
      const hint = e.code === 'ENOENT' ? `DVC not found at ${this.opts.dvcBin}: install it with \`bash scripts/services.sh setup\` or \`pip install "dvc[s3]"\`, or set DVC_BIN` : undefined;
      throw new VersioningError(redact(`${shown} failed in ${this.opts.workspaceDir}${typeof e.code === 'number' ? ` (exit ${e.code})` : ''}: ${tail}`), {
        cause: err,
        ...(hint ? { hint } : {}),
      });
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async markPending(reason: string): Promise<void> {
    await writeFileAtomic(path.join(this.opts.workspaceDir, PENDING_PUSH), JSON.stringify({ reason, at: new Date().toISOString() }) + '\n');
  }

  /** The commit last pushed to the git remote, or null (never pushed, or pushed to another remote). */
  async gitPushedCommit(): Promise<string | null> {
    const remote = this.opts.gitRemote;
    return remote ? readPushRecord(this.opts.workspaceDir, GIT_PUSHED, displayRemote(remote)) : null;
  }

  /** True when `git push` is configured and HEAD has not reached the git remote (a push failed or never ran). */
  async gitPushOwed(): Promise<boolean> {
    if (!this.opts.gitPush || !this.opts.gitRemote || !(await hasHead(this.git))) return false;
    return (await this.git.revparse(['HEAD'])).trim() !== (await this.gitPushedCommit());
  }

  /**
   * Pushes HEAD when it is owed; returns a note when the push failed (it stays owed) or was not
   * attempted for a reason worth saying, else null.
   */
  private async gitPushIfOwed(commit: string, date: string): Promise<string | null> {
    const remote = this.opts.gitRemote as string;
    const shown = displayRemote(remote);
    if ((await this.gitPushedCommit()) === commit) return null;
    const short = commit.slice(0, 12);
    let url = remote;
    try {
      // A remote name: its URL decides whether the token may be sent.
      if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(remote) && !remote.includes('/') && !remote.includes(':')) url = (await this.git.remote(['get-url', remote]))?.trim() || remote;
    } catch {
      // Not a configured remote: the push below fails and says so.
    }
    const token = this.opts.gitToken;
    const http = /^https?:\/\//i.test(url);
    let header: string | null = null;
    let why = '';
    if (token && http) {
      const parsed = new URL(url);
      const loopback = ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(parsed.hostname);
      if (parsed.protocol === 'https:' || loopback) header = `Authorization: ${gitAuthHeader(token)}`;
      else why = '; GIT_TOKEN not sent: the remote is plain http on another host (use https)';
    } else if (http) why = '; no GIT_TOKEN set (.env.secrets or the environment)';

    // Only the push process gets these; simple-git drops guarded variables unless allowed by name.
    const extra: Record<string, string> = { GIT_TERMINAL_PROMPT: '0' };
    if (header) Object.assign(extra, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: header });
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.childEnv)) if (!GUARDED_ENV.test(k)) base[k] = v;
    const pusher = simpleGit({
      baseDir: this.opts.workspaceDir,
      config: [`safe.directory=${this.opts.workspaceDir}`],
      timeout: { block: this.opts.gitTimeoutMs ?? 120_000 },
      allowEnvironment: Object.keys(extra),
      unsafe: { allowUnsafeConfigEnvCount: true },
    }).env({ ...base, ...extra });
    try {
      await pusher.push(remote, 'HEAD');
      await writePushRecord(this.opts.workspaceDir, GIT_PUSHED, shown, commit);
      this.opts.logger.info(redact(`pushed commit ${short} to ${shown}`), { team: this.opts.team, date });
      return null;
    } catch (err) {
      return redact(`git push of ${short} to ${shown} failed (${gitErrorTail(errorMessage(err))})${why}; the commit stays local and is owed: the next cycle pushes it again`);
    }
  }

  /** Names the remote in the push record: a moved remote has none of the data pushed before. */
  private remoteId(): string {
    const r = this.opts.remote as DvcRemote;
    return `${r.endpoint.replace(/\/+$/, '')}/${r.bucket}/${this.opts.team}`;
  }

  /**
   * Extra `dvc push` arguments for what is owed. A plain push sends what the workspace (= HEAD)
   * references; the data of earlier commits whose push failed (superseded since) is referenced by no
   * workspace file, and only `--all-commits` reaches it. That costs a scan of the whole history, so
   * it is used only when a commit other than HEAD has not been pushed (or no push is on record).
   */
  private async dvcPushScope(): Promise<string[]> {
    if (!(await hasHead(this.git))) return [];
    // No record: every commit may be owed.
    const last = await readPushRecord(this.opts.workspaceDir, DVC_PUSHED, this.remoteId());
    try {
      const unpushed = Number((await this.git.raw(['rev-list', '--count', last ? `${last}..HEAD` : 'HEAD'])).trim());
      return unpushed > 1 ? ['--all-commits'] : [];
    } catch {
      return ['--all-commits']; // the recorded commit is gone (history rewritten): push everything
    }
  }

  /** True when committed data has not reached the DVC remote yet (a push failed or never ran). */
  async pushPending(): Promise<boolean> {
    return existsSync(path.join(this.opts.workspaceDir, PENDING_PUSH));
  }

  /**
   * `dvc add` the paths, commit the `.dvc` pointers (only when something changed), push the data
   * when a remote is configured (or owed from an earlier cycle), `git push` when configured.
   * Calls are serialised: a second call waits for the first.
   */
  commitCycle(args: CommitCycleArgs): Promise<VersionResult> {
    return this.serial(() => this.commitCycleNow(args));
  }

  private async commitCycleNow(args: CommitCycleArgs): Promise<VersionResult> {
    const dir = this.opts.workspaceDir;
    const log = this.opts.logger;
    const notes: string[] = [];
    const paths = [...new Set(args.paths.map((p) => checkRelative(p, 'versioned path')))];
    const gitPaths = [...new Set((args.gitPaths ?? []).map((p) => checkRelative(p, 'git path')))];
    const present = paths.filter((p) => existsSync(path.join(dir, p)));
    const missing = paths.filter((p) => !present.includes(p));
    if (missing.length) notes.push(`not present, not versioned: ${missing.join(', ')}`);

    // One dvc call for every path: DVC is slow to start and holds a repo-wide lock.
    if (present.length) await this.dvc(['add', ...present]);
    const toStage = ['.dvc/config', '.dvc/.gitignore', '.dvcignore', ...present.map((p) => `${p}.dvc`), ...gitignores(dir, present), ...gitPaths].filter((f) =>
      existsSync(path.join(dir, f)),
    );
    if (toStage.length) await this.git.add(toStage);

    const headBefore = await hasHead(this.git);
    const staged = (await this.git.raw(['diff', '--cached', '--name-only'])).trim();
    let commit: string | null;
    if (staged) {
      // Owe the push before committing: a crash between commit and push must still push next time.
      if (this.opts.remote && present.length) await this.markPending(`cycle ${args.date} run ${args.runId}`);
      const body = [`Arena-Team: ${this.opts.team}`, `Arena-Date: ${args.date}`, `Arena-Run: ${args.runId}`].join('\n');
      await this.git.commit([args.message, '', body].join('\n'));
      commit = (await this.git.revparse(['HEAD'])).trim();
      log.info(`versioned ${present.join(', ') || '(git files only)'} in commit ${commit.slice(0, 12)}`, { team: this.opts.team, date: args.date });
    } else if (headBefore) {
      commit = (await this.git.revparse(['HEAD'])).trim();
      notes.push(NOTHING_CHANGED);
    } else {
      commit = null;
      notes.push('nothing to commit yet (no artifacts present)');
    }

    let pushed = false;
    if (this.opts.remote) {
      if (await this.pushPending()) {
        try {
          const scope = await this.dvcPushScope();
          await this.dvc(['push', '--remote', DVC_REMOTE_NAME, ...scope]);
          if (commit) await writePushRecord(dir, DVC_PUSHED, this.remoteId(), commit);
          await rm(path.join(dir, PENDING_PUSH), { force: true });
          pushed = true;
          log.info(`pushed DVC data${scope.length ? ' of every commit' : ''} to ${this.opts.remote.endpoint} (bucket ${this.opts.remote.bucket})`, { team: this.opts.team, date: args.date });
        } catch (err) {
          notes.push(
            redact(
              `dvc push to ${this.opts.remote.endpoint} (bucket ${this.opts.remote.bucket}) failed: ${errorMessage(err)}; the commit is kept, the data stays in the workspace cache and the next cycle pushes it again`,
            ),
          );
        }
      } else pushed = true; // nothing owed: the remote has everything committed so far
    }

    if (this.opts.gitPush && this.opts.gitRemote && commit) {
      const note = await this.gitPushIfOwed(commit, args.date);
      if (note) notes.push(note);
    }
    for (const n of notes) log.warn(n, { team: this.opts.team, date: args.date });
    return { commit, pushed, notes, md5: await dvcMd5s(dir, present) };
  }
}

/** The md5 DVC recorded for each path (`outs[0].md5` of `<path>.dvc`; directories end in `.dir`). */
export async function dvcMd5s(dir: string, paths: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of paths) {
    const text = await readFile(path.join(dir, `${p}.dvc`), 'utf8').catch(() => null);
    const md5 = text ? /md5:\s*([0-9a-f]{32}(?:\.dir)?)/.exec(text)?.[1] : undefined;
    if (md5) out[p] = md5;
  }
  return out;
}

/** The part of DVC's stderr worth showing: from its first `ERROR:` line on (else the last lines), one line, bounded. */
export function stderrTail(stderr: string, maxChars = 600): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^Having any troubles\?/.test(l));
  const first = lines.findIndex((l) => /^ERROR:/.test(l));
  const shown = (first >= 0 ? lines.slice(first, first + 6) : lines.slice(-3)).join(' | ').replace(/\s+/g, ' ');
  return shown.length > maxChars ? `${shown.slice(0, maxChars)}…` : shown;
}

/** The lines of git's stderr that say why (`! [rejected]`, `error:`, `fatal:`), not its hints; one line, bounded. */
export function gitErrorTail(stderr: string, maxChars = 400): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^hint:/.test(l));
  const why = lines.filter((l) => /^(error|fatal|remote):|\[(remote )?rejected\]/.test(l));
  const shown = (why.length ? why.slice(0, 3) : lines.slice(-2)).join(' | ');
  return shown.length > maxChars ? `${shown.slice(0, maxChars)}…` : shown;
}

/** DVC does not create its bucket, and a missing one would fail every push. A dead MinIO is only a warning here. */
async function ensureBucket(remote: DvcRemote, logger: Logger): Promise<void> {
  try {
    // The project's own MinIO adapter (one try, 5 s): the next cycle's push tries again anyway.
    const { MinioArtifactStore } = await import('../storage/minio.ts');
    const store = new MinioArtifactStore({ endpoint: remote.endpoint, accessKey: remote.accessKey, secretKey: remote.secretKey, region: 'us-east-1', bucketPrefix: 'dvc', timeoutMs: 5000, attempts: 1 });
    await store.ensureBucket(remote.bucket);
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
  for (const p of paths) out.add(path.posix.join(path.posix.dirname(p), '.gitignore'));
  return [...out].filter((f) => existsSync(path.join(dir, f)));
}
