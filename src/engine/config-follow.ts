/**
 * A daemon that follows its team's git branch. Before each cycle it fetches the branch; when the team
 * file or anything it reads (the strategy file, the plug-in modules and their folders) changed at a
 * new commit, that commit is validated exactly as a config is at start — schema, cross-checks,
 * plug-in load, the competition's pinned fields, one dry prediction on cached data — and either
 * adopted from this cycle on or rejected with the reason, the last good config staying in force.
 * Never half a config: the candidate is loaded whole, from its own checkout, before it replaces the
 * current one. Never a crash: whatever goes wrong with a candidate is a rejection, and an unreachable
 * remote keeps the current config.
 *
 * What the daemon may not change while it runs (its name, schedule, server and workspace) is refused
 * like a pinned field: the coordinator's clock and the daemon's own timetable are built on them.
 */
import path from 'node:path';
import { z } from 'zod';
import { checkCompetitionRules, parseCompetition, stableJson, type CompetitionConfig } from '../config/competition.ts';
import type { Env } from '../config/env.ts';
import { loadTeam, type TeamConfig } from '../config/load.ts';
import { readText } from '../config/parse.ts';
import { ArenaError, ConfigError, errorMessage } from '../core/errors.ts';
import { readJsonFile, writeFileAtomic } from '../core/fsx.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import { ConfigRepo } from '../adapters/git-config/config-repo.ts';
import { resolveWebhooks } from '../adapters/notify/notifier.ts';
import { describeChanges, diffConfigs, reachesModel, type ConfigChange } from './config-diff.ts';
import { dryPrediction } from './config-dry-run.ts';
import { configEventSchema, type ConfigEvent, type ConfigRecord } from './records.ts';

/** Where the competition's rules come from: a local file (the coordinator's), or a branch of the same repository. */
export type RulesSource = { file: string } | { branch: string; path: string };

export interface FollowOptions {
  /** The config repository: a URL or a path. */
  repo: string;
  branch: string;
  /** The team file inside the repository, e.g. teams/red.yml. */
  path: string;
  rules?: RulesSource;
  /** Where the mirror, the checkouts and the follow state live (inside the workspace). */
  stateDir: string;
  /** The workspace whose cached bars and champion the dry prediction uses. */
  workspaceDir: string;
  /** The daemon's own settings laid over each loaded config (its workspace, an exchange as its broker). */
  adapt: (team: TeamConfig) => TeamConfig;
  env: Env;
  logger: Logger;
}

export interface ConfigStatus {
  /** The commit in force. */
  commit: string;
  /** `adopted` while the branch head is in force; `rejected` while the head is a refused commit. */
  state: 'adopted' | 'rejected';
  /** Why the head was refused (`file: field: expected …`), null when adopted. */
  reason: string | null;
  /** The refused head, when state is rejected. */
  rejected_commit: string | null;
  repo: string;
  branch: string;
  path: string;
  /** The last fetch failed: the remote could not be reached (the config in force stays). */
  fetch_error: string | null;
  /** The last adopted and the last rejected change. */
  last_adopted: ConfigEvent | null;
  last_rejected: ConfigEvent | null;
}

const stateSchema = z.object({
  repo: z.string(),
  branch: z.string(),
  path: z.string(),
  adopted: z.string(),
  rejected: z.object({ commit: z.string(), reason: z.string() }).nullable(),
  /** The latest events, oldest first (the team's config report lists them). */
  history: z.array(configEventSchema.extend({ at: z.string() })),
});
type FollowState = z.infer<typeof stateSchema>;

const HISTORY = 100;
/** Fields a running daemon cannot take on: its identity and its timetable (a restart can). */
const FIXED_WHILE_RUNNING = ['team', 'schedule', 'server', 'workspace'] as const;

export const shortCommit = (c: string): string => c.slice(0, 7);

/** The message people read for an event: "config changed at abc1234: model.trainer.epochs 25 → 40". */
export function describeEvent(e: Pick<ConfigEvent, 'kind' | 'commit' | 'reason' | 'changes' | 'retrain'>): string {
  return e.kind === 'adopted'
    ? `config changed at ${shortCommit(e.commit)}: ${describeChanges(e.changes)}${e.retrain ? ' (features or model changed: the next model step retrains through the gate)' : ''}`
    : `config commit ${shortCommit(e.commit)} rejected, keeping the last good config: ${e.reason ?? 'invalid'}`;
}

export class ConfigFollower {
  private current: TeamConfig;
  private currentCommit: string;
  private state: FollowState;
  private fetchError: string | null = null;

  private constructor(
    private o: FollowOptions,
    private readonly repo: ConfigRepo,
    first: { team: TeamConfig; commit: string; state: FollowState },
  ) {
    this.current = first.team;
    this.currentCommit = first.commit;
    this.state = first.state;
  }

  private static stateFile(o: FollowOptions): string {
    return path.join(o.stateDir, 'follow.json');
  }

