"""Filling a dataset (a folder or glob of files): one output file per input file, in one process
or as Dask tasks, one per file or per piece of a long Parquet file.

Every output has its input's path relative to the dataset's folder, inside the output folder,
and is written atomically by ``fill_file``, so an interrupted run leaves only hidden files
(``.NAME.*.partial``, and ``.NAME.piece-K.EXT`` for the pieces of a long file), never a partial
file under a finished name. A Parquet file longer than ``PIECE_ROWS`` rows (and not drawn from)
is filled in pieces of consecutive row groups, each a task of its own, then its output is
written from the pieces in order. The pieces are cut from the file's footer alone, so every
engine fills the same pieces in the same batches. A run fills only the files whose outputs are
missing: after an interruption, running the same command again completes the dataset. Leftover
hidden files of the outputs it fills are removed before and after the run.
"""

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from ..cluster import dask_client
from ..core import DataError, one_thread
from ..io import (
    TableDataset,
    concatenate_parquet,
    model_bytes,
    output_folder_problem,
    parse_model,
    row_group_pieces,
)
from ..series import BaseSeriesImputer
from ._draws import split_paths
from ._jobs import fill_file, schema_from_model

ENGINES = ("local", "dask")
# rows per piece of a long Parquet file: a task long enough that the piece's start and the final
# copy of the pieces into the output cost little beside the fill
PIECE_ROWS = 500_000
# how long a failed run waits for its cancelled tasks still running on the workers to end
STOP_WAIT_S = 60
# the model a worker process has parsed, by the SHA-256 of its bytes: parsed once per worker
_WORKER_MODELS = {}


@dataclass(frozen=True)
class FileTask:
    """One input file, the output file (or, with ``--split``, files) it fills, the number that
    seeds its draws, and the row groups of each of its pieces (none: the file is filled whole)."""

    source: Path
    destination: Path
    outputs: tuple
    part: int
    pieces: tuple = ()

    def piece_path(self, piece):
        """Where piece number ``piece`` is written, hidden, beside the output."""
        name = self.destination.name
        return self.destination.with_name(f".{name}.piece-{piece}{self.destination.suffix}")


def plan_tasks(dataset, destination, draws=None, split=False, whole=False):
    """The ``FileTask`` of every file of ``dataset`` into the folder ``destination``, and which
    of them are already done (all their outputs exist). A Parquet file is cut into pieces of
    ``PIECE_ROWS`` rows or more when it is longer, unless it is drawn from (draws are written
    draw after draw, over the whole file) or ``whole`` (time series, read whole) says not to."""
    group_rows = {source: [] for source in dataset.files}
    for source, _, rows in dataset.groups:
        group_rows[source].append(rows)
    tasks = []
    for source in dataset.files:
        relative = source.relative_to(dataset.root)
        output = destination / relative
        outputs = tuple(split_paths(output, draws)) if split else (output,)
        part = int.from_bytes(hashlib.sha256(str(relative).encode()).digest()[:4], "little")
        pieces = (
            row_group_pieces(group_rows[source], PIECE_ROWS)
            if dataset.format == "parquet" and not draws and not whole
            else ()
        )
        tasks.append(FileTask(source, output, outputs, part, pieces))
    done = [task for task in tasks if all(path.exists() for path in task.outputs)]
    return tasks, done


def check_destination(dataset, destination):
    """Refuse an output folder that cannot take the dataset's files (``output_folder_problem``);
    create it when its parent exists."""
    problem = output_folder_problem(dataset.root, destination)
    if problem:
        raise DataError(f"{dataset.path}: {problem}")
    Path(destination).mkdir(exist_ok=True)


def remove_partials(tasks):
    """Delete the hidden files (partial outputs, pieces, and their partial files) that
    interrupted runs left for these tasks' outputs."""
    for task in tasks:
        for output in task.outputs:
            if output.parent.is_dir():
                for pattern in (f".{output.name}.*", f"..{output.name}.*"):
                    for leftover in output.parent.glob(pattern):
                        leftover.unlink(missing_ok=True)


