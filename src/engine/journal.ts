/**
 * The per-team journal: one durable JSON line per completed step of a cycle date. A cycle killed
 * at any point resumes at the first step without a record; a step's record is written only after
 * its side effects are durable, and side-effecting steps are idempotent (client_order_id), so a
 * step that ran but was not recorded can run again safely.
 *
 * Records are typed: each key has its zod schema (records.ts), checked when the journal is read, so
 * `journal.get(date, 'trade')` is a TradeRecord and a damaged line is named, not cast.
 */
import { z } from 'zod';
import { ArenaError } from '../core/errors.ts';
import { appendLineDurable, readJsonLines, repairJsonLines } from '../core/fsx.ts';
import { isJournalKey, RECORD_SCHEMAS, type JournalKey, type RecordOf } from './records.ts';

const entryLineSchema = z.object({ date: z.string(), step: z.string(), at: z.string(), record: z.unknown() });

export interface JournalEntry<K extends JournalKey = JournalKey> {
  date: string;
  step: K;
  at: string;
  record: RecordOf<K>;
}

export class JournalError extends ArenaError {}

export class Journal {
  private readonly entries = new Map<string, JournalEntry>();
  /** Per step, its dates ascending: cycles append in date order, so this stays cheap to keep. */
  private readonly dates = new Map<string, string[]>();
  private loaded = false;

  constructor(readonly file: string) {}

  private key(date: string, step: string): string {
    return `${date}|${step}`;
  }

  async load(): Promise<this> {
    if (this.loaded) return this;
    await repairJsonLines(this.file);
    const list = await readJsonLines(this.file, (v, line): JournalEntry => {
      const e = entryLineSchema.safeParse(v);
      if (!e.success) throw new JournalError(`${this.file}: line ${line}: not a journal entry (expected {date, step, at, record})`);
      const { date, step, at, record } = e.data;
      if (!isJournalKey(step)) throw new JournalError(`${this.file}: line ${line}: unknown step "${step}" (expected one of ${Object.keys(RECORD_SCHEMAS).join(', ')})`);
      const r = RECORD_SCHEMAS[step].safeParse(record);
      if (!r.success) {
        const issue = r.error.issues[0];
        throw new JournalError(`${this.file}: line ${line}: ${step} record of ${date}: ${issue?.path.join('.') || 'record'}: ${issue?.message ?? 'invalid'}`, {
          hint: 'the journal was edited or damaged; restore it from the workspace git history (`git checkout -- state/journal.jsonl`) or move it away to start the team afresh',
        });
      }
      return { date, step, at, record: r.data } as JournalEntry;
    });
    for (const e of list) this.put(e);
    this.loaded = true;
    return this;
  }

  /** The record of `step` on `date`, typed by its schema. */
  get<K extends JournalKey>(date: string, step: K): RecordOf<K> | undefined {
    return this.entry(date, step)?.record;
  }

  entry<K extends JournalKey>(date: string, step: K): JournalEntry<K> | undefined {
    // The map holds only entries whose record passed RECORD_SCHEMAS[entry.step]; the key includes the step.
    return this.entries.get(this.key(date, step)) as JournalEntry<K> | undefined;
  }

  has(date: string, step: JournalKey): boolean {
    return this.entries.has(this.key(date, step));
  }

  async record<K extends JournalKey>(date: string, step: K, record: RecordOf<K>, at: string = new Date().toISOString()): Promise<void> {
    const entry = { date, step, at, record } as JournalEntry;
    await appendLineDurable(this.file, JSON.stringify(entry));
    this.put(entry);
  }

  private put(e: JournalEntry): void {
    const k = this.key(e.date, e.step);
    const fresh = !this.entries.has(k);
    this.entries.set(k, e);
    if (!fresh) return;
    let list = this.dates.get(e.step);
    if (!list) this.dates.set(e.step, (list = []));
    if (list.length === 0 || (list[list.length - 1] as string) < e.date) list.push(e.date);
    else {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((list[mid] as string) < e.date) lo = mid + 1;
        else hi = mid;
      }
      list.splice(lo, 0, e.date);
    }
  }

  /** Dates with a record for `step`, ascending. */
  datesWith(step: JournalKey): string[] {
    return [...(this.dates.get(step) ?? [])];
  }

  /** The latest record of `step` dated before `date` (or the latest of all). */
  latest<K extends JournalKey>(step: K, before?: string): { date: string; record: RecordOf<K> } | undefined {
    const list = this.dates.get(step) ?? [];
    let i = list.length - 1;
    if (before !== undefined) while (i >= 0 && (list[i] as string) >= before) i--;
    const date = list[i];
    const record = date === undefined ? undefined : this.get(date, step);
    return date === undefined || record === undefined ? undefined : { date, record };
  }

  all(): JournalEntry[] {
    return [...this.entries.values()];
  }
}
