"""Parity oracle for src/domain/monitoring/metrics: Evidently 0.7 regression and classification metrics plus sklearn.

Usage: python evidently_metrics.py JOB.json
JOB.json: {"regression": [{"name", "csv"}], "classification": [{"name", "csv"}]}
  regression CSVs have columns target,prediction; classification CSVs target (0/1),probability.
Output (stdout): {"regression": {name: {"evidently": {me, mae, rmse, mape, r2}, "sklearn": {...}}},
                  "classification": {name: {"evidently": {...}, "sklearn": {...}}}}
"""
import json
import sys
import warnings

try:
    import numpy as np
    import pandas as pd
    import evidently
    from evidently import BinaryClassification, DataDefinition, Dataset, Regression, Report
    from evidently.metrics import MAE, MAPE, RMSE, Accuracy, F1Score, LogLoss, MeanError, Precision, R2Score, Recall, RocAuc
    from sklearn import metrics as skm
except Exception as exc:  # noqa: BLE001 - any import failure means the venv is not usable
    from venv_check import exit_not_importable

    exit_not_importable(exc)


def values(snapshot):
    out = {}
    for metric in snapshot.dict()["metrics"]:
        value = metric["value"]
        out[metric["config"]["type"].split(":")[-1]] = value["mean"] if isinstance(value, dict) else value
    return out


def regression(path):
    df = pd.read_csv(path, float_precision="round_trip")
    definition = DataDefinition(
        regression=[Regression(target="target", prediction="prediction")],
        numerical_columns=["target", "prediction"],
    )
    v = values(Report([MeanError(), MAE(), RMSE(), MAPE(), R2Score()]).run(Dataset.from_pandas(df, data_definition=definition), None))
    y, p = df["target"], df["prediction"]
    return {
        "evidently": {"me": v["MeanError"], "mae": v["MAE"], "rmse": v["RMSE"], "mape": v["MAPE"], "r2": v["R2Score"]},
        "sklearn": {
            "mae": skm.mean_absolute_error(y, p),
            "rmse": skm.root_mean_squared_error(y, p),
            "r2": skm.r2_score(y, p),
        },
    }


def classification(path):
    df = pd.read_csv(path, float_precision="round_trip")
    definition = DataDefinition(
        classification=[BinaryClassification(target="target", prediction_probas="probability", pos_label=1)],
        numerical_columns=["probability"],
        categorical_columns=["target"],
    )
    metrics = [Accuracy(), Precision(), Recall(), F1Score(), RocAuc(), LogLoss()]
    v = values(Report(metrics).run(Dataset.from_pandas(df, data_definition=definition), None))
    y, prob = df["target"].to_numpy(), df["probability"].to_numpy()
    pred = (prob >= 0.5).astype(int)
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    return {
        "evidently": {
            "accuracy": v["Accuracy"], "precision": v["Precision"], "recall": v["Recall"],
            "f1": v["F1Score"], "roc_auc": v["RocAuc"], "log_loss": v["LogLoss"],
        },
        "sklearn": {
            "accuracy": skm.accuracy_score(y, pred),
            "precision": skm.precision_score(y, pred, zero_division=0),
            "recall": skm.recall_score(y, pred, zero_division=0),
            "f1": skm.f1_score(y, pred, zero_division=0),
            "roc_auc": skm.roc_auc_score(y, prob),
            "log_loss": skm.log_loss(y, prob, labels=[0, 1]),
            "tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn),
        },
    }


def main():
    with open(sys.argv[1]) as fh:
        job = json.load(fh)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = {
            "versions": {"evidently": evidently.__version__},
            "regression": {c["name"]: regression(c["csv"]) for c in job.get("regression", [])},
            "classification": {c["name"]: classification(c["csv"]) for c in job.get("classification", [])},
        }
    json.dump(out, sys.stdout, default=float)


if __name__ == "__main__":
    main()
