/**
 * The local broker's durable ledger: an fsync'd append-only JSON-lines journal of account events.
 * State is a fold over the events, so a killed process restarts with exactly what was acknowledged.
 * (SQLite via better-sqlite3 would need a native build on every clean clone; see the README.)
 *
 * Group commit: appends that arrive while a write+fsync is in flight are written together by the
 * next one, so an account under a burst pays one fsync per batch, not one per event. append()
 * resolves only once its line is on disk; batches complete in order, so "the last append is
 * durable" means "everything before it is durable". The file stays open between batches and is
 * closed after a second without appends.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readJsonLines, repairJsonLines, wrapFsError } from '../../core/fsx.ts';
import { ledgerEventSchema, type LedgerEvent } from '../../domain/trading/ledger-events.ts';

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class Ledger {
  private handle: fs.FileHandle | null = null;
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  private draining = false;
  private last: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private closed = false;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Batches written (each one write and one fsync), for tests and the bench. */
  batches = 0;

  constructor(readonly file: string) {}

  async load(): Promise<LedgerEvent[]> {
    await repairJsonLines(this.file);
    return readJsonLines(this.file, (v, line) => {
      const r = ledgerEventSchema.safeParse(v);
      if (!r.success) throw new Error(`${this.file}: line ${line}: not a ledger event (${r.error.issues[0]?.message})`);
      return r.data;
    });
  }

  /** Appends one event; resolves once it (and every event appended before it) is durable. */
  append(event: LedgerEvent): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error(`${this.file}: ledger is closed`));
    this.pending.push(JSON.stringify(event) + '\n');
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    // The caller may only care about the last append; a rejection is still reported to it.
    p.catch(() => undefined);
    this.last = p;
    if (!this.draining) void this.drain();
    return p;
  }

  /** Resolves when everything appended so far is durable (rejects if the ledger failed). */
  durable(): Promise<void> {
    return this.last;
  }

  /** The first write failure, if any: the ledger refuses further appends after one. */
  get failed(): unknown {
    return this.failure;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    await this.last.catch(() => undefined);
    const h = this.handle;
    this.handle = null;
    await h?.close();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    try {
      while (this.pending.length > 0) {
        const lines = this.pending;
        const waiters = this.waiters;
        this.pending = [];
        this.waiters = [];
        try {
          await this.writeAll(Buffer.from(lines.join(''), 'utf8'));
          this.batches++;
          for (const w of waiters) w.resolve();
        } catch (err) {
          // Nothing after a failed batch may be acknowledged: its lines may be torn on disk.
          this.failure = err;
          for (const w of [...waiters, ...this.waiters]) w.reject(err);
          this.pending = [];
          this.waiters = [];
        }
      }
    } finally {
      this.draining = false;
      this.idleTimer = setTimeout(() => void this.closeIdle(), 1000);
      this.idleTimer.unref();
    }
  }

  private async closeIdle(): Promise<void> {
    this.idleTimer = null;
    if (this.draining || !this.handle) return;
    const h = this.handle;
    this.handle = null;
    await h.close().catch(() => undefined);
  }

  private async writeAll(buf: Buffer): Promise<void> {
    try {
      if (!this.handle) {
        await fs.mkdir(path.dirname(this.file), { recursive: true });
        this.handle = await fs.open(this.file, 'a');
      }
      let off = 0;
      while (off < buf.length) {
        const { bytesWritten } = await this.handle.write(buf, off, buf.length - off);
        off += bytesWritten;
      }
      await this.handle.sync();
    } catch (err) {
      wrapFsError(this.file, err);
    }
  }
}
