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
import { closeSync, fsync, openSync, promises as fs, writeSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readJsonLines, repairJsonLines, wrapFsError } from '../../core/fsx.ts';
import { ledgerEventSchema, type LedgerEvent } from '../../domain/trading/ledger-events.ts';

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class Ledger implements LedgerStore {
  private fd: number | null = null;
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
    this.closeIdle();
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
      this.idleTimer = setTimeout(() => this.closeIdle(), 1000);
      this.idleTimer.unref();
    }
  }

  private closeIdle(): void {
    this.idleTimer = null;
    if (this.draining || this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }

  private async writeAll(buf: Buffer): Promise<void> {
    try {
      if (this.fd === null) {
        await fs.mkdir(path.dirname(this.file), { recursive: true });
        this.fd = openSync(this.file, 'a');
      }
      // The write lands in the page cache (microseconds, done in place); the fsync is the slow part (a worker thread).
      writeFully(this.fd, buf);
      await fsyncFd(this.fd);
    } catch (err) {
      wrapFsError(this.file, err);
    }
  }
}

/** What a PaperAccount needs of its ledger: load the events, append durably, wait for durability. */
export interface LedgerStore {
  readonly file: string;
  load(): Promise<LedgerEvent[]>;
  append(event: LedgerEvent): Promise<void>;
  durable(): Promise<void>;
  readonly failed: unknown;
  close(): Promise<void>;
}

interface JournalEntry {
  ledger: JournalLedger;
  line: string;
  n: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Journal fsyncs in flight at once (the thread pool runs four). */
const MAX_FSYNCS = 4;

const walEntrySchema = z.object({ f: z.string().regex(/^[\w.-]+$/), n: z.number().int().min(0), e: z.unknown() });

/**
 * One write-ahead journal for the many ledgers of an exchange. fsync is what an append costs
 * (≈100 µs of CPU each, whatever the size), so per-ledger group commit does not help when 100
 * accounts each have one order in flight. Here every append, whatever its ledger, goes into the
 * journal: one write and one fsync per batch. Then each ledger file gets its lines (written, not
 * fsync'd) before the batch is acknowledged. The journal is the durable copy until a checkpoint
 * fsyncs the ledger files and empties it; on open, entries of the journal missing from the end of
 * their ledger are appended to it (the ledger files stay the plain JSON-lines ledgers above).
 */
export class SharedJournal {
  private fd: number | null = null;
  private pending: JournalEntry[] = [];
  /** Batches written to the journal, oldest first, until they are durable. */
  private readonly writing: { seq: number; entries: JournalEntry[] }[] = [];
  private seq = 0;
  private fsyncs = 0;
  private checkpointing = false;
  private last: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private bytes = 0;
  private readonly dirty = new Set<JournalLedger>();
  private readonly ledgers = new Map<string, JournalLedger>();
  /** Batches written (one journal write + fsync each), for tests and the bench. */
  batches = 0;

  private constructor(
    readonly dir: string,
    private readonly walFile: string,
    private readonly checkpointBytes: number,
  ) {}

  /** Opens the journal of a directory, first replaying what a crash left in it into the ledgers. */
  static async open(dir: string, opts: { checkpointBytes?: number } = {}): Promise<SharedJournal> {
    await fs.mkdir(dir, { recursive: true });
    const j = new SharedJournal(dir, path.join(dir, 'journal.jsonl'), opts.checkpointBytes ?? 32 * 1024 * 1024);
    await j.recover();
    return j;
  }

  /** The ledger `name` (a file in the journal's directory). */
  ledger(name: string): LedgerStore {
    if (!/^[\w.-]+$/.test(name)) throw new Error(`ledger name ${name}: letters, digits, dots and dashes only`);
    let l = this.ledgers.get(name);
    if (!l) {
      l = new JournalLedger(this, name, path.join(this.dir, name));
      this.ledgers.set(name, l);
    }
    return l;
  }

  get failed(): unknown {
    return this.failure;
  }

  enqueue(ledger: JournalLedger, n: number, line: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const p = new Promise<void>((resolve, reject) => this.pending.push({ ledger, n, line, resolve, reject }));
    p.catch(() => undefined);
    this.last = p;
    this.pump();
    return p;
  }

  durable(): Promise<void> {
    return this.last;
  }

