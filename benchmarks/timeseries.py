"""Time-series imputers under the protocol of docs/benchmarks.md: our TimeSeriesImputer
(dynamic and static masking) against linear interpolation, LOCF and the mean.

For each time-series data set of the manifest, every series is z-scored per feature on its
observed values; 10% of the observed points are hidden, at random ("points") and, separately, in
runs of 6 to 48 steps of one feature ("blocks"); each method fills them, and MAE, RMSE and MRE are
measured on the hidden points in z-scored units (impute.evaluate_series). Every run is appended
to OUT.json as it ends, and a rerun skips the runs already there, so a long benchmark can be
stopped and resumed, or split over processes (--out per process, then --merge).

    OMP_NUM_THREADS=1 python benchmarks/timeseries.py --seeds 0 1 2
    python benchmarks/timeseries.py --merge results/a.json results/b.json --out results/timeseries
"""

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
from harness import add_data_options, add_set_option, manifest_entries
from sklearn.base import clone

from impute import SeriesBaselineImputer, TimeSeriesImputer
from impute.cli import TRAINED
from impute.evaluation import PATTERNS, evaluate_series
from impute.io import atomic_output

DEFAULT_OUT = Path(__file__).parent / "results" / "timeseries"
METHODS = {
    "dynamic": TimeSeriesImputer(masking="dynamic", random_state=0),
    "static": TimeSeriesImputer(masking="static", random_state=0),
    **{name: SeriesBaselineImputer(name) for name in ("linear", "locf", "mean")},
}


def load_series(data_dir, names):
    """Yield (name, frame, time column, id column) for the time-series data sets of the manifest."""
    for entry in manifest_entries(data_dir, "timeseries", names):
        frame = pd.read_csv(data_dir / entry["file"])
        time_columns = entry["time_columns"]
        if len(time_columns) > 1:  # year, month, day, hour: one timestamp
            frame.insert(0, "time", pd.to_datetime(frame[time_columns]))
            frame = frame.drop(columns=time_columns)
            time_column = "time"
        else:
            time_column = time_columns[0]
        yield entry["name"], frame, time_column, (entry["id_columns"] or [None])[0]


def load_holdout(names):
    """Yield series outside the development data: statsmodels' bundled US macro data (quarterly,
    1959-2009,
    12 indicators) when statsmodels is installed; it is not a dependency of impute."""
    if names and "us_macro" not in names:
        return
    try:
        from statsmodels.datasets import macrodata
    except ImportError:
        print("statsmodels is not installed; no holdout series", file=sys.stderr)
        return
    frame = macrodata.load_pandas().data
    frame.insert(
        0,
        "time",
        pd.PeriodIndex.from_fields(
            year=frame["year"].astype(int), quarter=frame["quarter"].astype(int), freq="Q"
        ).to_timestamp(),
    )
    yield "us_macro", frame.drop(columns=["year", "quarter"]), "time", None


def read_runs(path):
    return json.loads(path.read_text()) if path.exists() else []


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as handle:
        handle.write(text.encode())


