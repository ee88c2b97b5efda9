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
import { promises as fs } from 'node:fs';
import { appendLineDurable, fileIdentity, readJsonLinesFrom, repairJsonLines, wrapFsError, writeFileAtomic } from '../core/fsx.ts';
import { isJournalKey, RECORD_SCHEMAS, type JournalKey, type RecordOf } from './records.ts';

const entryLineSchema = z.object({ date: z.string(), step: z.string(), at: z.string(), record: z.unknown() });

export interface JournalEntry<K extends JournalKey = JournalKey> {
  date: string;
  step: K;
  at: string;
  record: RecordOf<K>;
}

export class JournalError extends ArenaError {}

const DAMAGED_HINT =
  'the journal was edited or damaged; restore it from the workspace git history (`git checkout -- state/journal.jsonl`), or remove the season folder (workspaces/<team>/seasons/<id>) to replay a season from its first day';

export class Journal {
  private readonly entries = new Map<string, JournalEntry>();
  /** Per step, its dates ascending: cycles append in date order, so this stays cheap to keep. */
  private readonly dates = new Map<string, string[]>();
  private loaded = false;
  /** How far the file has been read (bytes, lines): `refresh` reads only what was appended since. */
  private read = { offset: 0, line: 0 };
  /** Inode of the file when it was read: a rewrite (forget, a restore) is a new file, read from its start. */
  private ino: number | null = null;

  constructor(readonly file: string) {}

  private key(date: string, step: string): string {
    return `${date}|${step}`;
  }

  private parseEntry = (v: unknown, line: number): JournalEntry => {
    const e = entryLineSchema.safeParse(v);
    if (!e.success) throw new JournalError(`${this.file}: line ${line}: not a journal entry (expected {date, step, at, record})`, { hint: DAMAGED_HINT });
    const { date, step, at, record } = e.data;
    if (!isJournalKey(step)) throw new JournalError(`${this.file}: line ${line}: unknown step "${step}" (expected one of ${Object.keys(RECORD_SCHEMAS).join(', ')})`, { hint: DAMAGED_HINT });
    const r = RECORD_SCHEMAS[step].safeParse(record);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new JournalError(`${this.file}: line ${line}: ${step} record of ${date}: ${issue?.path.join('.') || 'record'}: ${issue?.message ?? 'invalid'}`, { hint: DAMAGED_HINT });
    }
    return { date, step, at, record: r.data } as JournalEntry;
  };

  /** Reads the file once (dropping a torn last line first); later calls return at once. */
  async load(): Promise<this> {
    if (this.loaded) return this;
    await repairJsonLines(this.file);
    await this.readMore();
    this.loaded = true;
    return this;
  }

  /**
   * Picks up what another process (or another Journal on the same file) appended since the last read,
   * for a reader that lives as long as the daemon (the HTTP API). Read-only: a line still being
   * written is left for the next call, and nothing is repaired.
   */
  async refresh(): Promise<this> {
    if (!this.loaded) return this.load();
    const id = await fileIdentity(this.file);
    if (id?.ino === this.ino && id?.size === this.read.offset) return this;
    // Rewritten (forget), replaced or truncated: read it again from the start.
    if (!id || id.ino !== this.ino || id.size < this.read.offset) this.clear();
    await this.readMore();
    return this;
  }

  private async readMore(): Promise<void> {
    if (this.read.offset === 0) this.ino = (await fileIdentity(this.file))?.ino ?? null;
    const chunk = await readJsonLinesFrom(this.file, this.parseEntry, this.read);
    for (const e of chunk.items) this.put(e);
    this.read = { offset: chunk.end, line: chunk.lines };
  }

  private clear(): void {
    this.entries.clear();
    this.dates.clear();
    this.read = { offset: 0, line: 0 };
  }

  /**
   * Forgets the records of these (date, step) pairs: the file is rewritten without their lines (every
   * other line byte for byte), so the cycle runs those steps again. Used by the start-up check when the
   * ledger lacks what a trade record says was placed (engine/integrity.ts).
   */
  async forget(records: readonly { date: string; step: JournalKey }[]): Promise<void> {
    const drop = new Set(records.map((r) => this.key(r.date, r.step)));
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      wrapFsError(this.file, err);
    }
    const kept = text.split('\n').filter((line) => {
      if (!line) return false;
      const e = entryLineSchema.safeParse(JSON.parse(line));
      return !(e.success && drop.has(this.key(e.data.date, e.data.step)));
    });
    await writeFileAtomic(this.file, kept.map((l) => l + '\n').join(''));
    this.clear();
    await this.readMore();
    this.loaded = true;
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
    const line = JSON.stringify(entry);
    await appendLineDurable(this.file, line);
    this.put(entry);
    // This instance is the file's one writer (the season or daemon holds the lock): what it appended is read.
    if (this.loaded) this.read = { offset: this.read.offset + Buffer.byteLength(line) + 1, line: this.read.line + 1 };
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
