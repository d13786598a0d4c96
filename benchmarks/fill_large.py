"""Throughput and peak memory of `impute fill` on a large CSV, against the I/O floor.

Generates a CSV of --rows rows x --columns correlated numeric columns with --missing of the
cells empty, fits a model on its first --fit-rows rows, then times, each in its own process
(peak RSS from ``wait4``):

- start-up: importing what a fill needs (torch, scikit-learn, pandas; `impute --help` needs none);
- floor: stream the file with pyarrow's CSV reader and write it back with pyarrow's CSV writer;
- fill with the mean model (the pipeline's own cost: parsing, merging, writing), on the whole
  file and on its first quarter (peak memory must not grow with the file);
- fill with the dynamic-masking Transformer.

    OMP_NUM_THREADS=2 python benchmarks/fill_large.py --rows 2000000
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

START_UP = "import impute; impute.fill_file"  # the package loads a name's modules on first use
FLOOR = """
import sys, pyarrow.csv as c
reader = c.open_csv(sys.argv[1], read_options=c.ReadOptions(block_size=4 << 20))
with c.CSVWriter(sys.argv[2], reader.schema) as writer:
    for batch in reader:
        writer.write_batch(batch)
"""


def generate(path, rows, columns, missing, seed=0, chunk=200_000):
    """Columns driven by 3 shared factors plus noise, so that a model has structure to learn."""
    rng = np.random.default_rng(seed)
    loadings = rng.normal(size=(3, columns))
    with open(path, "w") as handle:
        handle.write(",".join(f"x{j}" for j in range(columns)) + "\n")
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            values = rng.normal(size=(n, 3)) @ loadings + 0.3 * rng.normal(size=(n, columns))
            text = np.char.mod("%.4f", values)
            text[rng.random(values.shape) < missing] = ""
            handle.write("\n".join(",".join(row) for row in text) + "\n")


def timed(command, **popen):
    """Run ``command``; return (seconds, peak RSS in MiB) of that process alone."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, **popen)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, command))}")
    return seconds, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--columns", type=int, default=10)
    parser.add_argument("--missing", type=float, default=0.1)
    parser.add_argument("--fit-rows", type=int, default=20_000)
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write-data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_data:
        generate(args.write_data, args.rows, args.columns, args.missing)
        return

    work = Path(tempfile.mkdtemp(prefix="impute-fill-bench-"))
    try:
        data, sample, quarter = work / "big.csv", work / "sample.csv", work / "quarter.csv"
        # In a child process: a forked child starts with its parent's resident pages, which would
        # inflate every peak RSS measured below.
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--write-data",
                data,
                "--rows",
                str(args.rows),
                "--columns",
                str(args.columns),
                "--missing",
                str(args.missing),
            ],
            check=True,
        )
        for part, rows in ((sample, args.fit_rows), (quarter, args.rows // 4)):
            with open(data) as source, open(part, "w") as target:
                target.writelines(line for _, line in zip(range(rows + 1), source))
        impute = [sys.executable, "-m", "impute"]
        for method in ("mean", "dynamic"):
            subprocess.run(
                [
                    *impute,
                    "fit",
                    sample,
                    "-o",
                    work / f"{method}.impute",
                    "--method",
                    method,
                    "--max-epochs",
                    str(args.max_epochs),
                    "--seed",
                    "0",
                    "-q",
                ],
                check=True,
            )
        size = data.stat().st_size / 2**20
        print(
            f"{args.rows} rows x {args.columns} columns, {args.missing:.0%} of cells missing, "
            f"{size:.0f} MiB of CSV; "
            f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; median of "
            f"{args.repeats} runs"
        )
        commands = {
            "start-up only (import for a fill)": [sys.executable, "-c", START_UP],
            "floor (pyarrow read + write)": [sys.executable, "-c", FLOOR, data, work / "floor.csv"],
            "impute fill, mean model": [
                *impute,
                "fill",
                data,
                "-m",
                work / "mean.impute",
                "-o",
                work / "mean.csv",
                "-q",
            ],
            "  same, on a quarter of the rows": [
                *impute,
                "fill",
                quarter,
                "-m",
                work / "mean.impute",
                "-o",
                work / "quarter-out.csv",
                "-q",
            ],
            "impute fill, dynamic model": [
                *impute,
                "fill",
                data,
                "-m",
                work / "dynamic.impute",
                "-o",
                work / "dyn.csv",
                "-q",
            ],
        }
        measured = {}
        for name, command in commands.items():
            runs = [timed(command) for _ in range(args.repeats)]
            measured[name] = float(np.median([s for s, _ in runs])), max(m for _, m in runs)
        floor = measured["floor (pyarrow read + write)"][0]
        for name, (seconds, peak) in measured.items():
            rows = args.rows // 4 if "quarter" in name else args.rows
            rate = "" if "start-up" in name else f"{rows / seconds:>10,.0f} rows/s"
            ratio = "" if "quarter" in name else f"{seconds / floor:5.2f}x floor"
            print(f"{name:32s} {seconds:7.2f} s {rate:>17s}  peak RSS {peak:5.0f} MiB  {ratio}")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
