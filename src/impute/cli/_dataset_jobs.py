"""Filling a dataset (a folder or glob of files): one output file per input file, in one process
or as one Dask task per file.

Every output has its input's path relative to the dataset's folder, inside the output folder,
and is written atomically by ``fill_file``, so an interrupted run leaves only hidden
``.NAME.*.partial`` files, never a partial file under a finished name. A run fills only the
files whose outputs are missing: after an interruption, running the same command again
completes the dataset. Leftover partial files of the outputs it fills are removed before and
after the run.
"""

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from ..cluster import dask_client
from ..core import DataError, one_thread
from ..io import TableDataset, model_bytes, output_folder_problem, parse_model
from ._draws import split_paths
from ._jobs import fill_file, schema_from_model

ENGINES = ("local", "dask")
# the model a worker process has parsed, by the SHA-256 of its bytes: parsed once per worker
_WORKER_MODELS = {}


@dataclass(frozen=True)
class FileTask:
    """One input file and the output file (or, with ``--split``, files) it fills."""

    source: Path
    destination: Path
    outputs: tuple
    part: int


def plan_tasks(dataset, destination, draws=None, split=False):
    """The ``FileTask`` of every file of ``dataset`` into the folder ``destination``, and which
    of them are already done (all their outputs exist)."""
    tasks = []
    for source in dataset.files:
        relative = source.relative_to(dataset.root)
        output = destination / relative
        outputs = tuple(split_paths(output, draws)) if split else (output,)
        part = int.from_bytes(hashlib.sha256(str(relative).encode()).digest()[:4], "little")
        tasks.append(FileTask(source, output, outputs, part))
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
    """Delete the partial files that interrupted runs left for these tasks' outputs."""
    for task in tasks:
        for output in task.outputs:
            if output.parent.is_dir():
                for partial in output.parent.glob(f".{output.name}.*.partial"):
                    partial.unlink(missing_ok=True)


def fill_task(imputer, schema, task, options):
    """Fill one file (``fill_file``) with one torch thread, as every engine does, so that its
    fills are the same in any process; returns ``(task, rows written, seconds)``."""
    start = time.perf_counter()
    task.destination.parent.mkdir(parents=True, exist_ok=True)
    with one_thread():
        rows = fill_file(imputer, schema, task.source, task.destination, part=task.part, **options)
    return task, rows, time.perf_counter() - start


def worker_fill_task(blob, task, options, device):
    """``fill_task`` on a Dask worker: the model arrives as model-file bytes, read with the safe
    loader the first time this worker sees them and kept for the next tasks."""
    digest = hashlib.sha256(blob).hexdigest()
    if digest not in _WORKER_MODELS:
        _WORKER_MODELS.clear()
        imputer, document = parse_model(blob, "the model sent to this worker", device)
        _WORKER_MODELS[digest] = (imputer, schema_from_model(imputer, document["extra"], "model"))
    imputer, schema = _WORKER_MODELS[digest]
    return fill_task(imputer, schema, task, options)


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
    cluster at ``scheduler``, or ``client`` (a ``distributed.Client`` you hold). The model is
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
    tasks, done = plan_tasks(dataset, Path(destination), draws, split)
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
    """Submit one task per file to ``client``, the model's bytes sent to every worker once;
    return the results as they finish; on the first failure, cancel the rest and raise it."""
    from distributed import as_completed

    model = client.scatter(blob, broadcast=True, hash=True)
    futures = [
        client.submit(worker_fill_task, model, task, options, device, pure=False) for task in tasks
    ]
    results = []
    try:
        for future in as_completed(futures):
            results.append(future.result())
            if on_file:
                on_file(*results[-1])
    except BaseException:
        client.cancel(futures)
        raise
    return results
