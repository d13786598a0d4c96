"""What the draws of ``impute fill --draws/--split/--interval`` share between tables and series:
refusing a model that cannot draw, the seeded draws of a frame, the interval columns, and
writing M completed tables, one after the other or one file each, atomically."""

import contextlib
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn import config_context

from ..core import DataError, ModelFileError
from ..io import STDOUT, table_writer, write_table

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


def drawn_frames(imputer, frame, n_draws, key):
    """``n_draws`` completed copies of ``frame`` as DataFrames (dtypes kept), seeded by ``key``
    (the fill's seed and the batch's place in the file) so that a file always gives the same
    draws."""
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


def refuse_taken(source, schema, names):
    taken = [name for name in names if name in schema.names]
    if taken:
        raise DataError(
            f"{source}: the file already has columns named {taken}, which the output would "
            "add; rename them first"
        )


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
            (batch for part in parts for batch in pq.ParquetFile(part).iter_batches()),
            delimiter,
        )
