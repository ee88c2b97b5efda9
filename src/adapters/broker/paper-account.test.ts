import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nyDateTime, ReplayClock } from '../clock.ts';
import { InMemoryMarketData } from '../market/memory.ts';
import type { Bar } from '../../domain/market/types.ts';
import { BrokerError } from '../../domain/trading/errors.ts';
import { bestGainWorstLossStrategy } from '../../domain/trading/strategies/index.ts';
import type { Order } from '../../domain/trading/types.ts';
import { PaperAccount, type PaperAccountOptions } from './paper-account.ts';

// Two symbols over three sessions (Thu 11-09, Fri 11-10, Mon 11-13).
const bars = (o: number[]): Bar[] =>
  ['2017-11-08', '2017-11-09', '2017-11-10', '2017-11-13'].map((date, i) => ({ date, open: o[i] as number, high: (o[i] as number) * 1.02, low: (o[i] as number) * 0.98, close: (o[i] as number) * 1.01, volume: 1000 }));
const market = new InMemoryMarketData(
  'test',
  new Map([
    ['AAA', bars([100, 101, 99, 100])],
    ['BBB', bars([50, 52, 51, 53])],
  ]),
);

async function account(over: Partial<PaperAccountOptions> = {}, clock = new ReplayClock({ start: nyDateTime('2017-11-08', '17:00') }), file?: string) {
  const ledgerFile = file ?? path.join(mkdtempSync(path.join(tmpdir(), 'arena-paper-')), 'ledger.jsonl');
  const acct = await PaperAccount.open({ ledgerFile, accountId: 'acct-1', clock, prices: market, startingCash: 10_000, slippageBps: 5, commissionPerShare: 0.005, commissionMin: 1, multiplier: 1, ...over });
  return { acct, clock, ledgerFile };
}
const kindOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof BrokerError ? e.kind : String(e)));

