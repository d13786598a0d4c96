"""Fit time and transform throughput of the default TransformerImputer.

A 5,000 x 20 numeric table (columns are noisy mixtures of four latent factors, 20% of cells missing
at random) is fitted with the defaults, then transformed repeatedly. Prints the median fit time
and the median transform throughput, each beside its target.

    OMP_NUM_THREADS=2 python benchmarks/speed.py
"""

import argparse
import statistics
import time

import numpy as np
import torch

from impute import TransformerImputer

FIT_TARGET_SECONDS = 60.0
TRANSFORM_TARGET_ROWS_PER_SECOND = 20_000


def make_table(n_rows, n_features, seed):
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(n_rows, 4))
    X = np.tanh(factors @ rng.normal(size=(4, n_features))) + 0.1 * rng.normal(
        size=(n_rows, n_features)
    )
    X[rng.random(X.shape) < 0.2] = np.nan
    return X


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--fits", type=int, default=3, help="fits to take the median of")
    parser.add_argument(
        "--transforms", type=int, default=5, help="transforms to take the median of"
    )
    args = parser.parse_args()

    X = make_table(args.rows, args.features, seed=0)
    print(
        f"table {args.rows} x {args.features}, {np.isnan(X).mean():.0%} missing; "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    )
    fit_seconds, epochs = [], []
    for seed in range(args.fits):
        start = time.perf_counter()
        imputer = TransformerImputer(random_state=seed).fit(X)
        fit_seconds.append(time.perf_counter() - start)
        epochs.append(imputer.n_epochs_)
        print(
            f"fit {seed}: {fit_seconds[-1]:.1f} s, {imputer.n_epochs_} epochs "
            f"({fit_seconds[-1] / imputer.n_epochs_:.2f} s per epoch)"
        )
    transform_seconds = []
    for _ in range(args.transforms):
        start = time.perf_counter()
        imputer.transform(X)
        transform_seconds.append(time.perf_counter() - start)
    fit_median = statistics.median(fit_seconds)
    throughput = args.rows / statistics.median(transform_seconds)
    print(
        f"fit: median {fit_median:.1f} s over {args.fits} fits (target < {FIT_TARGET_SECONDS:.0f} "
        "s, "
        f"ratio {fit_median / FIT_TARGET_SECONDS:.2f})"
    )
    print(
        f"transform: median {throughput:,.0f} rows/s over {args.transforms} runs "
        f"(target > {TRANSFORM_TARGET_ROWS_PER_SECOND:,}, ratio "
        f"{throughput / TRANSFORM_TARGET_ROWS_PER_SECOND:.2f})"
    )


if __name__ == "__main__":
    main()