def fill_task(imputer, schema, task, options, piece=None):
    """Fill one file (``fill_file``), or with ``piece`` (its number) that piece of it into its
    hidden file, with one torch thread, as every engine does, so that the fills are the same in
    any process; returns ``(task, rows written, seconds)``."""
    start = time.perf_counter()
    task.destination.parent.mkdir(parents=True, exist_ok=True)
    destination = task.destination if piece is None else task.piece_path(piece)
    row_groups = None if piece is None else list(task.pieces[piece])
    with one_thread():
        rows = fill_file(
            imputer,
            schema,
            task.source,
            destination,
            part=task.part,
            row_groups=row_groups,
            **options,
        )
    return task, rows, time.perf_counter() - start


def assemble_pieces(task, pieces):
    """Write a file's output from its filled pieces (``pieces``: their ``fill_task`` results),
    in order, atomically, then delete the pieces; returns ``(task, rows, seconds)`` with the
    pieces' seconds included."""
    start = time.perf_counter()
    paths = [task.piece_path(piece) for piece in range(len(task.pieces))]
    rows = concatenate_parquet(paths, task.destination)
    for path in paths:
        path.unlink()
    return task, rows, sum(seconds for _, _, seconds in pieces) + time.perf_counter() - start


def worker_fill_task(blob, task, options, device, piece=None):
    """``fill_task`` on a Dask worker: the model arrives as model-file bytes, read with the safe
    loader the first time this worker sees them and kept for the next tasks."""
    digest = hashlib.sha256(blob).hexdigest()
    if digest not in _WORKER_MODELS:
        _WORKER_MODELS.clear()
        imputer, document = parse_model(blob, "the model sent to this worker", device)
        _WORKER_MODELS[digest] = (imputer, schema_from_model(imputer, document["extra"], "model"))
    imputer, schema = _WORKER_MODELS[digest]
    return fill_task(imputer, schema, task, options, piece)