describe('PaperAccount: sells fund buys at the same auction (issue 16)', () => {
  it('sell-to-fund then buy on one day: both are accepted and both fill at the next open, the sale first', async () => {
    const { acct, clock } = await account();
    // Day 0: put almost all the cash into AAA.
    await acct.submitOrder({ symbol: 'AAA', qty: 95, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'b0' });
    clock.advanceTo(nyDateTime('2017-11-09', '17:00'));
    const a = await acct.account();
    expect(a.cash).toBeLessThan(500);
    // The strategy decides, on today's closes, to sell AAA to fund the better BBB.
    const spec = bestGainWorstLossStrategy.schema.parse({ buy_threshold: 0.001, sell_threshold: 0.001, sell: 'all', fund_best_by_selling: true, limits: { max_position_pct: 0.9, max_orders_per_day: 6, cash_buffer_pct: 0.02, whole_shares: true } });
    const closes = { AAA: (market.bar('AAA', '2017-11-09') as Bar).close, BBB: (market.bar('BBB', '2017-11-09') as Bar).close };
    const decision = bestGainWorstLossStrategy.decide(spec, { predictions: [{ symbol: 'AAA', expectedReturn: 0.002, probabilityUp: null }, { symbol: 'BBB', expectedReturn: 0.01, probabilityUp: null }], closes, cash: a.cash, equity: a.equity, positions: { AAA: 95 } });
    expect(decision.orders.map((o) => [o.side, o.symbol, o.intent])).toEqual([
      ['sell', 'AAA', 'sell_fund'],
      ['buy', 'BBB', 'buy_best'],
    ]);
    const buy = decision.orders[1];
    expect(((buy?.qty as number) * closes.BBB)).toBeGreaterThan(a.cash * 5); // the buy needs the sale's cash
    // Both go to the same open; before, the buy was refused for buying power.
    for (const [i, o] of decision.orders.entries()) await acct.submitOrder({ symbol: o.symbol, qty: o.qty, side: o.side, type: 'market', time_in_force: 'day', client_order_id: `d1-${i}` });
    clock.advanceTo(nyDateTime('2017-11-10', '10:00'));
    const orders = await acct.orders({ status: 'all', direction: 'asc' });
    expect(orders.map((o) => [o.client_order_id, o.status])).toEqual([
      ['b0', 'filled'],
      ['d1-0', 'filled'],
      ['d1-1', 'filled'],
    ]);
    // Sells first at the auction: the ledger has the sale's fill before the buy's.
    const fills = acct.ledgerEvents().filter((e) => e.type === 'filled').map((e) => (e as { orderId: string }).orderId);
    expect(fills.slice(1)).toEqual([orders[1]?.id, orders[2]?.id]);
    expect((await acct.account()).cash).toBeGreaterThan(0);
    expect((await acct.positions()).map((p) => [p.symbol, p.qty])).toEqual([['BBB', buy?.qty]]);
  });

  it('only market sells queued for the same auction or an earlier one count: not a limit sell, not a sale at a later auction', async () => {
    const { acct, clock } = await account();
    await acct.submitOrder({ symbol: 'AAA', qty: 95, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'b0' });
    clock.advanceTo(nyDateTime('2017-11-09', '17:00'));
    const big = (id: string) => acct.submitOrder({ symbol: 'BBB', qty: 150, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: id });
    // A limit sell may not fill: its proceeds are not buying power.
    await acct.submitOrder({ symbol: 'AAA', qty: 95, side: 'sell', type: 'limit', limit_price: 90, time_in_force: 'day', client_order_id: 's-limit' });
    expect(await kindOf(big('x1'))).toBe('insufficient_buying_power');
    await acct.cancelOrder((await acct.orderByClientOrderId('s-limit'))?.id as string);
    // A sale at the next close does not fund a buy at the next open.
    await acct.submitOrder({ symbol: 'AAA', qty: 95, side: 'sell', type: 'market', time_in_force: 'cls', client_order_id: 's-cls' });
    expect(await kindOf(big('x2'))).toBe('insufficient_buying_power');
    // ... but it funds a buy at that same close.
    expect(await kindOf(acct.submitOrder({ symbol: 'BBB', qty: 150, side: 'buy', type: 'market', time_in_force: 'cls', client_order_id: 'x3' }))).toBe('ok');
    // The reported buying power is for the next auction (the open): the close sale is not in it.
    expect((await acct.account()).buying_power).toBeLessThan(500);
  });

  it('concurrent submissions see each other: two buys cannot spend the same cash', async () => {
    const { acct } = await account();
    const results = await Promise.all([1, 2, 3].map((i) => kindOf(acct.submitOrder({ symbol: 'AAA', qty: 40, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: `c${i}` }))));
    expect(results.sort()).toEqual(['insufficient_buying_power', 'ok', 'ok']);
  });
});

