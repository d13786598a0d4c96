"""Time-series baselines under the protocol of ../shared/BENCHMARK.md: the bar a learned model must clear.

For each time-series data set of the manifest, every series is z-scored per feature on its
observed values; 10% of the observed points are hidden, at random ("points") and, separately, in
runs of 6 to 48 steps of one feature ("blocks"); each method fills them, and MAE, RMSE and MRE are
measured on the hidden points in z-scored units (impute.series_evaluation).

    OMP_NUM_THREADS=1 python benchmarks/timeseries.py --seeds 0 1 2
"""

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from impute.io import atomic_output
from impute.series_baselines import SeriesBaselineImputer
from impute.series_evaluation import PATTERNS, evaluate_series

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"
DEFAULT_OUT = Path(__file__).parent / "results" / "timeseries_baselines"
METHODS = {name: SeriesBaselineImputer(name) for name in ("linear", "locf", "mean")}


def load_series(data_dir, names):
    """Yield (name, frame, time column, id column) for the time-series data sets of the manifest."""
    manifest = json.loads((data_dir / "manifest.json").read_text())
    for entry in manifest:
        if entry["kind"] != "timeseries" or (names and entry["name"] not in names):
            continue
        frame = pd.read_csv(data_dir / entry["file"])
        time_columns = entry["time_columns"]
        if len(time_columns) > 1:  # year, month, day, hour: one timestamp
            frame.insert(0, "time", pd.to_datetime(frame[time_columns]))
            frame = frame.drop(columns=time_columns)
            time_column = "time"
        else:
            time_column = time_columns[0]
        yield entry["name"], frame, time_column, (entry["id_columns"] or [None])[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--datasets", nargs="*", default=[])
    parser.add_argument("--patterns", nargs="*", default=list(PATTERNS), choices=PATTERNS)
    parser.add_argument("--rate", type=float, default=0.1)
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="writes OUT.json and OUT.md")
    args = parser.parse_args()

    runs = []
    for name, frame, time_column, id_column in load_series(args.data, args.datasets):
        for pattern in args.patterns:
            for seed in args.seeds:
                for method, imputer in METHODS.items():
                    scores = evaluate_series(imputer, frame, time_column=time_column, id_column=id_column,
                                             pattern=pattern, rate=args.rate, seed=seed)
                    runs.append({"dataset": name, "pattern": pattern, "rate": args.rate, "seed": seed,
                                 "method": method, **scores})
                    print(f"{name:22s} {pattern:6s} seed {seed} {method:7s} mae {scores['mae']:.4f} "
                          f"rmse {scores['rmse']:.4f} mre {scores['mre']:.4f} {scores['seconds']:.1f}s",
                          file=sys.stderr, flush=True)
    results = pd.DataFrame(runs)
    seeds = ", ".join(map(str, args.seeds))
    lines = [f"Hidden: {args.rate:.0%} of observed points; z-scored units; mean over seeds {seeds}.", ""]
    for metric in ("mae", "rmse", "mre"):
        table = results.pivot_table(index=["dataset", "pattern"], columns="method", values=metric)[list(METHODS)]
        lines += [f"### {metric.upper()}", "", "| data set | pattern | " + " | ".join(METHODS) + " |",
                  "|---|---|" + "---|" * len(METHODS)]
        lines += [f"| {d} | {p} | " + " | ".join(f"{v:.4f}" for v in row) + " |" for (d, p), row in table.iterrows()]
        lines.append("")
    report = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for suffix, text in (("json", json.dumps(runs, indent=1)), ("md", report)):
        with atomic_output(args.out.with_name(f"{args.out.name}.{suffix}")) as handle:
            handle.write(text.encode())
    print(report)


if __name__ == "__main__":
    main()
