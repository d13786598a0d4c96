"""What the benchmark scripts share: the data sets of docs/benchmarks.md (``--data``,
``--datasets``, their manifest, and their numeric tables as the protocol scales them) and
``--set PARAM=VALUE``, which runs the package's imputers
with some parameters changed from their defaults, without editing the package."""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from impute.cli import parse_params
from impute.evaluation import minmax_scale

DEFAULT_DATA = Path(__file__).resolve().parent / "data"  # the data sets of docs/benchmarks.md


def add_data_options(parser):
    """Add ``--data`` (a folder of the data sets and their manifest) and ``--datasets`` (names
    to keep; none: all)."""
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="a folder of the data sets and their manifest.json (docs/benchmarks.md#data-sets)",
    )
    parser.add_argument("--datasets", nargs="*", default=[])


def manifest_entries(data_dir, kind, names):
    """The manifest's entries of ``kind`` (``"tabular"`` or ``"timeseries"``), in its order,
    only those in ``names`` when any are given."""
    manifest = json.loads((data_dir / "manifest.json").read_text())
    return [
        entry
        for entry in manifest
        if entry["kind"] == kind and (not names or entry["name"] in names)
    ]


def load_numeric_tables(data_dir, names, max_rows):
    """Yield (name, scaled numeric matrix) for the tabular data sets of the manifest: numeric
    columns but the target, at most ``max_rows`` rows drawn with seed 0, min-max scaled."""
    for entry in manifest_entries(data_dir, "tabular", names):
        columns = [c for c in entry["numeric_cols"] if c != entry["target"]]
        frame = pd.read_csv(data_dir / entry["file"], usecols=columns)
        if len(frame) > max_rows:
            frame = frame.sample(n=max_rows, random_state=0)
        yield entry["name"], minmax_scale(frame[columns].to_numpy(dtype=np.float64))


def add_set_option(parser, estimator, example):
    """Add ``--set``; ``dict(args.set)`` is then the parameters, values read as by the command
    line's ``--param`` (``impute.cli.parse_params``)."""
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        type=_parameter,
        metavar="PARAM=VALUE",
        help=f"{estimator} parameters to change from the defaults in the model runs, values as "
        "JSON "
        f"or text (e.g. --set {example}); for measuring levers",
    )


def _parameter(text):
    (pair,) = parse_params([text]).items()
    return pair