describe('PaperAccount: durability and restarts', () => {
  it('a restart on the same ledger has exactly the acknowledged state, and settles what came due meanwhile', async () => {
    const { acct, clock, ledgerFile } = await account();
    await acct.submitOrder({ symbol: 'AAA', qty: 10, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'a' });
    await acct.submitOrder({ symbol: 'BBB', qty: 5, side: 'buy', type: 'limit', limit_price: 51.5, time_in_force: 'gtc', client_order_id: 'l' });
    await acct.close();
    clock.advanceTo(nyDateTime('2017-11-10', '17:00'));
    const { acct: again } = await account({}, clock, ledgerFile);
    const orders = await again.orders({ status: 'all', direction: 'asc' });
    expect(orders.map((o) => [o.client_order_id, o.status])).toEqual([
      ['a', 'filled'],
      ['l', 'filled'], // 11-09 open 52 > 51.5, low 50.96 reached it: filled at the limit at the close
    ]);
    expect(orders[1]?.filled_avg_price).toBe(51.5);
    expect(orders[1]?.filled_at?.startsWith('2017-11-09T16:00:00')).toBe(true);
  });

  it('ledgers written before limit orders and new event kinds existed still load', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-legacy-'));
    const file = path.join(dir, 'ledger.jsonl');
    const legacyOrder = { id: '2f1b0a77-1c2d-4e3f-a111-222233334444', client_order_id: 'old-1', symbol: 'AAA', side: 'buy', type: 'market', time_in_force: 'day', qty: 3, filled_qty: 0, filled_avg_price: null, status: 'accepted', created_at: '2017-11-08T17:00:00.000-05:00', submitted_at: '2017-11-08T17:00:00.000-05:00', updated_at: '2017-11-08T17:00:00.000-05:00', filled_at: null, expired_at: null, canceled_at: null, commission: 0 };
    writeFileSync(
      file,
      [
        { type: 'opened', at: '2017-11-08T16:30:00.000-05:00', accountId: 'ex-0123456789abcdef', cash: 10_000, multiplier: 1 },
        { type: 'submitted', at: legacyOrder.submitted_at, order: legacyOrder },
        { type: 'filled', at: '2017-11-09T09:30:00.000-05:00', orderId: legacyOrder.id, qty: 3, price: 101.05, commission: 1 },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    appendFileSync(file, '{"type":"submitted","at":"2017-11-09T1'); // a torn last line: never acknowledged
    const clock = new ReplayClock({ start: nyDateTime('2017-11-09', '17:00') });
    const { acct } = await account({}, clock, file);
    expect((await acct.positions()).map((p) => [p.symbol, p.qty])).toEqual([['AAA', 3]]);
    expect((await acct.account()).cash).toBeCloseTo(10_000 - 3 * 101.05 - 1, 6);
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
  });

  it('last_equity of a new account is its starting cash; later, the equity at the previous close', async () => {
    const { acct, clock } = await account();
    expect((await acct.account()).last_equity).toBe(10_000);
    await acct.submitOrder({ symbol: 'AAA', qty: 10, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'a' });
    clock.advanceTo(nyDateTime('2017-11-10', '12:00'));
    const a = await acct.account();
    const fill = (await acct.orderByClientOrderId('a'))?.filled_avg_price as number;
    expect(a.last_equity).toBeCloseTo(10_000 - 10 * fill - 1 + 10 * (market.bar('AAA', '2017-11-09') as Bar).close, 1); // in cents
  });
});

describe('PaperAccount: settlement only when the clock crosses an auction', () => {
  it('requests between auctions do not revisit open orders, however many there are', async () => {
    let lookups = 0;
    const counting = {
      bar: (s: string, d: string) => (lookups++, market.bar(s, d)),
      lastBarOnOrBefore: (s: string, d: string) => (lookups++, market.lastBarOnOrBefore(s, d)),
      knows: (s: string) => market.knows(s),
    };
    const { acct, clock } = await account({ prices: counting, startingCash: 1e9 });
    for (let i = 0; i < 500; i++) await acct.submitOrder({ symbol: 'AAA', qty: 1, side: 'buy', type: 'limit', limit_price: 50, time_in_force: 'gtc', client_order_id: `o${i}` });
    lookups = 0;
    for (let i = 0; i < 20; i++) {
      await acct.submitOrder({ symbol: 'AAA', qty: 1, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: `m${i}` });
      await acct.orders({ status: 'open' });
      await acct.account();
    }
    expect(lookups).toBeLessThan(10); // the mark of AAA, once per market phase: not one lookup per open order
    // Crossing the open settles every order once.
    clock.advanceTo(nyDateTime('2017-11-09', '10:00'));
    lookups = 0;
    await acct.account();
    expect(lookups).toBeGreaterThanOrEqual(520);
    expect(lookups).toBeLessThan(600);
  });
});

describe('PaperAccount: GET /v2/orders?nested=true', () => {
  it('rolls legs up under a listed parent, and lists live legs on their own once the parent is closed', async () => {
    const { acct, clock } = await account();
    const parent = await acct.submitOrder({ symbol: 'AAA', qty: 10, side: 'buy', type: 'market', time_in_force: 'gtc', order_class: 'bracket', take_profit: { limit_price: 120 }, stop_loss: { stop_price: 80 }, client_order_id: 'br' });
    const shape = (list: (Order & { legs?: Order[] })[]) => list.map((o) => [o.client_order_id, o.status, (o.legs ?? []).map((l) => l.client_order_id)]);
    // Before the open: the parent is open, its legs held under it.
    expect(shape(await acct.orders({ status: 'open', nested: true }))).toEqual([['br', 'accepted', ['br:take_profit', 'br:stop_loss']]]);
    // The parent fills at the open: it is closed, and its two sell legs are live.
    clock.advanceTo(nyDateTime('2017-11-09', '10:00'));
    expect((await acct.orderById(parent.id))?.status).toBe('filled');
    expect(shape(await acct.orders({ status: 'open', nested: true, direction: 'asc' }))).toEqual([
      ['br:take_profit', 'new', []],
      ['br:stop_loss', 'new', []],
    ]);
    expect(shape(await acct.orders({ status: 'open', nested: true, side: 'sell', symbols: ['AAA'] }))).toHaveLength(2);
    // Where the parent is listed, the legs are under it, not listed twice.
    expect(shape(await acct.orders({ status: 'all', nested: true }))).toEqual([['br', 'filled', ['br:take_profit', 'br:stop_loss']]]);
    expect(shape(await acct.orders({ status: 'closed', nested: true }))).toEqual([['br', 'filled', ['br:take_profit', 'br:stop_loss']]]);
    // A filter the parent fails (it is a buy) lists the legs themselves.
    expect(shape(await acct.orders({ status: 'all', nested: true, side: 'sell' }))).toHaveLength(2);
  });
});

describe('PaperAccount: PATCH /v2/orders/{id} refuses what POST refuses', () => {
  it('a stop order cannot become opg; a trail_percent cannot reach 100; a valid patch still replaces', async () => {
    const { acct, clock } = await account();
    clock.advanceTo(nyDateTime('2017-11-09', '10:00'));
    const refusal = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof BrokerError ? `${e.kind}: ${e.message}` : String(e)));
    const stop = await acct.submitOrder({ symbol: 'AAA', qty: 1, side: 'buy', type: 'stop', stop_price: 110, time_in_force: 'day', client_order_id: 'stop' });
    expect(await refusal(acct.submitOrder({ symbol: 'AAA', qty: 1, side: 'buy', type: 'stop', stop_price: 110, time_in_force: 'opg', client_order_id: 'stop-opg' }))).toBe('validation: time_in_force opg is for market and limit orders only');
    expect(await refusal(acct.replaceOrder(stop.id, { time_in_force: 'opg', client_order_id: 'stop-2' }))).toBe('validation: time_in_force opg is for market and limit orders only');
    expect(await refusal(acct.replaceOrder(stop.id, { limit_price: 111, client_order_id: 'stop-3' }))).toBe('validation: stop orders require no limit price');
    const trailing = await acct.submitOrder({ symbol: 'AAA', qty: 1, side: 'buy', type: 'trailing_stop', trail_percent: 5, time_in_force: 'day', client_order_id: 'trail' });
    for (const trail of [100, 150]) expect(await refusal(acct.replaceOrder(trailing.id, { trail, client_order_id: `trail-${trail}` }))).toBe('validation: trail_percent must be between 0 and 100');
    expect(await refusal(acct.replaceOrder(stop.id, { trail: 5, client_order_id: 'stop-4' }))).toBe('validation: only trailing_stop orders have a trail');
    // Nothing was replaced by the refused patches.
    expect((await acct.orders({ status: 'open', direction: 'asc' })).map((o) => [o.client_order_id, o.status])).toEqual([
      ['stop', 'new'],
      ['trail', 'new'],
    ]);
    const replaced = await acct.replaceOrder(trailing.id, { trail: 10, client_order_id: 'trail-10' });
    expect(replaced).toMatchObject({ replaces: trailing.id, trail_percent: 10, status: 'new' });
    expect(await refusal(acct.replaceOrder(stop.id, { stop_price: 112, time_in_force: 'gtc', client_order_id: 'stop-5' }))).toBe('ok');
  });
});
