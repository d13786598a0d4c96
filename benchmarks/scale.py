"""How fit time grows with rows and with columns, and what the fills are worth (docs/benchmarks.md).

The protocol's generated table: four latent normals z, x = z W1 + sin(z W2) + 0.3 e (W1, W2
normal, e standard normal noise), 30% of cells hidden at random. Each configuration fits the
default TransformerImputer on a table of ROWS x COLUMNS, then fills 2,000 fresh rows of the same
generator with 30% hidden, and reports fit seconds, fill rows per second, and RMSE on the fresh
rows' hidden cells in min-max scaled units (scaled by the training table's observed range).
With ``--draws N`` it also times N draws (``sample``) of the fresh rows and their share of the
fit (issue 35's cost target: 20 draws at most a tenth of the fit on a 2,000-row table).

    OMP_NUM_THREADS=2 python benchmarks/scale.py                        # 20,000 and 1,000,000 rows
    OMP_NUM_THREADS=2 python benchmarks/scale.py --configs 2000x20 2000x200
    OMP_NUM_THREADS=2 python benchmarks/scale.py --set budget=thorough   # any parameter
    OMP_NUM_THREADS=2 python benchmarks/scale.py --configs 2000x20 2000x200 --draws 20

Runs only public API, so the same script measures an earlier commit installed in a venv of its
own; a ratio is only worth quoting between runs made side by side on the same machine.
"""

import argparse
import gc
import itertools
import json
import time

import numpy as np
import torch

from impute import TransformerImputer

LATENT = 4
HIDDEN = 0.3
FRESH_ROWS = 2_000


def generate(n_rows, n_columns, seed):
    """Rows of the generated table: one generator per ``n_columns``, rows drawn with ``seed``."""
    weights = np.random.default_rng(n_columns)
    w1, w2 = weights.normal(size=(2, LATENT, n_columns))
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n_rows, LATENT))
    return z @ w1 + np.sin(z @ w2) + 0.3 * rng.normal(size=(n_rows, n_columns))


def with_gaps(X, seed):
    hidden = np.random.default_rng(seed).random(X.shape) < HIDDEN
    return np.where(hidden, np.nan, X), hidden


def run(n_rows, n_columns, params, n_draws=0):
    train, _ = with_gaps(generate(n_rows, n_columns, seed=0), seed=1)
    truth = generate(FRESH_ROWS, n_columns, seed=2)
    fresh, hidden = with_gaps(truth, seed=3)
    gc.collect()  # so that a collection of earlier garbage does not land in what is timed
    start = time.perf_counter()
    imputer = TransformerImputer(random_state=0, **params).fit(train)
    fit_seconds = time.perf_counter() - start
    gc.collect()
    start = time.perf_counter()
    filled = imputer.transform(fresh)
    fill_seconds = time.perf_counter() - start
    low, high = np.nanmin(train, axis=0), np.nanmax(train, axis=0)
    errors = (filled - truth) / (high - low)
    result = {
        "rows": n_rows,
        "columns": n_columns,
        "params": params,
        "fit_seconds": round(fit_seconds, 2),
        "fill_rows_per_second": round(FRESH_ROWS / fill_seconds),
        "epochs": imputer.n_epochs_,
        "rmse": round(float(np.sqrt(np.mean(errors[hidden] ** 2))), 5),
    }
    if n_draws:
        gc.collect()
        start = time.perf_counter()
        imputer.sample(fresh, n_draws=n_draws, random_state=0)
        draw_seconds = time.perf_counter() - start
        result.update(
            draws=n_draws,
            draw_seconds=round(draw_seconds, 2),
            draws_share_of_fit=round(draw_seconds / fit_seconds, 3),
        )
    return result


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--configs", nargs="*", default=["20000x20", "1000000x20"], metavar="ROWSxCOLUMNS"
    )
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="PARAM=VALUE",
        help="TransformerImputer parameters, values read as by the command line's --param",
    )
    parser.add_argument(
        "--draws", type=int, default=0, metavar="N", help="also time N draws of the fresh rows"
    )
    args = parser.parse_args()
    params = {}
    if args.set:  # an earlier commit, measured without --set, may lack impute.cli.parse_params
        from impute.cli import parse_params

        params = parse_params(args.set)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    results = []
    for config in args.configs:
        n_rows, n_columns = (int(part) for part in config.split("x"))
        results.append(run(n_rows, n_columns, params, args.draws))
        print(json.dumps(results[-1]), flush=True)
    for first, second in itertools.pairwise(results):
        print(
            f"{second['rows']} x {second['columns']} against {first['rows']} x {first['columns']}: "
            f"fit time {second['fit_seconds'] / first['fit_seconds']:.2f}x, "
            f"RMSE {second['rmse'] / first['rmse']:.3f}x"
        )


if __name__ == "__main__":
    main()
