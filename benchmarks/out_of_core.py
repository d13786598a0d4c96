"""Fit and fill a CSV larger than the memory the process may use.

Builds a CSV of at least --gigabytes GiB (a generated block of 10 numeric columns, 10% of cells
empty, repeated), then runs each command in its own process under an address-space limit of
--limit-gib GiB (``RLIMIT_AS``, which bounds everything the process maps, not only what it
touches), and reports time, throughput and peak RSS:

- ``impute fit`` with the mean model and with the Transformer (2 epochs: the point is the
  streamed sampling of the file, not the training);
- ``impute fill`` with the mean model (the pipeline's memory; the Transformer's own memory does
  not depend on the file, see fill_large.py for its speed).

    OMP_NUM_THREADS=2 python benchmarks/out_of_core.py --gigabytes 5 --limit-gib 2
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from fill_large import timed


def limited(gib):
    def apply():
        limit = int(gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gigabytes", type=float, default=5.0)
    parser.add_argument("--limit-gib", type=float, default=2.0)
    parser.add_argument("--block-rows", type=int, default=2_000_000)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="impute-out-of-core-"))
    try:
        block, data = work / "block.csv", work / "big.csv"
        subprocess.run(
            [
                sys.executable,
                Path(__file__).with_name("fill_large.py"),
                "--write-data",
                block,
                "--rows",
                str(args.block_rows),
            ],
            check=True,
        )
        header, body = block.read_bytes().split(b"\n", 1)
        copies = int(-(-args.gigabytes * 2**30 // len(body)))
        with open(data, "wb") as target:
            target.write(header + b"\n")
            for _ in range(copies):
                target.write(body)
        rows = copies * args.block_rows
        size = data.stat().st_size / 2**30
        print(
            f"{rows:,} rows x 10 columns, {size:.2f} GiB of CSV; address space limited to "
            f"{args.limit_gib} GiB; "
            f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"
        )
        impute = [sys.executable, "-m", "impute"]
        commands = {
            "fit, mean model": [
                *impute,
                "fit",
                data,
                "--method",
                "mean",
                "-o",
                work / "mean.impute",
                "-q",
            ],
            "fit, Transformer, 2 epochs": [
                *impute,
                "fit",
                data,
                "--max-epochs",
                "2",
                "-o",
                work / "dyn.impute",
                "-q",
            ],
            "fill, mean model": [
                *impute,
                "fill",
                data,
                "-m",
                work / "mean.impute",
                "-o",
                work / "out.csv",
                "-q",
            ],
        }
        for name, command in commands.items():
            seconds, peak = timed(command, preexec_fn=limited(args.limit_gib))
            rate = f"{rows / seconds:>10,.0f} rows/s" if name.startswith("fill") else ""
            print(f"{name:28s} {seconds:7.1f} s {rate:>17s}  peak RSS {peak:5.0f} MiB", flush=True)
        with open(work / "out.csv", "rb") as written:
            assert sum(1 for _ in written) == rows + 1
        print("the filled file has every row")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
