"""What ``impute fill`` shares between tables and series for ``--draws/--split/--interval``:
refusing a model that cannot draw, the completed tables of a frame (seeded draws, or one fill),
the columns the output adds and their fields, and writing the completed tables, one after the
other or one file each, atomically."""

import contextlib
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
from sklearn import config_context

from ..core import DataError, ModelFileError
from ..io import STDOUT, parquet_batches, table_writer, write_table
from ._common import filled_frame

IMPUTATION_COLUMN = ".imputation"


def check_can_draw(imputer):
    """Refuse, before any data is read, a model that has no predictive distribution."""
    if not hasattr(imputer, "sample"):
        raise ModelFileError(
            f"a {type(imputer).__name__} fills each gap with one value and cannot draw; fit "
            "with --method dynamic or static to use --draws or --interval"
        )
    if getattr(imputer, "spread_", None) is None:
        raise ModelFileError(
            "this model cannot draw: it was saved before draws existed, or fitted without "
            "early stopping; refit it with `impute fit` to use --draws or --interval"
        )


def completed_frames(imputer, frame, missing, n_draws, key):
    """``frame`` completed as DataFrames (dtypes kept): ``n_draws`` draws, seeded by ``key``
    (the fill's seed and the batch's place in the file) so that a file always gives the same
    draws, or without draws its one fill (``frame`` itself when ``missing`` holds no gap)."""
    if not n_draws:
        return [filled_frame(imputer, frame) if missing.any() else frame]
    seed = int(np.random.SeedSequence(key).generate_state(1)[0])
    with config_context(transform_output="pandas"):
        return imputer.sample(frame, n_draws, random_state=seed)


def bounds_columns(imputer, frame, bounded, level):
    """``COLUMN.lower`` and ``COLUMN.upper`` arrays for the ``bounded`` columns of ``frame``: the
    central interval at ``level`` of each filled cell (integers unrounded for tables), null
    where observed."""
    with config_context(transform_output="default"):
        lower, upper = imputer.interval(frame, level)
    output_names = list(imputer.get_feature_names_out())
    arrays = []
    for name in bounded:
        j = output_names.index(name)
        gaps = frame[name].isna().to_numpy()
        for side in (lower, upper):
            values = np.asarray(side[:, j], dtype=np.float64)
            arrays.append(pa.array(values, mask=~gaps))
    return arrays


def added_names(bounded, interval, long):
    """The columns the output adds: the draw number before the others (``long``), and the
    interval bounds of the ``bounded`` columns after them (with ``interval``)."""
    first = [IMPUTATION_COLUMN] if long else []
    last = [f"{name}.{side}" for name in bounded for side in ("lower", "upper")] if interval else []
    return first, last


def refuse_taken(source, names, bounded, interval, long):
    """Refuse a file that already has a column named like one the output adds."""
    first, last = added_names(bounded, interval, long)
    taken = [name for name in first + last if name in names]
    if taken:
        raise DataError(
            f"{source}: the file already has columns named {taken}, which the output would "
            "add; rename them first"
        )


def with_added_fields(schema, bounded, interval, long):
    """``schema`` with the added columns' fields (``added_names``)."""
    first, last = added_names(bounded, interval, long)
    return pa.schema(
        [
            *(pa.field(name, pa.int64()) for name in first),
            *schema,
            *(pa.field(name, pa.float64()) for name in last),
        ]
    )


def output_batches(tables_columns, bounds, schema, long):
    """One record batch per completed table: its columns (``tables_columns``, a list per table),
    after the draw number (1, 2, ...) with ``long``, before the ``bounds`` columns."""
    batches = []
    for m, columns in enumerate(tables_columns, start=1):
        rows = len(columns[0])
        number = [pa.array(np.full(rows, m, dtype=np.int64))] if long else []
        batches.append(pa.record_batch([*number, *columns, *bounds], schema=schema))
    return batches


def write_completed(destination, schema, batches, n_draws, split, delimiter=","):
    """Write what ``batches`` yields (per input batch, one record batch per completed table):
    one fill, or the draws one after the other (``write_long``) or one file each
    (``write_split``). Returns the rows written."""
    if not n_draws:
        return write_table(destination, schema, (b for (b,) in batches), delimiter)
    write = write_split if split else write_long
    return write(destination, schema, batches, n_draws, delimiter)


def split_paths(destination, n_draws):
    """The files of ``--draws M --split``: ``NAME.1.EXT`` ... ``NAME.M.EXT``."""
    path = Path(destination)
    return [path.with_name(f"{path.stem}.{m}{path.suffix}") for m in range(1, n_draws + 1)]


def write_split(destination, schema, batches, n_draws, delimiter=","):
    """Write each draw to its own file (``split_paths``); ``batches`` yields, per input batch,
    one record batch per draw. None of the files appears unless all are complete. Returns the
    rows written."""
    if str(destination) == STDOUT:
        raise DataError("--split writes one file per draw; give an output file, not '-'")
    rows = 0
    with contextlib.ExitStack() as stack:
        writers = [
            stack.enter_context(table_writer(path, schema, delimiter))
            for path in split_paths(destination, n_draws)
        ]
        for outputs in batches:
            for write, batch in zip(writers, outputs):
                write(batch)
                rows += batch.num_rows
    return rows


def write_long(destination, schema, batches, n_draws, delimiter=","):
    """Write the draws one after the other into one file: ``batches`` yields, per input batch,
    one record batch per draw; each draw goes to a Parquet part while the input is read once,
    then the parts are copied in order. Returns the rows written."""
    where = None if str(destination) == STDOUT else Path(destination).parent
    with tempfile.TemporaryDirectory(dir=where, prefix=".impute-draws-") as folder:
        parts = [Path(folder, f"{m}.parquet") for m in range(1, n_draws + 1)]
        with contextlib.ExitStack() as stack:
            writers = [stack.enter_context(table_writer(part, schema)) for part in parts]
            for outputs in batches:
                for write, batch in zip(writers, outputs):
                    write(batch)
        return write_table(
            destination,
            schema,
            (batch for part in parts for batch in parquet_batches(part)),
            delimiter,
        )