  async close(): Promise<void> {
    await this.last.catch(() => undefined);
    if (!this.failure) await this.checkpoint().catch(() => undefined);
    for (const l of this.ledgers.values()) l.closeHandle();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /**
   * Writes what is pending as one batch and starts its fsync, with up to MAX_FSYNCS in flight: a
   * request waits for about one fsync, not for the one in progress and then its own. An fsync
   * covers every byte written before it began, so when batch k is durable so is every batch before k.
   */
  private pump(): void {
    while (this.pending.length > 0 && this.fsyncs < MAX_FSYNCS && !this.checkpointing && !this.failure) {
      const entries = this.pending;
      this.pending = [];
      const seq = ++this.seq;
      try {
        if (this.fd === null) this.fd = openSync(this.walFile, 'a');
        const wal = Buffer.from(entries.map((x) => `{"f":${JSON.stringify(x.ledger.name)},"n":${x.n},"e":${x.line}}\n`).join(''), 'utf8');
        writeFully(this.fd, wal);
        this.bytes += wal.length;
      } catch (err) {
        this.fail(err, entries);
        return;
      }
      this.writing.push({ seq, entries });
      this.fsyncs++;
      fsyncFd(this.fd).then(
        () => {
          this.fsyncs--;
          this.durableUpTo(seq);
          void this.afterBatch();
        },
        (err: unknown) => {
          this.fsyncs--;
          this.fail(err, []);
        },
      );
    }
  }

  /** Batches up to `seq` are durable: their lines go to their ledger files (in order), then they are acknowledged. */
  private durableUpTo(seq: number): void {
    while (this.writing.length && (this.writing[0] as { seq: number }).seq <= seq) {
      const { entries } = this.writing.shift() as { entries: JournalEntry[] };
      try {
        const byLedger = new Map<JournalLedger, string[]>();
        for (const x of entries) (byLedger.get(x.ledger) ?? byLedger.set(x.ledger, []).get(x.ledger))?.push(x.line + '\n');
        // No fsync here: the journal holds these lines durably until the next checkpoint.
        for (const [l, lines] of byLedger) {
          l.write(lines.join(''));
          this.dirty.add(l);
        }
      } catch (err) {
        this.fail(err, entries);
        return;
      }
      this.batches++;
      for (const x of entries) x.resolve();
    }
  }

  private async afterBatch(): Promise<void> {
    if (this.bytes >= this.checkpointBytes && this.fsyncs === 0 && !this.checkpointing && !this.failure) {
      this.checkpointing = true;
      try {
        await this.checkpoint();
      } catch (err) {
        this.fail(err, []);
      } finally {
        this.checkpointing = false;
      }
    }
    this.pump();
  }

  /** Nothing after a failed write or fsync may be acknowledged: it may be torn on disk. */
  private fail(err: unknown, entries: JournalEntry[]): void {
    this.failure ??= err;
    const all = [...entries, ...this.writing.flatMap((b) => b.entries), ...this.pending];
    this.writing.length = 0;
    this.pending = [];
    for (const x of all) x.reject(this.failure);
  }

  /** Makes the ledger files durable and empties the journal (between batches only). */
  private async checkpoint(): Promise<void> {
    await Promise.all([...this.dirty].map((l) => l.sync()));
    this.dirty.clear();
    if (this.fd !== null) {
      await fs.truncate(this.walFile, 0);
      await fsyncFd(this.fd);
    }
    this.bytes = 0;
  }

  /** Replays journal entries missing from the end of their ledgers, makes those durable, empties the journal. */
  private async recover(): Promise<void> {
    let text: string;
    try {
      text = await fs.readFile(this.walFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      wrapFsError(this.walFile, err);
    }
    const lines = text.split('\n');
    const counts = new Map<string, number>();
    const touched = new Set<string>();
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i];
      if (!raw) continue;
      let entry: z.infer<typeof walEntrySchema>;
      try {
        entry = walEntrySchema.parse(JSON.parse(raw));
      } catch (err) {
        if (lines.slice(i + 1).every((l) => l === '')) break; // a torn tail: never acknowledged
        throw new Error(`${this.walFile}: line ${i + 1} is not a journal entry; the exchange cannot tell what was acknowledged. Move the file away only if every ledger is known to be complete.`, { cause: err });
      }
      const file = path.join(this.dir, entry.f);
      let count = counts.get(file);
      if (count === undefined) {
        await repairJsonLines(file);
        count = (await fs.readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
      }
      if (entry.n > count) throw new Error(`${file}: ${count} events, but the journal ${this.walFile} continues it at event ${entry.n + 1}; the ledger lost events the journal does not have`);
      if (entry.n === count) {
        await fs.appendFile(file, JSON.stringify(entry.e) + '\n');
        count++;
        touched.add(file);
      }
      counts.set(file, count);
    }
    for (const file of touched) {
      const h = await fs.open(file, 'r+');
      await h.sync();
      await h.close();
    }
    const h = await fs.open(this.walFile, 'w');
    await h.sync();
    await h.close();
  }
}

class JournalLedger implements LedgerStore {
  private fd: number | null = null;
  private count = 0;
  private last: Promise<void> = Promise.resolve();

  constructor(
    private readonly journal: SharedJournal,
    readonly name: string,
    readonly file: string,
  ) {}

  async load(): Promise<LedgerEvent[]> {
    const events = await new Ledger(this.file).load();
    this.count = events.length;
    return events;
  }

  append(event: LedgerEvent): Promise<void> {
    this.last = this.journal.enqueue(this, this.count++, JSON.stringify(event));
    return this.last;
  }

  durable(): Promise<void> {
    return this.last;
  }

  get failed(): unknown {
    return this.journal.failed;
  }

  write(text: string): void {
    if (this.fd === null) this.fd = openSync(this.file, 'a');
    writeFully(this.fd, Buffer.from(text, 'utf8'));
  }

  async sync(): Promise<void> {
    if (this.fd !== null) await fsyncFd(this.fd);
  }

  /** The journal closes its ledgers (an account's close() only lets go of the account). */
  close(): Promise<void> {
    return this.last.then(
      () => undefined,
      () => undefined,
    );
  }

  closeHandle(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Appends a whole buffer (a regular file takes it in one write; the loop is for the rare short write). */
function writeFully(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

const fsyncFd = (fd: number): Promise<void> => new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