  /**
   * Fetches the branch and loads the config in force: the one adopted before a restart, else the
   * branch head. Throws a ConfigError when there is no valid config at all (nothing to fall back on).
   */
  static async start(o: FollowOptions): Promise<ConfigFollower> {
    const token = o.env.get('GIT_TOKEN');
    const repo = await ConfigRepo.open({ remote: o.repo, dir: o.stateDir, childEnv: o.env.childEnv(), ...(token ? { token } : {}) });
    let fetchError: string | null = null;
    try {
      await repo.fetch(ConfigFollower.branchesOf(o));
    } catch (err) {
      fetchError = redact(errorMessage(err));
    }
    const saved = await readJsonFile(ConfigFollower.stateFile(o), (v) => stateSchema.parse(v)).catch(() => null);
    const sameSource = saved && saved.repo === repo.shownRemote && saved.branch === o.branch && saved.path === o.path;
    const head = await repo.head(o.branch);
    if (!head && !sameSource) throw new ArenaError(`--config-repo: no branch "${o.branch}" in ${repo.shownRemote}${fetchError ? ` (${fetchError})` : ''}`, { hint: 'check the repository URL, the branch name and GIT_TOKEN' });
    const probe = new ConfigFollower(o, repo, { team: null as unknown as TeamConfig, commit: '', state: saved && sameSource ? saved : { repo: repo.shownRemote, branch: o.branch, path: o.path, adopted: '', rejected: null, history: [] } });
    probe.fetchError = fetchError;
    // After a restart: the config adopted before it, exactly (the head is then checked like any new commit).
    if (saved && sameSource) {
      try {
        probe.current = await probe.validate(saved.adopted, null);
        probe.currentCommit = saved.adopted;
        o.logger.info(`config: ${o.path} at ${shortCommit(saved.adopted)} on ${o.branch} (adopted before the restart)`);
        return probe;
      } catch (err) {
        o.logger.warn(`config: the commit adopted before the restart (${shortCommit(saved.adopted)}) no longer validates: ${redact(errorMessage(err))}; trying the branch head`);
      }
    }
    if (!head) throw new ArenaError(`--config-repo: no branch "${o.branch}" in ${repo.shownRemote}`);
    const team = await probe.validate(head, null);
    probe.current = team;
    probe.currentCommit = head;
    probe.state = { ...probe.state, adopted: head, rejected: null };
    await probe.save();
    o.logger.info(`config: ${o.path} at ${shortCommit(head)} on ${o.branch} of ${repo.shownRemote}`);
    return probe;
  }

  private static branchesOf(o: FollowOptions): string[] {
    return [...new Set([o.branch, ...(o.rules && 'branch' in o.rules ? [o.rules.branch] : [])])];
  }

  get team(): TeamConfig {
    return this.current;
  }

  /** The daemon's logger, once it has one (the start logs to the console). */
  useLogger(logger: Logger): void {
    this.o = { ...this.o, logger };
  }

  get commit(): string {
    return this.currentCommit;
  }

  /** Past events, oldest first. */
  get history(): readonly (ConfigEvent & { at: string })[] {
    return this.state.history;
  }

  status(): ConfigStatus {
    const last = (kind: ConfigEvent['kind']) => [...this.state.history].reverse().find((e) => e.kind === kind) ?? null;
    const strip = (e: (ConfigEvent & { at: string }) | null): ConfigEvent | null => (e ? { kind: e.kind, commit: e.commit, reason: e.reason, changes: e.changes, retrain: e.retrain } : null);
    return {
      commit: this.currentCommit,
      state: this.state.rejected ? 'rejected' : 'adopted',
      reason: this.state.rejected?.reason ?? null,
      rejected_commit: this.state.rejected?.commit ?? null,
      repo: this.repo.shownRemote,
      branch: this.o.branch,
      path: this.o.path,
      fetch_error: this.fetchError,
      last_adopted: strip(last('adopted')),
      last_rejected: strip(last('rejected')),
    };
  }

  /** The journal record of a date's cycle: the commit it runs with and what this date's check found. */
  record(event: ConfigEvent | null): ConfigRecord {
    return { commit: this.currentCommit, repo: this.repo.shownRemote, branch: this.o.branch, path: this.o.path, event };
  }

  private async save(): Promise<void> {
    await writeFileAtomic(ConfigFollower.stateFile(this.o), JSON.stringify(this.state, null, 2) + '\n');
  }

  private async rules(): Promise<{ config: Pick<CompetitionConfig, 'pinned' | 'universe'>; name: string } | null> {
    const r = this.o.rules;
    if (!r) return null;
    if ('file' in r) {
      const shown = path.basename(r.file);
      return { config: parseCompetition(await readText(r.file, shown), shown), name: shown };
    }
    const head = await this.repo.head(r.branch);
    const text = head ? await this.repo.show(head, r.path) : null;
    const name = `${r.path} on ${r.branch}`;
    if (text === null) throw new ConfigError(name, '', `file not found (the competition's rules); expected it on branch ${r.branch}`);
    return { config: parseCompetition(text, name), name };
  }

