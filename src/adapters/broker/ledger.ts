/**
 * The local broker's durable ledger: an fsync'd append-only JSON-lines journal of account events.
 * State is a fold over the events, so a killed process restarts with exactly what was acknowledged.
 * (SQLite via better-sqlite3 would need a native build on every clean clone; see the README.)
 */
import { appendLineDurable, readJsonLines, repairJsonLines } from '../../core/fsx.ts';
import { ledgerEventSchema, type LedgerEvent } from '../../domain/trading/ledger-events.ts';

export class Ledger {
  constructor(readonly file: string) {}

  async load(): Promise<LedgerEvent[]> {
    await repairJsonLines(this.file);
    return readJsonLines(this.file, (v, line) => {
      const r = ledgerEventSchema.safeParse(v);
      if (!r.success) throw new Error(`${this.file}: line ${line}: not a ledger event (${r.error.issues[0]?.message})`);
      return r.data;
    });
  }

  append(event: LedgerEvent): Promise<void> {
    return appendLineDurable(this.file, JSON.stringify(event));
  }
}
