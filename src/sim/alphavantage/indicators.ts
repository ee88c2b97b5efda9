/**
 * Standard indicator definitions for the emulator, over an ascending series. Each returns an array
 * aligned with the input (`null` during warm-up), so dates line up by index without guesswork.
 *
 * - SMA: mean of the last n values.
 * - EMA: seeded with the SMA of the first n values, then α = 2 / (n + 1).
 * - RSI: Wilder's — first averages are plain means of the first n gains/losses, then
 *   avg = (prev·(n − 1) + x) / n; RSI = 100 − 100 / (1 + avgGain / avgLoss). Full precision.
 * - MACD: EMA(fast) − EMA(slow); signal = EMA(signal) of MACD from the first MACD value; hist = MACD − signal.
 * - BBANDS: middle = SMA(n) (matype 0), bands = middle ± k·σ with the population σ of the window.
 */
export type Series = (number | null)[];

export function sma(values: readonly number[], n: number): Series {
  const out: Series = new Array<number | null>(values.length).fill(null);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i] as number;
    if (i >= n) sum -= values[i - n] as number;
    if (i >= n - 1) out[i] = sum / n;
  }
  return out;
}

export function ema(values: readonly number[], n: number): Series {
  const out: Series = new Array<number | null>(values.length).fill(null);
  if (values.length < n) return out;
  const k = 2 / (n + 1);
  let prev = 0;
  for (let i = 0; i < n; i++) prev += values[i] as number;
  prev /= n;
  out[n - 1] = prev;
  for (let i = n; i < values.length; i++) {
    prev = (values[i] as number) * k + prev * (1 - k);
    out[i] = prev;
  }
  return out;
}

export function rsi(values: readonly number[], n: number): Series {
  const out: Series = new Array<number | null>(values.length).fill(null);
  if (values.length <= n) return out;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= n; i++) {
    const ch = (values[i] as number) - (values[i - 1] as number);
    if (ch > 0) gain += ch;
    else loss -= ch;
  }
  gain /= n;
  loss /= n;
  const value = (): number => (loss === 0 ? (gain === 0 ? 50 : 100) : 100 - 100 / (1 + gain / loss));
  out[n] = value();
  for (let i = n + 1; i < values.length; i++) {
    const ch = (values[i] as number) - (values[i - 1] as number);
    gain = (gain * (n - 1) + Math.max(ch, 0)) / n;
    loss = (loss * (n - 1) + Math.max(-ch, 0)) / n;
    out[i] = value();
  }
  return out;
}

export interface MacdRow {
  MACD: number;
  MACD_Signal: number;
  MACD_Hist: number;
}

export function macd(values: readonly number[], fast: number, slow: number, signal: number): (MacdRow | null)[] {
  const f = ema(values, fast);
  const s = ema(values, slow);
  const start = Math.max(fast, slow) - 1;
  const line: number[] = [];
  for (let i = start; i < values.length; i++) line.push((f[i] as number) - (s[i] as number));
  const sig = ema(line, signal);
  const out: (MacdRow | null)[] = new Array<MacdRow | null>(values.length).fill(null);
  for (let j = 0; j < line.length; j++) {
    const sv = sig[j];
    if (sv === null || sv === undefined) continue;
    const m = line[j] as number;
    out[start + j] = { MACD: m, MACD_Signal: sv, MACD_Hist: m - sv };
  }
  return out;
}

export interface BbandsRow {
  'Real Upper Band': number;
  'Real Middle Band': number;
  'Real Lower Band': number;
}

export function bbands(values: readonly number[], n: number, up: number, dn: number): (BbandsRow | null)[] {
  const mid = sma(values, n);
  const out: (BbandsRow | null)[] = new Array<BbandsRow | null>(values.length).fill(null);
  for (let i = n - 1; i < values.length; i++) {
    const m = mid[i] as number;
    let ss = 0;
    for (let j = i - n + 1; j <= i; j++) ss += ((values[j] as number) - m) ** 2;
    const sd = Math.sqrt(ss / n);
    out[i] = { 'Real Upper Band': m + up * sd, 'Real Middle Band': m, 'Real Lower Band': m - dn * sd };
  }
  return out;
}
