/**
 * A team's config repository as the daemon sees it: a local bare mirror that `fetch` brings up to
 * date with the remote's branches (a URL or a path), and one checkout directory per commit.
 *
 * A checkout per commit (never a working tree moved from commit to commit) is what makes a changed
 * plug-in load fresh: Node caches ES modules by URL, so the module of a new commit must live at a new
 * path. Each checkout is written to a temporary directory and renamed into place, so a half-written
 * one never exists. The token for an HTTPS remote (GIT_TOKEN) reaches only the fetch process, as an
 * `http.extraHeader` in its environment (as for pushes, adapters/versioning): never the mirror's
 * config, the URL, argv or logs.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ArenaError, errorMessage } from '../../core/errors.ts';
import { PACKAGE_ROOT } from '../../core/paths.ts';
import { redact, registerSecretValue } from '../../core/redact.ts';
import { gitAuthHeader } from '../versioning/dvc-git.ts';

const run = promisify(execFile);

export class ConfigRepoError extends ArenaError {}

export interface ConfigRepoOptions {
  /** The repository: an http(s) URL, an ssh URL, or a local path (bare or not). */
  remote: string;
  /** Where the mirror and the checkouts live (inside the team's workspace). */
  dir: string;
  /** GIT_TOKEN (a bare token, or `user:token`) for an HTTPS remote. */
  token?: string;
  /** The environment git runs with (PATH, HOME…). */
  childEnv: Readonly<Record<string, string>>;
  /** Per git command; default 2 minutes. */
  timeoutMs?: number;
}

/** The remote as logs show it: credentials in the URL removed. */
export const displayRemote = (remote: string): string => remote.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');