  /** The config at `commit`, validated whole; throws ConfigError (or another error) when it must not run. */
  private async validate(commit: string, against: TeamConfig | null): Promise<TeamConfig> {
    const dir = await this.repo.checkout(commit);
    const loaded = await loadTeam(this.o.path, { root: dir, secrets: this.o.env });
    // Its webhooks must resolve here, as the daemon will resolve them: adopted, a missing one would leave half a config.
    if (loaded.notify) resolveWebhooks(loaded.notify, this.o.env, loaded.file);
    const rules = await this.rules();
    if (rules) checkCompetitionRules(loaded as unknown as { symbols: string[] } & Record<string, unknown>, rules.config, loaded.file, rules.name);
    if (against) {
      for (const field of FIXED_WHILE_RUNNING) {
        const was = (against as unknown as Record<string, unknown>)[field];
        const now = (loaded as unknown as Record<string, unknown>)[field];
        if (stableJson(was) !== stableJson(now)) throw new ConfigError(loaded.file, field, `expected ${stableJson(was)} as the daemon runs with it (a change of ${field} needs a restart of the daemon), got ${stableJson(now)}`);
      }
    }
    const team = this.o.adapt(loaded);
    await dryPrediction(team, { workspaceDir: this.o.workspaceDir });
    return team;
  }

  /** Files the team file reads, relative to the repository root: a change elsewhere changes nothing. */
  private watched(team: TeamConfig): { files: Set<string>; dirs: string[] } {
    const root = team.root;
    const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');
    const files = new Set([this.o.path.replace(/^\.\//, ''), rel(team.strategyFile)]);
    const dirs: string[] = [];
    for (const m of team.plugins.modules) {
      files.add(rel(m.file));
      // A plug-in's helpers sit beside it.
      dirs.push(rel(path.dirname(m.file)) + '/');
    }
    return { files, dirs };
  }

  /**
   * Before a cycle: fetch the branch and act on a new head. Returns what happened (null: nothing new,
   * or the remote unreachable), after the state is saved.
   */
  async check(): Promise<ConfigEvent | null> {
    try {
      await this.repo.fetch(ConfigFollower.branchesOf(this.o));
      this.fetchError = null;
    } catch (err) {
      this.fetchError = redact(errorMessage(err));
      this.o.logger.warn(`config: cannot fetch ${this.o.branch} (${this.fetchError}); keeping ${shortCommit(this.currentCommit)}`);
      return null;
    }
    const head = await this.repo.head(this.o.branch);
    if (head && head === this.currentCommit && this.state.rejected) {
      // The team went back (a revert by force-push) to the config in force: nothing is refused any more.
      this.o.logger.info(`config: the branch is back at ${shortCommit(head)}, the config in force; ${shortCommit(this.state.rejected.commit)} is no longer its head`);
      this.state = { ...this.state, rejected: null };
      await this.save();
      return null;
    }
    if (!head || head === this.currentCommit || head === this.state.rejected?.commit) return null;

    let changed: string[] | null = null;
    try {
      changed = await this.repo.changedPaths(this.currentCommit, head);
    } catch {
      // Unrelated histories (a force-push): validate it whole.
    }
    const w = this.watched(this.current);
    // Only a change that can neither be read as config nor run as code skips validation (a plug-in may import a helper from anywhere).
    const inert = (f: string) => !/\.(?:[cm]?[jt]sx?|json|ya?ml|csv)$/i.test(f);
    if (changed && changed.every((f) => inert(f) && !w.files.has(f) && !w.dirs.some((d) => f.startsWith(d)))) {
      // Nothing the config reads changed: the new head is the same config.
      this.o.logger.info(`config: ${shortCommit(head)} changes only files the team file does not read (${changed.slice(0, 5).join(', ')}); same config`);
      this.currentCommit = head;
      this.state = { ...this.state, adopted: head, rejected: null };
      await this.save();
      return null;
    }
    let event: ConfigEvent;
    try {
      const candidate = await this.validate(head, this.current);
      const changes: ConfigChange[] = diffConfigs(this.current, candidate);
      event = { kind: 'adopted', commit: head, reason: null, changes, retrain: reachesModel(changes) };
      this.current = candidate;
      this.currentCommit = head;
      this.state = { ...this.state, adopted: head, rejected: null };
      await this.repo.prune([head, ...this.state.history.filter((e) => e.kind === 'adopted').slice(-2).map((e) => e.commit)]).catch(() => undefined);
    } catch (err) {
      const reason = redact(err instanceof ConfigError ? err.message : `${this.o.path}: ${errorMessage(err).split('\n')[0]}`);
      event = { kind: 'rejected', commit: head, reason, changes: [], retrain: false };
      this.state = { ...this.state, rejected: { commit: head, reason } };
    }
    this.state = { ...this.state, history: [...this.state.history, { ...event, at: new Date().toISOString() }].slice(-HISTORY) };
    await this.save();
    return event;
  }
}
