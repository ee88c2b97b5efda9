"""Parity oracle for src/domain/monitoring/drift: runs Evidently's DataDriftPreset on CSV pairs and prints JSON.

Usage: python evidently_drift.py JOB.json
JOB.json: {"cases": [{"name", "reference": "ref.csv", "current": "cur.csv",
                      "numerical": [...], "categorical": [...], "text": [...], "overrides": {"col": "psi"}}]}
Output (stdout): {"versions": {...}, "cases": {name: {"dataset_drift", "drift_share", "number_of_drifted_columns",
  "columns": {col: {"test", "score", "threshold", "drift"}}, "inferred": {col: "num"|"cat"|"text"|...}}}}
Column types are passed explicitly (DataDefinition) so that the comparison is about the tests, not about
type inference; Evidently's own inferred types are reported alongside for the inference checks.
"""
import json
import sys
import warnings

try:
    import pandas as pd
    import evidently
    from evidently import DataDefinition, Dataset, Report
    from evidently.core.datasets import infer_column_type
    from evidently.presets import DataDriftPreset
except Exception as exc:  # noqa: BLE001 - any import failure means the venv is not usable
    from venv_check import exit_not_importable

    exit_not_importable(exc)

# Evidently's display names (StatTest.display_name) -> registered names (StatTest.name).
TEST_NAMES = {
    "K-S p_value": "ks",
    "chi-square p_value": "chisquare",
    "Z-test p_value": "z",
    "Wasserstein distance (normed)": "wasserstein",
    "Jensen-Shannon distance": "jensenshannon",
    "PSI": "psi",
    "Percentile text content drift": "perc_text_content_drift",
    "Absolute text content drift": "abs_text_content_drift",
}


def read(path):
    # Default pandas parsing: numeric-looking columns become numbers (int64, or float64 when a cell is
    # missing), others strings -- the same split as the TypeScript CSV reader makes.
    return pd.read_csv(path, float_precision="round_trip")


def run_case(case):
    ref = read(case["reference"])
    cur = read(case["current"])
    definition = DataDefinition(
        numerical_columns=case["numerical"], categorical_columns=case["categorical"], text_columns=case.get("text") or None
    )
    preset = DataDriftPreset(per_column_method=case.get("overrides") or None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snapshot = Report([preset], include_tests=True).run(
            Dataset.from_pandas(cur, data_definition=definition),
            Dataset.from_pandas(ref, data_definition=definition),
        )
    result = snapshot.dict()
    columns = {}
    share = None
    count = None
    for metric in result["metrics"]:
        config = metric["config"]
        if config["type"] == "evidently:metric_v2:ValueDrift":
            columns[config["column"]] = {
                "test": TEST_NAMES.get(config["method"], config["method"]),
                "score": float(metric["value"]),
                "threshold": float(config["threshold"]),
            }
        elif config["type"] == "evidently:metric_v2:DriftedColumnsCount":
            share = float(metric["value"]["share"])
            count = int(metric["value"]["count"])
    dataset_drift = None
    for test in result["tests"]:
        params = test["metric_config"]["params"]
        if params["type"] == "evidently:metric_v2:ValueDrift":
            columns[params["column"]]["drift"] = test["status"] == "FAIL"
        elif params["type"] == "evidently:metric_v2:DriftedColumnsCount":
            dataset_drift = test["status"] == "FAIL"
    inferred = {c: infer_column_type(cur[c]).value for c in cur.columns}
    return {
        "dataset_drift": dataset_drift,
        "drift_share": share,
        "number_of_drifted_columns": count,
        "columns": columns,
        "inferred": inferred,
    }


def main():
    with open(sys.argv[1]) as fh:
        job = json.load(fh)
    out = {
        "versions": {"evidently": evidently.__version__, "pandas": pd.__version__},
        "cases": {case["name"]: run_case(case) for case in job["cases"]},
    }
    json.dump(out, sys.stdout, allow_nan=True)


if __name__ == "__main__":
    main()
