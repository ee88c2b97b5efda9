import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../domain/trading/ledger-events.ts';
import { Ledger } from './ledger.ts';

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
