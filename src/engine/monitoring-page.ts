/**
 * Where the monitor's days go and how they become `reports/<team>/monitoring.html` (+ .json), one
 * page per team with every day (adapters/reports/monitoring.ts renders it).
 *
 * Each day is appended to `monitoring-days.jsonl` in the workspace's `reports/` (a season's own
 * workspace for a season), before the monitor's journal record: a run killed at any point and
 * resumed has every day again (a day written twice keeps its last copy). A season only appends and
 * writes each page once at its end; a live workspace (`arena run`, `arena cycle`, a competition's
 * daemon) rewrites its page after every cycle from the days it holds in memory.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { readJsonLines, repairJsonLines, writeFileAtomic } from '../core/fsx.ts';
import { monitoringPageData, renderMonitoringPage } from '../adapters/reports/monitoring.ts';
import type { IndexEntry, MonitoringDay } from '../adapters/reports/types.ts';
import type { Clock } from '../ports.ts';
import type { RunDirs } from './dirs.ts';

export const MONITORING_PAGE = 'monitoring.html';

/** The days a team's monitor wrote, one JSON line each. */
export const monitoringDaysFile = (dirs: Pick<RunDirs, 'reports'>): string => path.join(dirs.reports, 'monitoring-days.jsonl');

// The file is ours (written by appendDay): the fields the page keys on are checked, the rest is the monitor's typed output.
const dayLineSchema = z.looseObject({ team: z.string(), date: z.string(), pairs: z.array(z.unknown()), rolling: z.looseObject({ points: z.array(z.unknown()) }) });

export async function readMonitoringDays(file: string): Promise<MonitoringDay[]> {
  return readJsonLines(file, (v, line) => {
    const r = dayLineSchema.safeParse(v);
    if (!r.success) throw new Error(`${file}: line ${line}: not a monitoring day (${r.error.issues[0]?.message ?? 'invalid'})`);
    return r.data as unknown as MonitoringDay;
  });
}

export type MonitoringSink = (day: MonitoringDay) => Promise<void>;

/**
 * Appends each day (a torn last line from a kill is dropped first). Not fsync'd: a killed process
 * loses nothing written (the kernel has it), and this is a report's input, not state the cycle
 * resumes from; an fsync here would cost a season ~3 ms per team and day.
 */
function appender(file: string): (day: MonitoringDay) => Promise<void> {
  let repaired = false;
  return async (day) => {
    if (!repaired) {
      await repairJsonLines(file);
      await mkdir(path.dirname(file), { recursive: true });
    }
    repaired = true;
    await appendFile(file, JSON.stringify(day) + '\n');
  };
}

/** A season's team: days are kept; the page is written once at the end (writeMonitoringPage). */
export function seasonMonitoring(dirs: Pick<RunDirs, 'reports'>): MonitoringSink {
  return appender(monitoringDaysFile(dirs));
}

/** A live workspace: every day is kept and the team's page rewritten from every day held (read from the file once). */
export function liveMonitoring(dirs: Pick<RunDirs, 'reports'>, reportDir: string, clock: Clock): MonitoringSink {
  const file = monitoringDaysFile(dirs);
  const append = appender(file);
  let held: MonitoringDay[] | null = null;
  return async (day) => {
    held ??= await readMonitoringDays(file);
    await append(day);
    held.push(day);
    await writePage(reportDir, held, clock.now().toISO() ?? day.date);
  };
}

async function writePage(reportDir: string, days: readonly MonitoringDay[], generatedAt: string): Promise<void> {
  const data = monitoringPageData(days, generatedAt);
  // The data beside the page, as for every report, but not pretty-printed: a season of days is mostly arrays.
  await writeFileAtomic(path.join(reportDir, 'monitoring.json'), JSON.stringify(data) + '\n');
  await writeFileAtomic(path.join(reportDir, MONITORING_PAGE), renderMonitoringPage(data));
}

/** Writes `<reportDir>/monitoring.html` and `.json` from the days kept in `daysFile` (nothing when none). */
export async function writeMonitoringPage(reportDir: string, daysFile: string, generatedAt: string): Promise<void> {
  const days = await readMonitoringDays(daysFile);
  if (days.length) await writePage(reportDir, days, generatedAt);
}

const pageDatesSchema = z.object({ dates: z.array(z.string()) });

/** Index entries for a team's monitoring page: one per monitored day, each a `#date` anchor into the page. */
export async function monitoringIndexEntries(out: string, team: string): Promise<IndexEntry[]> {
  let dates: string[];
  try {
    dates = pageDatesSchema.parse(JSON.parse(await readFile(path.join(out, team, 'monitoring.json'), 'utf8'))).dates;
  } catch {
    return [];
  }
  return dates.map((date) => ({ team, kind: 'monitoring', date, title: `${team}: monitoring ${date}`, href: `${team}/${MONITORING_PAGE}#${date}` }));
}
