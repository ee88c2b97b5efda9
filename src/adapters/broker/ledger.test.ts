import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../domain/trading/ledger-events.ts';
import { Ledger, SharedJournal } from './ledger.ts';

const ev = (i: number): LedgerEvent => ({ type: 'canceled', at: `2017-11-08T16:30:00.${String(i).padStart(3, '0')}-05:00`, orderId: `o-${i}` });

describe('Ledger (group commit)', () => {
  it('appends arriving during a write+fsync share the next one; every append resolves once on disk, in order', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'arena-ledger-')), 'l.jsonl');
    const ledger = new Ledger(file);
    const done: number[] = [];
    await Promise.all(Array.from({ length: 200 }, (_, i) => ledger.append(ev(i)).then(() => done.push(i))));
    expect(done).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(ledger.batches).toBeLessThan(200);
    expect(ledger.batches).toBeGreaterThanOrEqual(2); // the first line goes alone, the rest queue behind it
    expect(await new Ledger(file).load()).toEqual(Array.from({ length: 200 }, (_, i) => ev(i)));
    await ledger.close();
  });

  it('durable() waits for everything appended so far', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'arena-ledger-')), 'l.jsonl');
    const ledger = new Ledger(file);
    for (let i = 0; i < 20; i++) void ledger.append(ev(i));
    await ledger.durable();
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(20);
    await ledger.close();
  });

  it('a failed write rejects its appends and every later one (nothing after it is acknowledged)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-ledger-'));
    writeFileSync(path.join(dir, 'not-a-dir'), '');
    const ledger = new Ledger(path.join(dir, 'not-a-dir', 'l.jsonl'));
    const first = ledger.append(ev(1));
    const second = ledger.append(ev(2));
    await expect(first).rejects.toThrow(/not-a-dir/);
    await expect(second).rejects.toThrow();
    await expect(ledger.append(ev(3))).rejects.toThrow();
    expect(ledger.failed).toBeTruthy();
  });
});

describe('SharedJournal (one write-ahead journal for many ledgers)', () => {
  it('appends to many ledgers share journal fsyncs; each ledger file holds its events in order', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-journal-'));
    const journal = await SharedJournal.open(dir);
    const ledgers = Array.from({ length: 50 }, (_, i) => journal.ledger(`account-${i}.jsonl`));
    for (const l of ledgers) await l.load();
    await Promise.all(ledgers.flatMap((l, i) => Array.from({ length: 4 }, (_, k) => l.append(ev(i * 10 + k)))));
    expect(journal.batches).toBeLessThan(200);
    for (const [i, l] of ledgers.entries()) expect(await new Ledger(l.file).load()).toEqual([0, 1, 2, 3].map((k) => ev(i * 10 + k)));
    await journal.close();
  });

  it('after a crash, events the journal holds but a ledger file lacks are put back at its end', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-journal-'));
    const journal = await SharedJournal.open(dir);
    const a = journal.ledger('account-a.jsonl');
    await a.load();
    for (let i = 0; i < 5; i++) await a.append(ev(i));
    // The crash: the ledger file lost its last two lines (never fsync'd), the journal has them.
    const file = path.join(dir, 'account-a.jsonl');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    writeFileSync(file, lines.slice(0, 3).join('\n') + '\n');
    expect(readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').trim().split('\n')).toHaveLength(5);
    const reopened = await SharedJournal.open(dir);
    expect(await new Ledger(file).load()).toEqual([0, 1, 2, 3, 4].map(ev));
    expect(readFileSync(path.join(dir, 'journal.jsonl'), 'utf8')).toBe(''); // replayed and emptied
    await reopened.close();
  });

  it('a checkpoint makes the ledgers durable and empties the journal', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-journal-'));
    const journal = await SharedJournal.open(dir, { checkpointBytes: 1000 });
    const a = journal.ledger('account-a.jsonl');
    await a.load();
    for (let i = 0; i < 30; i++) await a.append(ev(i));
    // 30 lines of ~110 bytes were written: checkpoints kept the journal near its limit (a batch may just have crossed it).
    expect(readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').length).toBeLessThan(1000 + 2 * 120);
    expect(await new Ledger(a.file).load()).toHaveLength(30);
    await journal.close();
    expect(readFileSync(path.join(dir, 'journal.jsonl'), 'utf8')).toBe('');
  });
});
