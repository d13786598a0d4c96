"""Beyond one process: a fit from a Parquet dataset larger than its sample, and a fill on a Dask
cluster, against the pyarrow floor (docs/benchmarks.md, "Results: datasets and Dask").

Data: the generated table of ``scale.py`` (four latent normals through a linear and a sine
map, plus noise) with 20 columns and 20% of cells hidden at random, written as a folder of
Parquet files of FILE_ROWS rows each.

``fit``: writes --rows rows (default 10,000,000) and a --small copy (default 1,000,000 rows, the
first files), runs ``impute fit FOLDER`` on each in its own process (peak RSS from ``wait4``),
and on the large one again with a sample of 1,000,000 rows instead of the default 100,000, then
fills 20,000 fresh rows of the same generator with 30% hidden with each model and reports RMSE
on them in min-max scaled units.

``fill``: writes --rows rows (default 2,000,000), fits a model on a sample, then times, side
by side and interleaved (--repeats rounds, medians): pyarrow reading and writing the files
(one process), ``fill_dataset`` in this process, and on a local cluster of 1 and of 2 workers
as ``impute fill --engine dask --workers N`` starts it (``impute.cluster.dask_client``; its
start is timed apart). It also fills the same rows
written as files four times as long and reports each worker's peak RSS, which follows the
batch, not the file. ``--file-rows 2000000 --group-rows 125000`` writes one file instead, which
is filled in pieces of row groups.

    python benchmarks/scale_out.py fit
    python benchmarks/scale_out.py fill --rows 2000000
    python benchmarks/scale_out.py fill --file-rows 2000000 --group-rows 125000
"""

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from scale import generate

COLUMNS = 20
FILE_ROWS = 125_000
GAPS = 0.2
FRESH_ROWS = 20_000
FRESH_GAPS = 0.3


def write_dataset(folder, rows, file_rows=FILE_ROWS, seed=0, group_rows=None):
    """``rows`` rows of the generated table with GAPS hidden, in files of ``file_rows`` rows
    (row groups of ``group_rows``, default pyarrow's); one file's rows in memory at a time."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, start in enumerate(range(0, rows, file_rows)):
        n = min(file_rows, rows - start)
        X = generate(n, COLUMNS, seed=seed * 100_000 + index)
        X[np.random.default_rng([seed, index]).random(X.shape) < GAPS] = np.nan
        table = pa.table({f"x{j}": X[:, j] for j in range(COLUMNS)})
        pq.write_table(table, folder / f"part-{index:05d}.parquet", row_group_size=group_rows)


def run_measured(command):
    """Run ``command`` in its own process; return (seconds, peak RSS in MiB)."""
    start = time.perf_counter()
    process = subprocess.Popen([str(part) for part in command], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, command))}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def fresh_rmse(model, work):
    """RMSE of ``model``'s fills of FRESH_ROWS new rows with FRESH_GAPS hidden, in min-max
    scaled units."""
    truth = generate(FRESH_ROWS, COLUMNS, seed=987_654)
    hidden = np.random.default_rng(5).random(truth.shape) < FRESH_GAPS
    source, filled = work / "fresh.parquet", work / "fresh.filled.parquet"
    shown = np.where(hidden, np.nan, truth)
    pq.write_table(pa.table({f"x{j}": shown[:, j] for j in range(COLUMNS)}), source)
    subprocess.run(
        [sys.executable, "-m", "impute", "fill", source, "-m", model, "-o", filled, "-q"],
        check=True,
    )
    values = pq.read_table(filled).to_pandas().to_numpy()
    scale = truth.max(axis=0) - truth.min(axis=0)
    return float(np.sqrt(np.mean(((values - truth) / scale)[hidden] ** 2)))


def fit_benchmark(args, work):
    large, small = work / "large", work / "small"
    write_dataset(large, args.rows)
    small.mkdir()
    for path in sorted(large.iterdir())[: -(-args.small // FILE_ROWS)]:
        shutil.copy(path, small / path.name)
    results = {}
    runs = (
        ("small", small, []),
        ("large", large, []),
        ("large_sample_1m", large, ["--max-rows", "1000000"]),
    )
    for name, folder, options in runs:
        model = work / f"{name}.impute"
        command = [sys.executable, "-m", "impute", "fit", folder, "-o", model, "-q", *options]
        seconds, peak = run_measured(command)
        rows = pq.ParquetDataset(folder).files
        results[name] = {
            "rows": sum(pq.ParquetFile(path).metadata.num_rows for path in rows),
            "files": len(rows),
            "fit_seconds": round(seconds, 1),
            "peak_rss_mib": round(peak),
            "fresh_rmse": round(fresh_rmse(model, work), 5),
        }
        print(name, results[name], flush=True)
    results["rmse_ratio_large_to_small"] = round(
        results["large"]["fresh_rmse"] / results["small"]["fresh_rmse"], 4
    )
    return results


def floor_seconds(source, target):
    """pyarrow alone: read every file in batches and write it back, in one process."""
    start = time.perf_counter()
    target.mkdir()
    for path in sorted(source.iterdir()):
        reader = pq.ParquetFile(path)
        with pq.ParquetWriter(target / path.name, reader.schema_arrow) as writer:
            for batch in reader.iter_batches(batch_size=65_536):
                writer.write_batch(batch)
    return time.perf_counter() - start


def worker_peaks(client):
    """Each worker's peak RSS so far, MiB."""
    peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return sorted(round(value) for value in peaks.values())