def fill_dataset(
    imputer,
    schema,
    source,
    destination,
    *,
    engine="local",
    workers=None,
    scheduler=None,
    client=None,
    device=None,
    sep=None,
    encoding="utf-8",
    draws=None,
    split=False,
    interval=None,
    seed=0,
    on_file=None,
):
    """Fill every file of the dataset ``source`` (a folder or glob) into the folder
    ``destination``, one output per input file, with its name and format.

    Files whose outputs already exist are skipped, so a rerun after an interruption completes
    the dataset; delete an output (or choose a new folder) to fill it again. With ``engine``
    ``"local"`` the files are filled one after the other in this process; with ``"dask"`` each
    file is one task on a Dask cluster: a new ``LocalCluster`` of ``workers`` processes, the
    cluster at ``scheduler``, or ``client`` (a ``distributed.Client`` you hold). A Parquet file
    of more than ``PIECE_ROWS`` rows is filled in pieces of row groups, one task each, unless it
    is drawn from or holds time series. The model is
    sent to each worker once, as model-file bytes, and read there with the safe loader on
    ``device``. The fills are the same, cell for cell, whatever the engine and the number of
    workers. ``draws``, ``split``, ``interval`` and ``seed`` are ``fill_file``'s, per file;
    each file's draws are seeded by ``seed`` and its path in the dataset. ``on_file(task,
    rows, seconds)`` is called as each file is done.

    Returns a summary: the files of the dataset, those filled now and those skipped, rows
    written and seconds.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, pandas as pd
    >>> from impute import fill_dataset, fit_file
    >>> folder = tempfile.mkdtemp()
    >>> os.mkdir(f"{folder}/in")
    >>> for i in range(3):
    ...     part = pd.DataFrame({"x": [1.0, np.nan, 3.0], "y": [2.0, 4.0, np.nan]})
    ...     part.to_parquet(f"{folder}/in/part-{i}.parquet")
    >>> result = fit_file(f"{folder}/in", method="mean")
    >>> summary = fill_dataset(result.imputer, result.schema, f"{folder}/in", f"{folder}/out")
    >>> summary["filled"], summary["rows"], sorted(os.listdir(f"{folder}/out"))
    (3, 9, ['part-0.parquet', 'part-1.parquet', 'part-2.parquet'])
    >>> fill_dataset(result.imputer, result.schema, f"{folder}/in", f"{folder}/out")["skipped"]
    3
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if engine == "local" and (workers or scheduler or client):
        raise ValueError("workers, scheduler and client need engine='dask'")
    dataset = TableDataset.open(source, sep, encoding)
    check_destination(dataset, destination)
    whole = isinstance(imputer, BaseSeriesImputer)
    tasks, done = plan_tasks(dataset, Path(destination), draws, split, whole)
    todo = [task for task in tasks if task not in done]
    options = {
        "sep": sep,
        "encoding": encoding,
        "draws": draws,
        "split": split,
        "interval": interval,
        "seed": seed,
    }
    start = time.perf_counter()
    remove_partials(todo)
    results = []
    try:
        if engine == "local":
            for task in todo:
                if task.pieces:
                    pieces = [
                        fill_task(imputer, schema, task, options, piece)
                        for piece in range(len(task.pieces))
                    ]
                    results.append(assemble_pieces(task, pieces))
                else:
                    results.append(fill_task(imputer, schema, task, options))
                if on_file:
                    on_file(*results[-1])
        elif todo:
            blob = model_bytes(imputer, {"schema": schema.to_dict()})
            if client is not None:
                results = _run_on(client, blob, todo, options, device, on_file)
            else:
                with dask_client(workers, scheduler) as opened:
                    results = _run_on(opened, blob, todo, options, device, on_file)
    finally:
        remove_partials(todo)
    return {
        "source": str(source),
        "destination": str(destination),
        "files": len(tasks),
        "filled": len(results),
        "skipped": len(done),
        "rows": sum(rows for _, rows, _ in results),
        "seconds": time.perf_counter() - start,
    }


def _run_on(client, blob, tasks, options, device, on_file):
    """Submit one task per file (per piece, and one to assemble them, for a file in pieces) to
    ``client``, the model's bytes sent to every worker once; return each file's result as it
    finishes; on the first failure, cancel the rest and raise it."""
    from distributed import as_completed

    model = client.scatter(blob, broadcast=True, hash=True)
    futures, every = [], []
    for task in tasks:
        if task.pieces:
            pieces = [
                client.submit(worker_fill_task, model, task, options, device, piece, pure=False)
                for piece in range(len(task.pieces))
            ]
            every.extend(pieces)
            futures.append(client.submit(assemble_pieces, task, pieces, pure=False))
        else:
            futures.append(
                client.submit(worker_fill_task, model, task, options, device, pure=False)
            )
    every.extend(futures)
    results = []
    try:
        for future in as_completed(futures):
            results.append(future.result())
            if on_file:
                on_file(*results[-1])
    except BaseException:
        client.cancel(every)
        _wait_until_stopped(client, {future.key for future in every})
        raise
    return results


def _wait_until_stopped(client, keys):
    """Wait, at most ``STOP_WAIT_S``, until no worker still runs one of ``keys``: a cancelled
    task's thread runs on to its end, and the partial file it writes must exist before the
    caller removes what the run left."""

    def running(dask_worker):
        return [
            key
            for key, state in dask_worker.state.tasks.items()
            if key in keys and state.state in ("executing", "long-running", "cancelled")
        ]

    deadline = time.monotonic() + STOP_WAIT_S
    while time.monotonic() < deadline and any(client.run(running, on_error="ignore").values()):
        time.sleep(0.1)
