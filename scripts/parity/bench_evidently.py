"""Times Evidently on the bench's data: DataDriftPreset + RegressionPreset on REF.csv vs CUR.csv.

Usage: python bench_evidently.py REF.csv CUR.csv  (columns f0..fN, plus target and prediction)
Prints one JSON line: {"seconds": <wall time of Report.run, CSV loading excluded>, "drifted": <n>}.
"""
import json
import sys
import time
import warnings

import pandas as pd
from evidently import DataDefinition, Dataset, Regression, Report
from evidently.presets import DataDriftPreset, RegressionPreset

warnings.filterwarnings("ignore")
ref = pd.read_csv(sys.argv[1])
cur = pd.read_csv(sys.argv[2])
features = [c for c in ref.columns if c.startswith("f")]
definition = DataDefinition(numerical_columns=features + ["target", "prediction"], regression=[Regression(target="target", prediction="prediction")])
t0 = time.perf_counter()
snapshot = Report([DataDriftPreset(columns=features), RegressionPreset()]).run(Dataset.from_pandas(cur, data_definition=definition), Dataset.from_pandas(ref, data_definition=definition))
result = snapshot.dict()
seconds = time.perf_counter() - t0
drifted = 0
for m in result.get("metrics", []):
    if str(m.get("metric_name", "")).startswith("DriftedColumnsCount"):
        drifted = int(m["value"]["count"])
print(json.dumps({"seconds": seconds, "drifted": drifted}))