def fill_benchmark(args, work):
    from impute import fill_dataset
    from impute.cluster import dask_client
    from impute.io import TableSchema, read_model

    data, long_files = work / "data", work / "long"
    write_dataset(data, args.rows, args.file_rows, group_rows=args.group_rows)
    model = work / "model.impute"
    subprocess.run(
        [sys.executable, "-m", "impute", "fit", data, "-o", model, "--max-rows", "20000", "-q"],
        check=True,
    )
    imputer, document = read_model(model)
    schema = TableSchema.from_dict(document["extra"]["schema"])
    clusters, starts, stack = {}, {}, contextlib.ExitStack()
    for n in (1, 2):
        start = time.perf_counter()
        clusters[n] = stack.enter_context(dask_client(workers=n))
        clusters[n].run(lambda: __import__("impute"))
        starts[n] = time.perf_counter() - start
    seconds = {"floor": [], "local": [], "workers_1": [], "workers_2": []}
    for round_ in range(args.repeats):
        for name in seconds:
            out = work / f"out-{name}-{round_}"
            if name == "floor":
                seconds[name].append(floor_seconds(data, out))
            else:
                client = None if name == "local" else clusters[int(name[-1])]
                engine = "local" if client is None else "dask"
                summary = fill_dataset(imputer, schema, data, out, engine=engine, client=client)
                seconds[name].append(summary["seconds"])
            shutil.rmtree(out)
            print(name, round(seconds[name][-1], 2), flush=True)
    peaks = {f"files_of_{args.file_rows}_rows": worker_peaks(clusters[2])}
    stack.close()
    if 4 * args.file_rows <= args.rows:
        write_dataset(long_files, args.rows, file_rows=4 * args.file_rows)
        with dask_client(workers=2) as client:
            out = work / "out-long"
            fill_dataset(imputer, schema, long_files, out, engine="dask", client=client)
            peaks[f"files_of_{4 * args.file_rows}_rows"] = worker_peaks(client)
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    return {
        "rows": args.rows,
        "files": len(list(data.iterdir())),
        "row_group_rows": args.group_rows or "pyarrow's default",
        "cluster_start_seconds": {f"workers_{n}": round(s, 1) for n, s in starts.items()},
        "seconds": {name: [round(s, 2) for s in values] for name, values in seconds.items()},
        "rows_per_second": {name: round(args.rows / s) for name, s in medians.items()},
        "speedup_2_workers_over_1": round(medians["workers_1"] / medians["workers_2"], 3),
        "worker_peak_rss_mib": peaks,
    }


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("job", choices=["fit", "fill"])
    parser.add_argument("--rows", type=int)
    parser.add_argument("--small", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--file-rows", type=int, default=FILE_ROWS, help="fill: rows per file")
    parser.add_argument("--group-rows", type=int, help="fill: rows per row group")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args()
    args.rows = args.rows or (10_000_000 if args.job == "fit" else 2_000_000)
    work = Path(tempfile.mkdtemp(prefix="impute-scale-out-"))
    try:
        job = fit_benchmark if args.job == "fit" else fill_benchmark
        results = {"job": args.job, "cpus": os.cpu_count(), **job(args, work)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
