/**
 * The per-team journal: one durable JSON line per completed step of a cycle date. A cycle killed
 * at any point resumes at the first step without a record; a step's record is written only after
 * its side effects are durable, and side-effecting steps are idempotent (client_order_id), so a
 * step that ran but was not recorded can run again safely.
 */
import { z } from 'zod';
import { appendLineDurable, readJsonLines, repairJsonLines } from '../core/fsx.ts';

export const journalEntrySchema = z.object({
  date: z.string(),
  step: z.string(),
  at: z.string(),
  record: z.unknown(),
});
export type JournalEntry = z.infer<typeof journalEntrySchema>;

export class Journal {
  private readonly entries = new Map<string, JournalEntry>();
  private loaded = false;

  constructor(readonly file: string) {}

  private key(date: string, step: string): string {
    return `${date}|${step}`;
  }

  async load(): Promise<this> {
    if (this.loaded) return this;
    await repairJsonLines(this.file);
    const list = await readJsonLines(this.file, (v, line) => {
      const r = journalEntrySchema.safeParse(v);
      if (!r.success) throw new Error(`${this.file}: line ${line}: not a journal entry`);
      return r.data;
    });
    for (const e of list) this.entries.set(this.key(e.date, e.step), e);
    this.loaded = true;
    return this;
  }

  get(date: string, step: string): JournalEntry | undefined {
    return this.entries.get(this.key(date, step));
  }

  has(date: string, step: string): boolean {
    return this.entries.has(this.key(date, step));
  }

  async record(date: string, step: string, record: unknown, at: string = new Date().toISOString()): Promise<void> {
    const entry: JournalEntry = { date, step, at, record };
    await appendLineDurable(this.file, JSON.stringify(entry));
    this.entries.set(this.key(date, step), entry);
  }

  /** Dates with a record for `step`, ascending. */
  datesWith(step: string): string[] {
    const out: string[] = [];
    for (const e of this.entries.values()) if (e.step === step) out.push(e.date);
    return out.sort();
  }

  all(): JournalEntry[] {
    return [...this.entries.values()];
  }
}
