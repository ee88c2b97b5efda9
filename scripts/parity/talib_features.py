"""The default feature set (30 columns) computed with TA-Lib (C, PyPI `TA-Lib`) and numpy: the peer for the
features bench and a second reference for the indicator tests.

Usage:
  python talib_features.py compute BARS.csv OUT.csv
      BARS.csv: date,open,high,low,close,volume (one symbol). OUT.csv: date and the 30 columns, empty where
      TA-Lib has no value (its warm-up).
  python talib_features.py bench BARS.csv [REPEATS]
      BARS.csv: symbol,date,open,high,low,close,volume (many symbols, each ascending by date). Computes every
      symbol's columns REPEATS times (default 3) and prints one JSON line per repeat:
      {"bars": n, "cpu_seconds": s, "wall_seconds": s, "columns": 30, "talib": version} (CSV loading excluded).

The indicators are TA-Lib's own (RSI, EMA, SMA, MACD, BBANDS, ATR, STOCHF, OBV, STDDEV, ROCR); what TA-Lib has
no function for is numpy on TA-Lib's outputs: gaps to the close, z-scores, %B, calendar one-hots, lags.
"""
import json
import math
import sys
import time

import numpy as np
import pandas as pd
import talib

COLUMNS = [
    "rsi_14", "ema_12_gap", "ema_26_gap", "sma_10_gap", "sma_50_gap",
    "macd_12_26_9", "macd_signal_12_26_9", "macd_hist_12_26_9", "bb_pctb_20", "bb_width_20",
    "atr_14_pct", "stoch_k_14", "stoch_d_14_3", "obv_z_20", "ret_1", "ret_5", "ret_20", "vol_20",
    "volume_z_20", "dow_mon", "dow_tue", "dow_wed", "dow_thu", "dow_fri", "month",
    "ret_1_lag_1", "ret_1_lag_2", "ret_1_lag_3", "ret_1_lag_4", "ret_1_lag_5",
]

def zscore(x, p):
    """x as a z-score within its trailing p values (sample std); 0 in a flat window."""
    sd = talib.STDDEV(x, p, 1.0) * math.sqrt(p / (p - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (x - talib.SMA(x, p)) / sd
    return np.where(sd == 0, 0.0, z)


def lag(x, n):
    out = np.full_like(x, np.nan)
    out[n:] = x[:-n]
    return out


def features(dates, o, h, l, c, v):
    """The 30 columns for one symbol, in the project's order; NaN where undefined."""
    rsi = talib.RSI(c, 14)
    ema12 = c / talib.EMA(c, 12) - 1
    ema26 = c / talib.EMA(c, 26) - 1
    sma10 = c / talib.SMA(c, 10) - 1
    sma50 = c / talib.SMA(c, 50) - 1
    macd, signal, hist = talib.MACD(c, 12, 26, 9)
    upper, middle, lower = talib.BBANDS(c, 20, 2.0, 2.0, 0)
    width = upper - lower
    with np.errstate(divide="ignore", invalid="ignore"):
        pctb = np.where(width == 0, np.nan, (c - lower) / width)
        bbw = np.where(width == 0, np.nan, width / middle)
    atr = talib.ATR(h, l, c, 14) / c
    k, d = talib.STOCHF(h, l, c, 14, 3, 0)
    obv = zscore(talib.OBV(c, v), 20)
    r1 = talib.ROCR(c, 1) - 1
    r5 = talib.ROCR(c, 5) - 1
    r20 = talib.ROCR(c, 20) - 1
    lr = np.empty_like(c)
    lr[0] = np.nan
    lr[1:] = np.log(c[1:] / c[:-1])
    vol = talib.STDDEV(lr, 20, 1.0) * math.sqrt(20 / 19)  # TA-Lib's STDDEV is the population one
    volz = zscore(v, 20)
    days = dates.astype("datetime64[D]").astype(np.int64)
    dow = (days + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    months = (dates.astype("datetime64[M]").astype(np.int64) % 12 + 1).astype(np.float64)
    onehot = [(dow == i).astype(np.float64) for i in range(5)]
    lags = [lag(r1, n) for n in range(1, 6)]
    return [rsi, ema12, ema26, sma10, sma50, macd / c, signal / c, hist / c, pctb, bbw, atr, k, d, obv, r1, r5, r20, vol, volz,
            *onehot, months, *lags]


def arrays(frame):
    return (frame["date"].to_numpy(dtype="datetime64[D]"),) + tuple(frame[x].to_numpy(dtype=np.float64) for x in ("open", "high", "low", "close", "volume"))


def compute(src, dst):
    frame = pd.read_csv(src)
    cols = features(*arrays(frame))
    out = pd.DataFrame({"date": frame["date"], **dict(zip(COLUMNS, cols))})
    out.to_csv(dst, index=False, float_format="%.17g", na_rep="")


def bench(src, repeats):
    frame = pd.read_csv(src)
    symbols = [arrays(g) for _, g in frame.groupby("symbol", sort=False)]
    bars = sum(len(s[0]) for s in symbols)
    for _ in range(repeats):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for s in symbols:
            cols = features(*s)
            np.isfinite(np.column_stack(cols)).all(axis=1)  # the complete rows, as the matrix keeps them
        print(json.dumps({"bars": bars, "cpu_seconds": time.process_time() - cpu0, "wall_seconds": time.perf_counter() - wall0, "columns": len(cols), "talib": talib.__version__}), flush=True)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "compute":
        compute(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 3 and sys.argv[1] == "bench":
        bench(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3)
    else:
        sys.exit(__doc__)
