"""scikit-learn's MLPRegressor on the dense backend's workload: the peer for issue 18, target 4.

Usage: python bench_sklearn_mlp.py DATA.npy [--hidden 32,16] [--batch 128] [--epochs 25]
       [--lr 0.001] [--alpha 0.0128] [--activation relu] [--seed 0] [--threads N]

DATA.npy: a float64 matrix written by src/testing/tabular.ts (writeSplitNpy), one row per sample,
columns [is_validation, y, x0 ... x(d-1)]; the validation rows are the last 20 % of dates, exactly
the rows our trainer holds out. X is standardised with a StandardScaler fitted on the training rows
(our normaliser: population std on the training part only); y is left in its units.

L2: Keras/tfjs add l2 * sum(W^2) to the batch's mean squared error; scikit-learn adds
alpha / (2 * batch) * sum(W^2) to half the mean squared error, so alpha = l2 * batch gives the same
objective (scikit-learn also penalises the output layer, tfjs only the hidden kernels).

--threads caps the BLAS/OpenMP threads (threadpoolctl); default: the library's own choice.

Prints one JSON line: {"seconds_cpu": CPU seconds of fit() (all threads: process_time),
"val_mse": ..., "train_mse": ..., "epochs": ..., "threads": BLAS threads}.
"""
import argparse
import json
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits  # a scikit-learn dependency

parser = argparse.ArgumentParser()
parser.add_argument("data")
parser.add_argument("--hidden", default="32,16")
parser.add_argument("--batch", type=int, default=128)
parser.add_argument("--epochs", type=int, default=25)
parser.add_argument("--lr", type=float, default=0.001)
parser.add_argument("--alpha", type=float, default=0.0128)
parser.add_argument("--activation", default="relu")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--threads", type=int, default=0)
args = parser.parse_args()

m = np.load(args.data)
is_val = m[:, 0] == 1
y = m[:, 1]
X = m[:, 2:]
scaler = StandardScaler().fit(X[~is_val])
X_train, y_train = scaler.transform(X[~is_val]), y[~is_val]
X_val, y_val = scaler.transform(X[is_val]), y[is_val]

net = MLPRegressor(
    hidden_layer_sizes=tuple(int(h) for h in args.hidden.split(",")),
    activation=args.activation,
    solver="adam",
    alpha=args.alpha,
    batch_size=args.batch,
    learning_rate_init=args.lr,
    max_iter=args.epochs,
    shuffle=True,
    random_state=args.seed,
    # Exactly `epochs` passes: no early stopping, no convergence stop.
    early_stopping=False,
    tol=0.0,
    n_iter_no_change=args.epochs + 1,
)
warnings.filterwarnings("ignore", category=ConvergenceWarning)
with threadpool_limits(limits=args.threads if args.threads > 0 else None):
    threads = max((p.get("num_threads", 1) for p in threadpool_info() if p.get("user_api") == "blas"), default=1)
    c0 = time.process_time()
    net.fit(X_train, y_train)
    seconds_cpu = time.process_time() - c0

val_mse = float(np.mean((net.predict(X_val) - y_val) ** 2))
train_mse = float(np.mean((net.predict(X_train) - y_train) ** 2))
print(json.dumps({"seconds_cpu": seconds_cpu, "val_mse": val_mse, "train_mse": train_mse, "epochs": int(net.n_iter_), "train": int(len(y_train)), "validation": int(len(y_val)), "threads": threads}))
