/**
 * What a daemon does around its cycles, beside running them: before a date's cycle it looks at its
 * team's git branch (when it follows one) and journals the config commit the cycle runs with; after
 * a day it queues the day's notifications (never waiting for a webhook); and it keeps the team's
 * config report up to date. Kept apart from the daemon loop (run-command.ts) so that loop stays a
 * timetable.
 */
import path from 'node:path';
import type { Env } from '../../config/env.ts';
import type { TeamConfig } from '../../config/load.ts';
import { stableJson } from '../../config/competition.ts';
import { errorMessage } from '../../core/errors.ts';
import { writeFileAtomic } from '../../core/fsx.ts';
import type { Logger } from '../../core/log.ts';
import { redact } from '../../core/redact.ts';
import { notifierFor, type Notifier } from '../../adapters/notify/notifier.ts';
import { renderConfigHistory, type ConfigReportData } from '../../adapters/reports/config-history.ts';
import { writeReport } from '../../adapters/reports/write.ts';
import { describeEvent, type ConfigFollower, type ConfigStatus } from '../../engine/config-follow.ts';
import { runDirs } from '../../engine/context.ts';
import { Journal } from '../../engine/journal.ts';
import { configNotice, dayNotices, errorNotice, FillWatcher, fillNotices } from '../../engine/notices.ts';
import { retrainRequestFile } from '../../engine/steps/model.ts';
import type { Clock } from '../../ports.ts';

export interface DaemonOpsOptions {
  /** The config in force when not following a branch. */
  team: TeamConfig;
  follow?: ConfigFollower;
  env: Env;
  logger: Logger;
  clock: Clock;
  /** The reports directory (`<out>`); the team's pages go to `<out>/<team>`. */
  out: string;
  /** Notifier tuning (tests: short intervals and timeouts). */
  notifyTuning?: Parameters<typeof notifierFor>[4];
}

export class DaemonOps {
  private notifier: Notifier | null;
  private notifyKey: string;
  private readonly fills: FillWatcher;
  private fillsRunning: Promise<void> = Promise.resolve();
  /** Replaced notifiers still draining: close() waits for them, so none logs after the logger is closed. */
  private readonly retiring = new Set<Promise<void>>();
  /** The date whose config was last looked at (a date's two phases run with one config). */
  private checkedFor: string | null = null;

  private constructor(private readonly o: DaemonOpsOptions) {
    const team = this.team;
    // A webhook variable that is missing or not a URL stops the start, like any config error.
    this.notifier = notifierFor(team.notify, o.env, team.file, o.logger, o.notifyTuning);
    this.notifyKey = stableJson(team.notify ?? null);
    this.fills = new FillWatcher(runDirs(team.workspaceDir), o.env);
  }

  static async start(o: DaemonOpsOptions): Promise<DaemonOps> {
    const ops = new DaemonOps(o);
    if (o.follow) await ops.writeConfigReport();
    return ops;
  }

  /** The config in force now. */
  get team(): TeamConfig {
    return this.o.follow?.team ?? this.o.team;
  }

  get notifierStats(): ReturnType<Notifier['stats']> {
    return this.notifier?.stats() ?? [];
  }

  /** For GET /health: `{commit, state, reason, …}` while following a branch, else null. */
  configHealth(): ConfigStatus | null {
    return this.o.follow?.status() ?? null;
  }

  private get journalFile(): string {
    return path.join(runDirs(this.team.workspaceDir).state, 'journal.jsonl');
  }

