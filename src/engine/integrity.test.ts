import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../domain/trading/ledger-events.ts';
import type { Order } from '../domain/trading/types.ts';
import { runDirs, type TeamContext } from './context.ts';
import { checkJournalAndLedger, IntegrityError } from './integrity.ts';
import { Journal } from './journal.ts';
import type { PlacedOrder } from './records.ts';

const order = (coid: string): Order => ({
  id: `id-${coid}`, client_order_id: coid, symbol: 'AAPL', side: 'buy', type: 'market', time_in_force: 'day', qty: 1, filled_qty: 0, filled_avg_price: null, status: 'accepted',
  created_at: 't', submitted_at: 't', updated_at: 't', filled_at: null, expired_at: null, canceled_at: null, commission: 0,
});
const placed = (coid: string): PlacedOrder => ({ client_order_id: coid, order_id: `id-${coid}`, symbol: 'AAPL', side: 'buy', qty: 1, status: 'accepted', intent: 'buy_best', reason: 'r', predicted: 0.01, threshold: 0.001, prediction_id: null, model_version: 'v0001', error: null });

/** A live workspace whose journal traded `days` (one order each) and a ledger holding `inLedger`. */
async function workspace(days: string[], inLedger: string[]) {
  const root = mkdtempSync(path.join(tmpdir(), 'arena-integrity-'));
  const dirs = runDirs(path.join(root, 'workspaces', 'red'));
  const journal = await new Journal(path.join(dirs.state, 'journal.jsonl')).load();
  for (const d of days) {
    const o = placed(`arena-red-${d}`);
    await journal.record(d, 'trade.plan', { session: d, orders: [{ symbol: 'AAPL', side: 'buy', qty: 1, intent: 'buy_best', predicted: 0.01, threshold: 0.001, refPrice: 1, reason: 'r', client_order_id: o.client_order_id, prediction_id: null, model_version: 'v0001' }], notes: [], refused: null });
    await journal.record(d, 'trade', { equity: 1, cash: 1, positions: {}, orders: [o], refused: null, notes: [] });
    await journal.record(d, 'version', { commit: null, pushed: false, notes: [] });
  }
  const events: LedgerEvent[] = inLedger.map((coid) => ({ type: 'submitted', at: 't', order: order(coid) }));
  const ctx = {
    team: { team: 'red', root, workspaceDir: dirs.root },
    dirs,
    services: { journal: new Journal(journal.file), broker: { ledgerEvents: () => events } },
    options: { scope: 'live' },
  } as unknown as TeamContext;
  return { ctx, journalFile: journal.file };
}

describe('journal and ledger at start', () => {
  it('agree: nothing to do', async () => {
    const { ctx } = await workspace(['2017-11-08', '2017-11-09'], ['arena-red-2017-11-08', 'arena-red-2017-11-09']);
    expect(await checkJournalAndLedger(ctx)).toEqual({ checked: true, repaired: [] });
  });

  it('a ledger order no journaled plan knows (the journal was cut) is refused, with what to do in a live workspace', async () => {
    const { ctx } = await workspace(['2017-11-08'], ['arena-red-2017-11-08', 'arena-red-2017-11-09']);
    const err = await checkJournalAndLedger(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).message).toMatch(/^workspaces\/red\/state\/journal\.jsonl: red's journal does not know 1 order\(s\) that workspaces\/red\/state\/ledger\.jsonl holds \(first: arena-red-2017-11-09/);
    expect((err as IntegrityError).hint).toMatch(/git -C .*workspaces\/red checkout -- state\/journal\.jsonl/);
  });

  it("the last day's orders missing from the ledger (a torn last write): that day's trade step is run again", async () => {
    const { ctx, journalFile } = await workspace(['2017-11-08', '2017-11-09'], ['arena-red-2017-11-08']);
    const r = await checkJournalAndLedger(ctx);
    expect(r.repaired).toEqual([expect.stringMatching(/lacks 1 order\(s\) that red's trade step of 2017-11-09 placed/)]);
    const j = await new Journal(journalFile).load();
    expect(j.has('2017-11-09', 'trade.plan')).toBe(true);
    expect(j.has('2017-11-09', 'trade')).toBe(false);
    expect(j.has('2017-11-09', 'version')).toBe(false);
    expect(j.has('2017-11-08', 'trade')).toBe(true);
  });

  it('orders missing further back are refused: later days were decided on another account', async () => {
    const { ctx } = await workspace(['2017-11-08', '2017-11-09'], ['arena-red-2017-11-09']);
    await expect(checkJournalAndLedger(ctx)).rejects.toThrow(/ledger\.jsonl: red's ledger lacks 1 order\(s\) that the journal says were placed on 2017-11-08/);
  });

  it('a broker without a local ledger (Alpaca) is not checked here', async () => {
    const { ctx } = await workspace(['2017-11-08'], []);
    const alpaca = { ...ctx, services: { ...ctx.services, broker: {} } } as unknown as TeamContext;
    expect(await checkJournalAndLedger(alpaca)).toEqual({ checked: false, repaired: [] });
  });
});
