"""Imputation accuracy under the protocol of ../shared/BENCHMARK.md.

For each tabular data set (numeric columns, target dropped, at most --max-rows rows drawn with seed
0), the columns are min-max scaled on their observed values, observed cells are hidden under each
mechanism, rate and seed, and each method fills them. RMSE and MAE are measured on the hidden
cells in the scaled space, with the wall time of fit plus transform.

Prints a table of mean RMSE per data set and method, and writes every measurement to --out.

    OMP_NUM_THREADS=2 python benchmarks/accuracy.py --mechanisms MCAR --rates 0.3 --seeds 0 1 2
"""

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer

from impute import MeanImputer, TransformerImputer
from impute.evaluation import evaluate, minmax_scale

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"

METHODS = {
    "mean": lambda **_: MeanImputer(),
    "dynamic": lambda **params: TransformerImputer(masking="dynamic", random_state=0, **params),
    "static": lambda **params: TransformerImputer(masking="static", random_state=0, **params),
    "knn": lambda **_: KNNImputer(n_neighbors=5),
    "mice": lambda **_: IterativeImputer(max_iter=10, random_state=0),
    "missforest": lambda **_: IterativeImputer(
        RandomForestRegressor(n_estimators=100, n_jobs=1, random_state=0), max_iter=10, random_state=0
    ),
}


def load_tables(data_dir, names, max_rows):
    """Yield (name, scaled numeric matrix) for the tabular data sets of the manifest."""
    manifest = json.loads((data_dir / "manifest.json").read_text())
    for entry in manifest:
        if entry["kind"] != "tabular" or (names and entry["name"] not in names):
            continue
        columns = [c for c in entry["numeric_cols"] if c != entry["target"]]
        frame = pd.read_csv(data_dir / entry["file"], usecols=columns)
        if len(frame) > max_rows:
            frame = frame.sample(n=max_rows, random_state=0)
        yield entry["name"], minmax_scale(frame[columns].to_numpy(dtype=np.float64))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--datasets", nargs="*", default=[])
    parser.add_argument("--methods", nargs="*", default=["mean", "dynamic", "static"], choices=sorted(METHODS))
    parser.add_argument("--mechanisms", nargs="*", default=["MCAR", "MAR", "MNAR"])
    parser.add_argument("--rates", nargs="*", type=float, default=[0.3])
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--max-rows", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "accuracy.csv")
    parser.add_argument("--set", nargs="*", default=[], metavar="PARAM=VALUE",
                        help="TransformerImputer parameters to change from the defaults, values as JSON "
                             "(e.g. --set max_epochs=300 learning_rate=3e-4); for measuring levers")
    args = parser.parse_args()
    params = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.set)}

    rows = []
    for name, X in load_tables(args.data, args.datasets, args.max_rows):
        for mechanism in args.mechanisms:
            for rate in args.rates:
                for seed in args.seeds:
                    for method in args.methods:
                        scores = evaluate(METHODS[method](**params), X, mechanism, rate, seed)
                        rows.append({"dataset": name, "mechanism": mechanism, "rate": rate, "seed": seed,
                                     "method": method, **scores})
                        print(f"{name:20s} {mechanism} {rate} seed {seed} {method:18s} "
                              f"rmse {scores['rmse']:.4f} mae {scores['mae']:.4f} {scores['seconds']:.1f}s",
                              file=sys.stderr, flush=True)
    results = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_suffix(".tmp")
    results.to_csv(partial, index=False)
    os.replace(partial, args.out)

    for (mechanism, rate), group in results.groupby(["mechanism", "rate"]):
        table = group.groupby(["dataset", "method"])["rmse"].mean().unstack()[args.methods]
        table.loc["mean"] = table.mean()
        seconds = group.groupby("method")["seconds"].median()[args.methods]
        print(f"\n{mechanism} {rate}: RMSE (mean over seeds {args.seeds}), min-max scaled units")
        print(table.round(4).to_string())
        print("median seconds (fit + transform): " + ", ".join(f"{m} {s:.1f}" for m, s in seconds.items()))


if __name__ == "__main__":
    main()
