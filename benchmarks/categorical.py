"""Categorical accuracy, and what modelling categorical columns does to numeric accuracy.

For each tabular data set with categorical columns (target dropped, identifier-like columns such
as baseball's player id dropped, at most --max-rows rows drawn with seed 0), following
docs/benchmarks.md: numeric columns are min-max scaled and hidden
under each mechanism, categorical cells hidden MCAR at the same rate. Three runs see the same
hidden cells:

- mode: MeanImputer (mean for numbers, most frequent category for categories), the baseline;
- dynamic: TransformerImputer on the whole table, categories included;
- dynamic, numeric only: TransformerImputer on the numeric columns alone.

Prints accuracy on the hidden categorical cells and RMSE on the hidden numeric cells, and writes
every run to --out.

    OMP_NUM_THREADS=2 python benchmarks/categorical.py --mechanisms MCAR MAR --seeds 0 1 2
"""

import argparse
import sys
from pathlib import Path

import pandas as pd
from harness import add_data_options, add_set_option, manifest_entries

from impute import MeanImputer, TransformerImputer
from impute.core import frame_column_kind as column_kind
from impute.evaluation import evaluate_frame
from impute.io import atomic_output

METHODS = ("mode", "dynamic", "dynamic, numeric only")


def load_tables(data_dir, names, max_rows):
    """Yield (name, frame, numeric column names) for tabular data sets with categorical columns."""
    for entry in manifest_entries(data_dir, "tabular", names):
        categorical = [c for c in entry["categorical_cols"] if c != entry["target"]]
        if not categorical:
            continue
        numeric = [c for c in entry["numeric_cols"] if c != entry["target"]]
        frame = pd.read_csv(data_dir / entry["file"], usecols=numeric + categorical)[
            numeric + categorical
        ]
        if len(frame) > max_rows:
            frame = frame.sample(n=max_rows, random_state=0).reset_index(drop=True)
        frame[categorical] = (
            frame[categorical].astype(object).where(frame[categorical].notna(), None)
        )
        identifiers = [c for c in categorical if column_kind(frame[c]) == "identifier"]
        if identifiers:
            print(
                f"{entry['name']}: {identifiers} look like identifiers (passed through, not "
                "scored)",
                file=sys.stderr,
            )
        yield entry["name"], frame.drop(columns=identifiers), numeric


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_data_options(parser)
    parser.add_argument("--mechanisms", nargs="*", default=["MCAR", "MAR"])
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--max-rows", type=int, default=2000)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "categorical.csv"
    )
    parser.add_argument(
        "--append", action="store_true", help="add to --out instead of replacing it"
    )
    parser.add_argument(
        "--methods",
        nargs="*",
        choices=METHODS,
        default=list(METHODS),
        help="for measuring a lever that changes only one of them",
    )
    add_set_option(parser, "TransformerImputer", "max_epochs=600")
    args = parser.parse_args()
    params = dict(args.set)

    rows = []
    for name, frame, numeric in load_tables(args.data, args.datasets, args.max_rows):
        for mechanism in args.mechanisms:
            for seed in args.seeds:
                runs = {
                    "mode": (MeanImputer(), frame),
                    "dynamic": (TransformerImputer(random_state=0, **params), frame),
                    "dynamic, numeric only": (
                        TransformerImputer(random_state=0, **params),
                        frame[numeric],
                    ),
                }
                for method in args.methods:
                    imputer, table = runs[method]
                    scores = evaluate_frame(imputer, table, mechanism, args.rate, seed)
                    scores.pop("columns")
                    rows.append(
                        {
                            "dataset": name,
                            "mechanism": mechanism,
                            "seed": seed,
                            "method": method,
                            **scores,
                        }
                    )
                    accuracy = (
                        "" if scores["accuracy"] is None else f"accuracy {scores['accuracy']:.4f} "
                    )
                    print(
                        f"{name:20s} {mechanism} seed {seed} {method:22s} {accuracy}rmse "
                        f"{scores['rmse']:.4f} "
                        f"{scores['seconds']:.1f}s",
                        file=sys.stderr,
                        flush=True,
                    )
    results = pd.DataFrame(rows)
    if args.append and args.out.exists():
        earlier = pd.read_csv(args.out)
        results = pd.concat(
            [earlier[~earlier["dataset"].isin(results["dataset"])], results], ignore_index=True
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(args.out) as handle:
        handle.write(results.to_csv(index=False).encode())
    for metric in ("accuracy", "rmse"):
        table = (
            results.groupby(["mechanism", "dataset", "method"])[metric]
            .mean()
            .unstack()
            .dropna(axis=1, how="all")
        )
        print(f"\n{metric} at rate {args.rate}, mean over seeds {args.seeds}")
        print(table.round(4).to_string())


if __name__ == "__main__":
    main()
