import { describe, expect, it } from 'vitest';
import { buyAndHold, maxDrawdown, sharpe, summarize } from './performance.ts';

const days = ['2017-10-16', '2017-10-17', '2017-10-18', '2017-10-19'];
const bars: Record<string, { open: number | null; close: number }> = {
  '2017-10-13': { open: 2550, close: 2553.17 }, // the close before the first day: not where the teams start
  '2017-10-16': { open: 2555, close: 2557.64 },
  '2017-10-17': { open: 2557.17, close: 2559.36 },
  '2017-10-18': { open: 2562.87, close: 2561.26 },
  '2017-10-19': { open: 2553.39, close: 2562.1 },
};
const bar = (d: string) => bars[d] ?? null;
const close = (d: string) => bars[d]?.close ?? null;

describe('buy and hold as a team could', () => {
  it('is in cash at the first close, buys at the next open with slippage and commission, then marks at each close', () => {
    const r = buyAndHold(days, bar, close, 100_000, { slippageBps: 5, commissionPerShare: 0.005, commissionMin: 1 });
    const price = Math.round(2557.17 * 1.0005 * 1e6) / 1e6;
    expect(r.bought).toEqual({ date: '2017-10-17', price, qty: Math.floor(((100_000 - 1) / price) * 1e6) / 1e6, commission: 1 });
    const qty = r.bought?.qty as number;
    const cash = 100_000 - qty * price - 1;
    expect(cash).toBeGreaterThanOrEqual(0);
    expect(cash).toBeLessThan(price * 1e-6 + 1e-9);
    expect(r.points).toEqual([
      { date: '2017-10-16', equity: 100_000 },
      { date: '2017-10-17', equity: Math.round((cash + qty * 2559.36) * 100) / 100 },
      { date: '2017-10-18', equity: Math.round((cash + qty * 2561.26) * 100) / 100 },
      { date: '2017-10-19', equity: Math.round((cash + qty * 2562.1) * 100) / 100 },
    ]);
    // The fill costs something: the first marked day is below a free buy at the open.
    expect(r.points[1]?.equity).toBeLessThan((100_000 / 2557.17) * 2559.36);
  });

  it('fills at the next close with broker.fill close, pays per share above the minimum, and waits for a day with a bar', () => {
    const gap = (d: string) => (d === '2017-10-17' ? null : bar(d));
    const r = buyAndHold(days, gap, close, 1_000_000, { slippageBps: 0, commissionPerShare: 0.01, commissionMin: 1 }, 'close');
    expect(r.bought?.date).toBe('2017-10-18');
    expect(r.bought?.price).toBe(2561.26);
    expect(r.bought?.commission).toBeCloseTo((r.bought?.qty as number) * 0.01, 4);
    expect(r.points[1]?.equity).toBe(1_000_000);
    expect(r.points[2]?.equity).toBeCloseTo(1_000_000 - (r.bought?.commission as number), 1);
  });

  it('no commission when the per-share rate is 0 (as the paper engine), and in cash when there is no second day', () => {
    expect(buyAndHold(days, bar, close, 10_000, { slippageBps: 0, commissionPerShare: 0, commissionMin: 5 }).bought?.commission).toBe(0);
    expect(buyAndHold(days.slice(0, 1), bar, close, 10_000, { slippageBps: 0, commissionPerShare: 0, commissionMin: 0 })).toEqual({ points: [{ date: '2017-10-16', equity: 10_000 }], bought: null });
  });
});

describe('performance metrics as the legend states them', () => {
  it('Sharpe: mean / sample std (n − 1) × √252, risk-free 0; drawdown a positive fraction; total return from the starting cash', () => {
    const r = [0.01, -0.005, 0.002, 0.004];
    const m = r.reduce((a, b) => a + b, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - m) ** 2, 0) / (r.length - 1));
    expect(sharpe(r)).toBeCloseTo((m / sd) * Math.sqrt(252), 12);
    expect(maxDrawdown([100, 110, 99, 120])).toBeCloseTo(0.1, 12);
    const s = summarize([{ date: 'a', equity: 100 }, { date: 'b', equity: 90 }, { date: 'c', equity: 105 }], 100);
    expect(s.total_return).toBeCloseTo(0.05, 12);
    expect(s.max_drawdown).toBeCloseTo(0.1, 12);
  });
});