/** A git remote given as a URL (`https://…`, `ssh://…`, scp-like `git@host:path`), not a local path. */
export const isUrl = (s: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^[^/\\]+@[^:]+:/.test(s);

export class ConfigRepo {
  readonly mirror: string;
  readonly checkouts: string;
  private readonly remote: string;

  private constructor(private readonly opts: ConfigRepoOptions) {
    this.mirror = path.join(opts.dir, 'mirror.git');
    this.checkouts = path.join(opts.dir, 'checkouts');
    // A local path is fetched by its absolute path, whatever the daemon's working directory later is.
    this.remote = isUrl(opts.remote) ? opts.remote : path.resolve(opts.remote);
  }

  static async open(opts: ConfigRepoOptions): Promise<ConfigRepo> {
    if (opts.token) {
      registerSecretValue(opts.token);
      registerSecretValue(gitAuthHeader(opts.token).slice('Basic '.length));
    }
    const repo = new ConfigRepo(opts);
    await mkdir(repo.checkouts, { recursive: true });
    if (!existsSync(path.join(repo.mirror, 'HEAD'))) await repo.git(['init', '--bare', '--quiet', repo.mirror], { noGitDir: true });
    return repo;
  }

  get shownRemote(): string {
    return displayRemote(this.opts.remote);
  }

  private env(network: boolean): Record<string, string> {
    const env: Record<string, string> = {};
    // Only variables git needs from the daemon's environment; none of git's own (GIT_DIR…) leak in.
    for (const [k, v] of Object.entries(this.opts.childEnv)) if (!/^GIT_/.test(k)) env[k] = v;
    env.GIT_TERMINAL_PROMPT = '0';
    if (!network || !this.opts.token || !/^https?:\/\//i.test(this.remote)) return env;
    const url = new URL(this.remote);
    const loopback = ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(url.hostname);
    // A token goes only over https, or plain http to this machine (tests); never in the clear to another host.
    if (url.protocol === 'https:' || loopback) Object.assign(env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: ${gitAuthHeader(this.opts.token)}` });
    return env;
  }

  private async git(args: string[], o: { network?: boolean; noGitDir?: boolean; cwd?: string; extraEnv?: Record<string, string> } = {}): Promise<string> {
    const full = o.noGitDir ? args : ['--git-dir', this.mirror, ...args];
    try {
      const { stdout } = await run('git', full, { env: { ...this.env(o.network ?? false), ...o.extraEnv }, timeout: this.opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, ...(o.cwd ? { cwd: o.cwd } : {}) });
      return stdout;
    } catch (err) {
      const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim().split('\n').filter(Boolean).slice(-2).join('; ');
      throw new ConfigRepoError(redact(`git ${args[0]} (${this.shownRemote}) failed: ${stderr || errorMessage(err).split('\n')[0]}`));
    }
  }

  /** Brings the named branches up to date from the remote (force: a branch rewritten upstream is followed); their heads. */
  async fetch(branches: readonly string[]): Promise<Map<string, string>> {
    const specs = branches.map((b) => `+refs/heads/${b}:refs/heads/${b}`);
    await this.git(['fetch', '--quiet', '--no-tags', '--prune', this.remote, ...specs], { network: true });
    const out = new Map<string, string>();
    for (const b of branches) {
      const head = await this.head(b);
      if (head) out.set(b, head);
    }
    return out;
  }

  /** Every branch of the remote and its head commit (`git ls-remote`). */
  async remoteBranches(): Promise<Map<string, string>> {
    const text = await this.git(['ls-remote', '--heads', this.remote], { network: true });
    const out = new Map<string, string>();
    for (const line of text.split('\n')) {
      const m = /^([0-9a-f]{40})\s+refs\/heads\/(.+)$/.exec(line.trim());
      if (m) out.set(m[2] as string, m[1] as string);
    }
    return out;
  }

  /** The mirrored head of a branch, or null when it has none. */
  async head(branch: string): Promise<string | null> {
    try {
      return (await this.git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`])).trim() || null;
    } catch {
      return null;
    }
  }

  /** A file's text at a commit, or null when the commit has no such file. */
  async show(commit: string, file: string): Promise<string | null> {
    try {
      return await this.git(['show', `${commit}:${file.replace(/^\.\//, '')}`]);
    } catch {
      return null;
    }
  }

  /** Paths that differ between two commits (both in the mirror). */
  async changedPaths(from: string, to: string): Promise<string[]> {
    return (await this.git(['diff', '--name-only', '--no-renames', from, to])).split('\n').filter(Boolean);
  }

  /** The commit's subject line and author, for logs and reports. */
  async describe(commit: string): Promise<{ subject: string; author: string }> {
    const [subject = '', author = ''] = (await this.git(['log', '-1', '--format=%s%x00%an', commit])).trim().split('\0');
    return { subject, author };
  }

  /**
   * The commit's files in a directory of their own (`checkouts/<commit>`), written once. The project's
   * `src` and `node_modules` are linked in when the commit has none, so a plug-in written for the
   * project (`import … from '../../src/plugin-api.ts'`, `from 'zod'`) resolves the same modules (Node
   * follows the links to the real files: one zod, one plugin-api, shared with the daemon).
   */
  async checkout(commit: string): Promise<string> {
    if (!/^[0-9a-f]{40}$/.test(commit)) throw new ConfigRepoError(`checkout: expected a full commit id, got "${commit}"`);
    const dir = path.join(this.checkouts, commit);
    if (existsSync(dir)) return dir;
    const tmp = `${dir}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    // A private index: the mirror's own is never touched, and nothing of git's is left in the checkout.
    const index = path.join(this.opts.dir, `index-${process.pid}`);
    try {
      await this.git(['--work-tree', tmp, 'read-tree', commit], { extraEnv: { GIT_INDEX_FILE: index } });
      await this.git(['--work-tree', tmp, 'checkout-index', '--all', '--force'], { extraEnv: { GIT_INDEX_FILE: index } });
    } finally {
      await rm(index, { force: true });
    }
    for (const name of ['src', 'node_modules']) {
      if (!existsSync(path.join(tmp, name)) && existsSync(path.join(PACKAGE_ROOT, name))) await symlink(path.join(PACKAGE_ROOT, name), path.join(tmp, name), 'dir');
    }
    // Plug-ins are ES modules, as in the project (whose package.json says so); a checkout without one says it too.
    if (!existsSync(path.join(tmp, 'package.json'))) await writeFile(path.join(tmp, 'package.json'), '{ "private": true, "type": "module" }\n');
    await rename(tmp, dir);
    return dir;
  }

  /** Removes checkouts other than `keep` (older commits' modules are no longer loaded from them). */
  async prune(keep: readonly string[]): Promise<void> {
    const names = await readdir(this.checkouts).catch(() => [] as string[]);
    for (const n of names) {
      if (keep.includes(n)) continue;
      const p = path.join(this.checkouts, n);
      if ((await stat(p).catch(() => null))?.isDirectory()) await rm(p, { recursive: true, force: true });
    }
  }
}
