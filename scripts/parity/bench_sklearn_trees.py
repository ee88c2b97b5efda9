"""scikit-learn's tree ensembles on the tree backends' bench data: the peers of `forest` and `gbdt`.

Usage: python bench_sklearn_trees.py DATA.npy [--threads N]

DATA.npy: as for bench_sklearn_mlp.py (columns [is_validation, y, x0 ... x(d-1)]). The parameters are
our backends' defaults: RandomForestRegressor(100 trees, max_depth 8, min_samples_leaf 20,
max_features 1/3, bootstrap) and HistGradientBoostingRegressor(100 iterations, learning rate 0.1,
max_depth 6 with no leaf-count cap (depth-wise like ours), min_samples_leaf 20, l2 1, 255 bins, no early
stopping).

Prints one JSON line: {"forest": {"seconds_cpu", "val_r2"}, "gbdt": {"seconds_cpu", "val_r2"}, "threads"}
(CPU seconds of fit() over all threads: time.process_time).
"""
import argparse
import json
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.metrics import r2_score
from threadpoolctl import threadpool_limits  # a scikit-learn dependency

parser = argparse.ArgumentParser()
parser.add_argument("data")
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()

m = np.load(args.data)
is_val = m[:, 0] == 1
X_train, y_train = m[~is_val, 2:], m[~is_val, 1]
X_val, y_val = m[is_val, 2:], m[is_val, 1]

models = {
    "forest": RandomForestRegressor(n_estimators=100, max_depth=8, min_samples_leaf=20, max_features=1 / 3, n_jobs=args.threads, random_state=0),
    "gbdt": HistGradientBoostingRegressor(max_iter=100, learning_rate=0.1, max_depth=6, max_leaf_nodes=None, min_samples_leaf=20, l2_regularization=1.0, max_bins=255, early_stopping=False, random_state=0),
}
out = {"threads": args.threads}
with threadpool_limits(limits=args.threads):
    for name, model in models.items():
        c0 = time.process_time()
        model.fit(X_train, y_train)
        seconds = time.process_time() - c0
        out[name] = {"seconds_cpu": seconds, "val_r2": float(r2_score(y_val, model.predict(X_val)))}
print(json.dumps(out))
