import { describe, expect, it } from 'vitest';
import type { StrategyInput } from '../strategy.ts';
import { bestGainWorstLoss, bestGainWorstLossStrategy, type BestGainWorstLossParams } from './best-gain-worst-loss.ts';

const spec = (over: Record<string, unknown> = {}): BestGainWorstLossParams =>
  bestGainWorstLossStrategy.schema.parse({
    buy_threshold: 0.001,
    sell_threshold: 0.001,
    sell: 'all',
    fund_best_by_selling: true,
    classification: { buy_probability: 0.55, sell_probability: 0.45 },
    limits: { max_position_pct: 0.6, max_orders_per_day: 6, cash_buffer_pct: 0.02, whole_shares: true },
    ...over,
  });

const reg = (r: Record<string, number>) => Object.entries(r).map(([symbol, v]) => ({ symbol, expectedReturn: v, probabilityUp: null }));
const cls = (r: Record<string, number>) => Object.entries(r).map(([symbol, v]) => ({ symbol, expectedReturn: null, probabilityUp: v }));
const closes = { AAA: 100, BBB: 50, CCC: 20 };

function input(over: Partial<StrategyInput>): StrategyInput {
  return { predictions: [], closes, cash: 10_000, equity: 10_000, positions: {}, ...over };
}

describe('best-gain-worst-loss', () => {
  it('buys the best predicted gain, sized to the position limit minus the cash buffer', () => {
    const d = bestGainWorstLoss(spec(), input({ predictions: reg({ AAA: 0.004, BBB: 0.01, CCC: -0.002 }) }));
    expect(d.orders).toHaveLength(1);
    const o = d.orders[0];
    expect(o).toMatchObject({ symbol: 'BBB', side: 'buy', intent: 'buy_best', predicted: 0.01, threshold: 0.001 });
    // 60 % of 10,000 = 6,000 at 50 → 120 shares (cash after the 2 % buffer is 9,800, not binding).
    expect(o?.qty).toBe(120);
    expect(o?.reason).toMatch(/best predicted gain/);
  });

  it('does nothing when no prediction reaches the buy threshold, and says why', () => {
    const d = bestGainWorstLoss(spec(), input({ predictions: reg({ AAA: 0.0005, BBB: -0.01 }) }));
    expect(d.orders).toEqual([]);
    expect(d.notes.join(' ')).toMatch(/no symbol reaches the buy threshold/);
  });

  it('sells every holding predicted to fall (sell: all) and only the worst with sell: worst', () => {
    const positions = { AAA: 10, BBB: 20, CCC: 50 };
    const preds = reg({ AAA: -0.002, BBB: -0.02, CCC: 0.0005 });
    const all = bestGainWorstLoss(spec(), input({ predictions: preds, positions, cash: 0 }));
    expect(all.orders.map((o) => [o.symbol, o.side, o.qty, o.intent])).toEqual([
      ['BBB', 'sell', 20, 'sell_loss'],
      ['AAA', 'sell', 10, 'sell_loss'],
    ]);
    const worst = bestGainWorstLoss(spec({ sell: 'worst' }), input({ predictions: preds, positions, cash: 0 }));
    expect(worst.orders.map((o) => [o.symbol, o.intent])).toEqual([['BBB', 'sell_worst']]);
  });

  it('funds the best gain by selling lower-potential holdings when cash is short', () => {
    const d = bestGainWorstLoss(spec(), input({ predictions: reg({ AAA: 0.02, BBB: 0.0005, CCC: 0.0002 }), positions: { BBB: 100, CCC: 100 }, cash: 100, equity: 7_100 }));
    const sells = d.orders.filter((o) => o.side === 'sell');
    expect(sells.map((o) => o.symbol)).toEqual(['CCC', 'BBB']); // lowest potential first
    expect(sells.every((o) => o.intent === 'sell_fund')).toBe(true);
    const buy = d.orders.find((o) => o.side === 'buy');
    expect(buy?.symbol).toBe('AAA');
    // Proceeds 2,000 + 5,000 + cash 100 − buffer 142 = 6,958; the limit is 60 % of 7,100 = 4,260 → 42 shares.
    expect(buy?.qty).toBe(42);
  });

  it('never trades a blocked symbol (stale data, quality gate)', () => {
    const d = bestGainWorstLoss(spec(), input({ predictions: reg({ AAA: 0.05, BBB: 0.01 }), blocked: { AAA: 'stale data: last bar 2017-11-08' } }));
    expect(d.orders.map((o) => o.symbol)).toEqual(['BBB']);
    expect(d.notes.join(' ')).toContain('stale data');
  });

  it('uses probabilities with the classification thresholds', () => {
    const d = bestGainWorstLoss(spec(), input({ predictions: cls({ AAA: 0.6, BBB: 0.52, CCC: 0.3 }), positions: { CCC: 10 } }));
    expect(d.mode).toBe('classification');
    expect(d.orders.map((o) => [o.symbol, o.side])).toEqual([
      ['CCC', 'sell'],
      ['AAA', 'buy'],
    ]);
  });

  it('is independent of the order predictions arrive in (ties broken by symbol)', () => {
    const a = bestGainWorstLossStrategy.decide(spec(), input({ predictions: reg({ AAA: 0.01, BBB: 0.01, CCC: 0.002 }) }));
    const b = bestGainWorstLossStrategy.decide(spec(), input({ predictions: reg({ CCC: 0.002, BBB: 0.01, AAA: 0.01 }) }));
    expect(a.orders).toEqual(b.orders);
    expect(a.orders[0]?.symbol).toBe('AAA');
  });

  it('with no cash and nothing to sell, buys nothing and says why', () => {
    // Fully invested in a symbol with no prediction today (nothing ranked to sell for funding).
    const d = bestGainWorstLoss(spec(), input({ predictions: reg({ AAA: 0.03 }), cash: 50, equity: 10_000, positions: { CCC: 497 } }));
    expect(d.orders).toEqual([]);
    expect(d.notes.join(' ')).toMatch(/AAA: best gain but no cash to buy a share/);
  });

  it('every prediction negative: sells every holding, buys nothing', () => {
    const d = bestGainWorstLoss(spec(), input({ predictions: reg({ AAA: -0.01, BBB: -0.004, CCC: -0.02 }), positions: { AAA: 5, CCC: 7 } }));
    expect(d.orders.map((o) => [o.symbol, o.side, o.qty])).toEqual([
      ['CCC', 'sell', 7],
      ['AAA', 'sell', 5],
    ]);
    expect(d.notes.join(' ')).toMatch(/no symbol reaches the buy threshold/);
  });

  it('caps the orders per day, keeping sells first', () => {
    const d = bestGainWorstLoss(spec({ limits: { max_position_pct: 0.6, max_orders_per_day: 1, cash_buffer_pct: 0.02, whole_shares: true } }), input({ predictions: reg({ AAA: 0.02, BBB: -0.01 }), positions: { BBB: 10 } }));
    expect(d.orders.map((o) => [o.symbol, o.side])).toEqual([['BBB', 'sell']]);
    expect(d.notes.join(' ')).toMatch(/max_orders_per_day 1/);
  });
});
