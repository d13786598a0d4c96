"""What the table and the time-series file jobs share: parsing modelled columns, fitting with a
summary, filling under the pandas output, and refusing to overwrite the input."""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import config_context

from ..core import DataError, NetworkImputerMixin
from ..io import STDOUT, TableSchema, merge_filled, parse_column


@dataclass
class FitResult:
    """A fitted imputer, the column schema to store with it, and what ``impute fit`` reports."""

    imputer: object
    schema: TableSchema
    summary: dict


def model_frame(table, schema, source, row_offset=0):
    """The modelled columns of ``table`` (Arrow table or batch) as the estimator reads them."""
    return pd.DataFrame(
        {
            name: parse_column(
                table.column(name),
                name,
                schema.kinds[name],
                schema.na_values,
                source,
                row_offset,
                name in schema.decimal_comma,
            )
            for name in schema.modelled
        },
        index=pd.RangeIndex(table.num_rows),
    )


def fit_frame(imputer, frame, *, path, method, rows, table, schema, on_epoch=None):
    """Fit ``imputer`` on ``frame`` (the modelled columns of ``table``, a sample of the ``rows``
    rows of ``path``) and summarise what ``impute fit`` reports and stores in the model file:
    rows, columns, missing share per modelled column, seconds, and for a network that validated,
    the epochs run and the best one."""
    start = time.perf_counter()
    imputer.fit(
        frame, **({"on_epoch": on_epoch} if isinstance(imputer, NetworkImputerMixin) else {})
    )
    summary = {
        "source": Path(path).name,
        "method": method,
        "rows": rows,
        "trained_rows": table.num_rows,
        "columns": table.num_columns,
        "missing_share": {name: float(frame[name].isna().mean()) for name in schema.modelled},
        "seconds": time.perf_counter() - start,
    }
    if getattr(imputer, "validation_scores_", None):
        summary.update(epochs=imputer.n_epochs_, best_epoch=imputer.best_epoch_ + 1)
    return summary


def filled_frame(imputer, frame):
    """``imputer.transform(frame)`` as a DataFrame with every column's dtype kept, whatever the
    imputer's own ``set_output`` says."""
    with config_context(transform_output="pandas"):
        filled = imputer.transform(frame)
    if isinstance(filled, pd.DataFrame):
        return filled
    return pd.DataFrame(filled, columns=frame.columns, index=frame.index).infer_objects()


def merged_columns(batch, filled, missing, schema, as_text):
    """The columns of ``batch`` (an Arrow RecordBatch) with the gaps of each modelled column
    taken from ``filled`` (a DataFrame) where ``missing`` (N, modelled columns) says; every other
    cell as it was read (``merge_filled``)."""
    columns = list(batch.columns)
    for j, name in enumerate(schema.modelled):
        i = batch.schema.get_field_index(name)
        columns[i] = merge_filled(
            columns[i],
            filled[name].to_numpy(),
            missing[:, j],
            schema.kinds[name],
            as_text,
            name in schema.decimal_comma,
        )
    return columns


def refuse_overwrite(source, destination):
    """A filled table never replaces its input."""
    if str(destination) != STDOUT and Path(destination).resolve() == Path(source).resolve():
        raise DataError(
            f"{source}: the output would overwrite the input; choose another output path"
        )


def mean_of(values):
    """The mean of the measured values; None when the metric does not apply (no such columns, or
    no epochs for a method that does not train)."""
    measured = [value for value in values if value is not None]
    return float(np.mean(measured)) if measured else None
