import { describe, expect, it } from 'vitest';
import { compareSeries, fromColumn, type Series } from '../../../testing/indicator-reference.ts';
import { seededRandom } from '../../models/rng.ts';
import { RollingWindow, rollingSampleStd, rollingZScore, windowExtremes, windowMeans } from './window.ts';

/** Each window afresh; undefined while the window holds a non-finite value or is short. */
function exact(x: readonly number[], p: number, stat: (w: number[]) => number): Series {
  return x.map((_, t) => {
    if (t < p - 1) return null;
    const w = x.slice(t - p + 1, t + 1);
    return w.every(Number.isFinite) ? stat(w) : null;
  });
}

/** Neumaier's compensated sum: the reference must be more accurate than what it checks. */
function sum(xs: readonly number[]): number {
  let s = 0;
  let c = 0;
  for (const x of xs) {
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
  }
  return s + c;
}
/**
 * Two passes over the differences from the window's first value (exact for nearby values, and never
 * rounded back to the level's resolution), with compensated sums.
 */
const deviations = (w: number[]) => {
  const d = w.map((v) => v - (w[0] as number));
  const dm = sum(d) / w.length;
  return d.map((v) => v - dm);
};
const mean = (w: number[]) => (w[0] as number) + sum(w.map((v) => v - (w[0] as number))) / w.length;
const sampleStd = (w: number[]) => Math.sqrt(sum(deviations(w).map((v) => v * v)) / (w.length - 1));
const z = (w: number[]) => {
  const sd = sampleStd(w);
  return sd === 0 ? 0 : (deviations(w)[w.length - 1] as number) / sd;
};

/**
 * 50,000 values: a random walk at 1e9 (an OBV-like level far from its spread), a calm stretch after a wild
 * one (variance down 1e6×), flat stretches (one at a value whose mean of equal values rounds off it), and
 * NaN / Infinity holes.
 */
function hardSeries(): number[] {
  const rand = seededRandom(11);
  const x: number[] = [];
  let level = 1e9;
  for (let i = 0; i < 50_000; i++) {
    const scale = i < 20_000 ? 1e6 : 1;
    level += (rand() - 0.5) * scale;
    if (i >= 30_000 && i < 30_100) x.push(17.17);
    else if (i >= 31_000 && i < 31_050) x.push(5000);
    else if (i % 7919 === 0) x.push(i % 2 ? NaN : Infinity);
    else x.push(level);
  }
  return x;
}

describe('RollingWindow and the window kernels', () => {
  const x = hardSeries();
  const col = Float64Array.from(x);

  it.each([2, 20, 63])('mean, sample std and z-score over windows of %i stay within 1e-9 of each window summed afresh (compensated)', (p) => {
    for (const [got, want] of [
      [fromColumn(windowMeans(col, p)), exact(x, p, mean)],
      [fromColumn(rollingSampleStd(col, p)), exact(x, p, sampleStd)],
      [fromColumn(rollingZScore(col, p)), exact(x, p, z)],
    ] as const) {
      const r = compareSeries(got, want, 1e-3);
      expect(r.warmupDiffers).toEqual([]);
      expect(r.maxRel).toBeLessThan(1e-9);
    }
  });

  it('a window of equal values is flat exactly: spread 0, z-score 0 (17.17 × 20 summed and divided by 20 is not 17.17)', () => {
    const sd = rollingSampleStd(col, 20);
    const zs = rollingZScore(col, 20);
    for (const t of [30_019, 30_050, 30_099, 31_019, 31_049]) {
      expect(sd[t]).toBe(0);
      expect(zs[t]).toBe(0);
    }
  });

  it('the streaming window and the batch kernels agree bit for bit', () => {
    const w = new RollingWindow(20);
    const zs = rollingZScore(col, 20);
    const sds = rollingSampleStd(col, 20);
    const differ: number[] = [];
    x.forEach((v, t) => {
      w.push(v);
      const want = w.full ? [w.zScore(v), w.sampleStd()] : [NaN, NaN];
      if (!Object.is(want[0], zs[t]) || !Object.is(want[1], sds[t])) differ.push(t);
    });
    expect(differ).toEqual([]);
  });

  it.each([1, 3, 14, 50])('highest and lowest of windows of %i equal a scan of each window', (p) => {
    const rand = seededRandom(p);
    const high = Float64Array.from({ length: 1000 }, () => rand() * 100);
    const low = high.map((h) => h - rand() * 5);
    const { highest, lowest } = windowExtremes(high, low, p);
    const hs = exact([...high], p, (w) => Math.max(...w));
    const ls = exact([...low], p, (w) => Math.min(...w));
    expect(fromColumn(highest)).toEqual(hs);
    expect(fromColumn(lowest)).toEqual(ls);
  });
});
