"""Times Evidently's text-content drift test on the bench's texts (one text column, REF.json vs CUR.json).

Usage: python bench_text_drift.py REF.json CUR.json  (each a JSON array of strings)
Prints one JSON line: {"seconds": <CPU time of calculate_text_drift_score>, "score": <ROC AUC>, "drift": <bool>}.
The test Evidently picks for the reference size: absolute (AUC > 0.55) above 1000 rows, else the percentile one.
"""
import json
import sys
import time
import warnings

import pandas as pd
from evidently.legacy.utils.data_drift_utils import calculate_text_drift_score

warnings.filterwarnings("ignore")
with open(sys.argv[1]) as f:
    ref = pd.Series(json.load(f))
with open(sys.argv[2]) as f:
    cur = pd.Series(json.load(f))
t0 = time.process_time()
if len(ref) > 1000:
    score, drift = calculate_text_drift_score(ref, cur, bootstrap=False, threshold=0.55)
else:
    score, drift = calculate_text_drift_score(ref, cur, bootstrap=True, p_value=0.05)
seconds = time.process_time() - t0
print(json.dumps({"seconds": seconds, "score": float(score), "drift": bool(drift)}))