  /**
   * Before the first phase of a date: look at the branch, adopt or reject its head, and journal the
   * commit this date runs with. Once per date: a date's trade phase (or a retry) keeps that config.
   */
  async beforeDate(date: string): Promise<void> {
    const follow = this.o.follow;
    if (!follow || this.checkedFor === date) return;
    this.checkedFor = date;
    const journal = await new Journal(this.journalFile).load();
    // Checked before a restart: the commit adopted then is the one in force (follow.json), and stays.
    if (journal.has(date, 'config')) return;
    const event = await follow.check();
    await journal.record(date, 'config', follow.record(event), this.o.clock.now().toISO() ?? undefined);
    if (!event) return;
    const team = this.team.team;
    const message = describeEvent(event);
    if (event.kind === 'adopted') {
      this.o.logger.info(message, { team, date });
      if (event.retrain) {
        // The model step retrains (through the gate) and removes the request once the candidate is registered.
        await writeFileAtomic(retrainRequestFile(runDirs(this.team.workspaceDir)), JSON.stringify({ requested_at: this.o.clock.now().toISO(), by: `config change at ${event.commit.slice(0, 7)}`, after: date }, null, 2) + '\n');
      }
      this.refreshNotifier();
    } else {
      this.o.logger.warn(message, { team, date });
    }
    this.notifier?.notify(configNotice(team, event, this.o.clock.now().toISO() ?? new Date().toISOString()));
    await this.writeConfigReport();
  }

  /** A new config may name other webhooks: the old notifier finishes its queue in the background. */
  private refreshNotifier(): void {
    const key = stableJson(this.team.notify ?? null);
    if (key === this.notifyKey) return;
    const old = this.notifier;
    this.notifier = notifierFor(this.team.notify, this.o.env, this.team.file, this.o.logger, this.o.notifyTuning);
    this.notifyKey = key;
    if (!old) return;
    const closing = old.close().catch((err: unknown) => {
      this.o.logger.warn(`notify: ${redact(errorMessage(err))}`, { team: this.team.team });
    });
    this.retiring.add(closing);
    void closing.finally(() => this.retiring.delete(closing));
  }

  /** After a completed day: its notices are queued now; fills are looked up in the background. */
  async afterDay(date: string): Promise<void> {
    const n = this.notifier;
    if (!n) return;
    const team = this.team;
    const at = this.o.clock.now().toISO() ?? new Date().toISOString();
    const journal = await new Journal(this.journalFile).load();
    for (const notice of dayNotices(journal, date, team, at)) n.notify(notice);
    if (team.notify?.webhooks.some((w) => w.events.includes('fills'))) {
      // One lookup at a time, never awaited by the cycle loop.
      this.fillsRunning = this.fillsRunning
        .then(async () => {
          for (const notice of fillNotices(team.team, await this.fills.next(team), at)) n.notify(notice);
        })
        .catch((err: unknown) => {
          this.o.logger.warn(`notify: ${redact(errorMessage(err))}`, { team: team.team });
        });
    }
  }

  /** A cycle that failed (each failure; the notifier's rate limit keeps a retry loop from flooding). */
  failed(date: string, message: string): void {
    this.notifier?.notify(errorNotice(this.team.team, `cycle ${date} failed: ${message}`, this.o.clock.now().toISO() ?? new Date().toISOString()));
  }

  private async writeConfigReport(): Promise<void> {
    const follow = this.o.follow;
    if (!follow) return;
    const s = follow.status();
    const data: ConfigReportData = {
      team: this.team.team,
      repo: s.repo,
      branch: s.branch,
      path: s.path,
      commit: s.commit,
      state: s.state,
      reason: s.reason,
      rejected_commit: s.rejected_commit,
      generated_at: this.o.clock.now().toISO() ?? new Date().toISOString(),
      history: follow.history.map((e) => ({ ...e, message: describeEvent(e) })),
    };
    try {
      await writeReport(path.join(this.o.out, this.team.team, 'config.html'), renderConfigHistory(data), data);
    } catch (err) {
      this.o.logger.warn(`config report not written: ${redact(errorMessage(err))}`, { team: this.team.team });
    }
  }

  /** At shutdown: a few seconds for the queues, then what is left is abandoned. */
  async close(): Promise<void> {
    await this.fillsRunning;
    await Promise.all([...this.retiring, this.notifier?.close(5000)]);
  }
}