def report(runs, methods):
    results = pd.DataFrame(runs)
    methods = [m for m in methods if m in set(results["method"])]
    seeds = ", ".join(map(str, sorted(results["seed"].unique())))
    rate = results["rate"].iloc[0]
    caption = (
        f"Hidden: {rate:.0%} of observed points; z-scored units; each cell is the mean over the "
        "seeds run "
        f"for it (seeds {seeds}; runs per cell at the end); lowest in bold."
    )
    lines = [caption, ""]
    for metric in ("mae", "rmse", "mre"):
        table = results.pivot_table(index=["dataset", "pattern"], columns="method", values=metric)[
            methods
        ]
        lines += [
            f"### {metric.upper()}",
            "",
            "| data set | pattern | " + " | ".join(methods) + " |",
            "|---|---|" + "---|" * len(methods),
        ]
        for (d, p), row in table.iterrows():
            best = row.min()
            cells = [
                "" if pd.isna(v) else (f"**{v:.4f}**" if v == best else f"{v:.4f}") for v in row
            ]
            lines.append(f"| {d} | {p} | " + " | ".join(cells) + " |")
        lines.append("")
    seconds = results.pivot_table(
        index=["dataset", "pattern"], columns="method", values="seconds", aggfunc="median"
    )
    lines += [
        "### Seconds (fit + fill, median)",
        "",
        "| data set | pattern | " + " | ".join(methods) + " |",
        "|---|---|" + "---|" * len(methods),
    ]
    lines += [
        f"| {d} | {p} | "
        + " | ".join(f"{row[m]:.1f}" if m in row and not pd.isna(row[m]) else "" for m in methods)
        + " |"
        for (d, p), row in seconds.iterrows()
    ]
    counts = results.groupby(["dataset", "pattern", "method"]).size().unstack()
    lines += [
        "",
        "Runs per cell: "
        + ", ".join(f"{d}/{p}: {int(c.min())}-{int(c.max())}" for (d, p), c in counts.iterrows()),
    ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_data_options(parser)
    parser.add_argument(
        "--holdout", action="store_true", help="run the series outside the development data instead"
    )
    parser.add_argument("--methods", nargs="*", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--patterns", nargs="*", default=list(PATTERNS), choices=PATTERNS)
    parser.add_argument(
        "--first-series",
        type=int,
        metavar="N",
        help="keep only the first N series (ids in sorted order) of each data set with an id "
        "column, "
        "so that the same training steps make more passes over the data",
    )
    parser.add_argument("--rate", type=float, default=0.1)
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument(
        "--merge", nargs="*", type=Path, help="run nothing: merge these JSON files into OUT"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="writes OUT.json and OUT.md")
    add_set_option(parser, "TimeSeriesImputer", "n_layers=1")
    args = parser.parse_args()
    params = dict(args.set)
    methods = {
        name: clone(m).set_params(**params) if name in TRAINED else m for name, m in METHODS.items()
    }
    out_json = args.out.with_name(f"{args.out.name}.json")

    if args.merge:
        runs = [run for path in args.merge for run in read_runs(path)]
    else:
        runs = read_runs(out_json)
        if any(r.get("params", {}) != params for r in runs if r["method"] in TRAINED):
            parser.error(f"{out_json} holds runs with other --set parameters; choose another --out")
        done = {(r["dataset"], r["pattern"], r["seed"], r["method"]) for r in runs}
        sources = (
            load_holdout(args.datasets) if args.holdout else load_series(args.data, args.datasets)
        )
        for name, frame, time_column, id_column in sources:
            if args.first_series and id_column:
                kept = sorted(frame[id_column].unique())[: args.first_series]
                frame = frame[frame[id_column].isin(kept)].reset_index(drop=True)
            for pattern in args.patterns:
                for seed in args.seeds:
                    for method in args.methods:
                        if (name, pattern, seed, method) in done:
                            continue
                        scores = evaluate_series(
                            methods[method],
                            frame,
                            time_column=time_column,
                            id_column=id_column,
                            pattern=pattern,
                            rate=args.rate,
                            seed=seed,
                        )
                        runs.append(
                            {
                                "dataset": name,
                                "pattern": pattern,
                                "rate": args.rate,
                                "seed": seed,
                                "method": method,
                                "params": params if method in TRAINED else {},
                                **scores,
                            }
                        )
                        write(out_json, json.dumps(runs, indent=1))
                        print(
                            f"{name:22s} {pattern:6s} seed {seed} {method:7s} mae "
                            f"{scores['mae']:.4f} "
                            f"rmse {scores['rmse']:.4f} mre {scores['mre']:.4f} "
                            f"{scores['seconds']:.1f}s",
                            file=sys.stderr,
                            flush=True,
                        )
    write(out_json, json.dumps(runs, indent=1))
    text = report(runs, list(METHODS))
    write(args.out.with_name(f"{args.out.name}.md"), text)
    print(text)


if __name__ == "__main__":
    main()
