import { describe, expect, it } from 'vitest';
import { bindStrategy, type Strategy } from '../../domain/trading/strategy.ts';
import { z } from 'zod';
import { stateBefore } from '../../testing/cycle-state.ts';
import { stepTestContext } from '../../testing/team-context.ts';
import { tradeStep } from './trade.ts';

const auto = { approval: 'auto' as const };
/** A strategy that buys 10 MSFT whatever the model says (the step, not the strategy, is under test). */
const buyTen: Strategy<Record<string, never>> = {
  kind: 'buy-ten',
  schema: z.strictObject({}),
  decide: (_p, input) => ({ mode: 'regression', notes: ['ten'], orders: [{ symbol: 'MSFT', side: 'buy', qty: 10, intent: 'buy_ten', predicted: null, threshold: null, refPrice: input.closes.MSFT as number, reason: 'always ten' }] }),
};

describe('trade step', () => {
  it('journals the plan before its orders, places each once under a deterministic client_order_id, and records the account', async () => {
    const { ctx, broker, at } = await stepTestContext((t) => ({ ...t, strategy: bindStrategy(buyTen, {}), lifecycle: { ...t.lifecycle, gate: auto } }));
    at('2017-11-08');
    const state = await stateBefore(ctx, '2017-11-08', 'trade');
    const { output } = await tradeStep.run(ctx, '2017-11-08', state, {});
    const plan = ctx.services.journal.get('2017-11-08', 'trade.plan');
    expect(plan?.session).toBe('2017-11-09');
    expect(plan?.orders.map((o) => [o.symbol, o.side, o.qty, o.intent, o.prediction_id, o.model_version])).toEqual([['MSFT', 'buy', 10, 'buy_ten', '2017-11-08:MSFT', 'v0001']]);
    expect(output.orders).toHaveLength(1);
    expect(output.orders[0]?.client_order_id).toBe(plan?.orders[0]?.client_order_id);
    expect(output.orders[0]?.status).toBe('accepted'); // queued for the next open
    expect(output.notes).toEqual(['ten']);
    expect(output.equity).toBe(100_000);
    // Run again (a killed and restarted cycle): the same plan, no second order.
    const again = await tradeStep.run(ctx, '2017-11-08', state, {});
    expect(again.output.orders.map((o) => o.order_id)).toEqual(output.orders.map((o) => o.order_id));
    expect(await broker.orders({ status: 'all' })).toHaveLength(1);
  });

  it('refuses with the reason: no champion, a no-trade request, a strategy that throws', async () => {
    const throws: Strategy<Record<string, never>> = { ...buyTen, kind: 'throws', decide: () => { throw new Error('division by zero'); } };
    const { ctx, broker, at } = await stepTestContext((t) => ({ ...t, strategy: bindStrategy(throws, {}), lifecycle: { ...t.lifecycle, gate: auto } }));
    at('2017-11-08');
    const state = await stateBefore(ctx, '2017-11-08', 'trade');
    const noChampion = await tradeStep.run(ctx, '2017-11-07', { ...state, model: { ...state.model!, version: null, model: null } }, {});
    expect(noChampion.output.refused).toBe('no champion model (the candidate failed its gate or none was trained yet)');
    const catchUp = await tradeStep.run(ctx, '2017-11-06', state, { noTradeReason: 'catch-up of a missed day' });
    expect(catchUp.output.refused).toBe('catch-up of a missed day');
    const broken = await tradeStep.run(ctx, '2017-11-08', state, {});
    expect(broken.output.refused).toBe('strategy throws failed: division by zero');
    expect(await broker.orders({ status: 'all' })).toHaveLength(0);
  });
});
