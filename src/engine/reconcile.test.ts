import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nyDateTime, ReplayClock } from '../adapters/clock.ts';
import { Journal } from './journal.ts';
import { describeReconciliation, reconcile } from './reconcile.ts';
import { sampleMarketData } from '../adapters/market/csv.ts';
import { InMemoryMarketData } from '../adapters/market/memory.ts';
import { PaperAccount } from '../adapters/broker/paper-account.ts';

describe('reconcile at start', () => {
  it('names positions that moved and open orders nobody in the journal placed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-rec-'));
    const clock = new ReplayClock({ start: nyDateTime('2017-11-08', '16:30') });
    const bars = (await sampleMarketData().daily({ symbol: 'MSFT', asOf: '2017-12-31' })).bars;
    const broker = await PaperAccount.open({ ledgerFile: path.join(dir, 'ledger.jsonl'), accountId: 'r', clock, prices: new InMemoryMarketData('sample', new Map([['MSFT', bars]])), startingCash: 100_000, slippageBps: 0, commissionPerShare: 0, commissionMin: 0, multiplier: 1 });
    const journal = new Journal(path.join(dir, 'journal.jsonl'));
    await broker.submitOrder({ symbol: 'MSFT', qty: 10, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'arena-red-2017-11-08-MSFT-buy' });
    await journal.record('2017-11-08', 'trade', { equity: 100_000, cash: 100_000, positions: {}, orders: [{ client_order_id: 'arena-red-2017-11-08-MSFT-buy', order_id: null, symbol: 'MSFT', side: 'buy', qty: 10, status: 'new', intent: 'buy_best', reason: 'test', predicted: null, threshold: null, prediction_id: null, model_version: null, error: null }], refused: null, notes: [] });
    clock.advanceTo(nyDateTime('2017-11-09', '16:30'));
    // Someone trades by hand in the account: not in the journal.
    await broker.submitOrder({ symbol: 'MSFT', qty: 5, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'manual-1' });
    const r = await reconcile(journal, broker);
    expect(r.positions).toEqual({ MSFT: [0, 10] });
    expect(r.foreignOpenOrders).toEqual(['manual-1']);
    expect(r.stillOpen).toEqual([]);
    expect(describeReconciliation(r).join('\n')).toMatch(/position MSFT: the journal \(after 2017-11-08\) says 0, the broker holds 10\nopen orders not placed by this daemon: manual-1/);
  });
});
