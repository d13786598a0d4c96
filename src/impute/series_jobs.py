"""The command line's work on time-series files: fit, fill and evaluate with ``--time-col``.

Unlike tables, a series cannot be filled batch by batch or trained on a sample of rows: a gap is
filled from the steps around it, wherever they sit in the file. So these read the whole file;
its numeric columns (other than the time and id columns) are the features, and every other
column passes through untouched.
"""

import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from .errors import DataError
from .io import TableFile, file_format, write_table
from .jobs import TRAINED, FitResult, _mean, fit_summary, model_frame, refuse_overwrite, refuse_params, with_params
from .schema import NA_VALUES, TableSchema, infer_schema, merge_filled, parse_column
from .series import series_layout
from .series_baselines import FILLERS, SeriesBaselineImputer
from .series_estimator import TimeSeriesImputer
from .series_evaluation import PATTERNS, evaluate_series

__all__ = ["SERIES_METHODS", "evaluate_series_file", "fill_series_file", "fit_series_file"]

SERIES_METHODS = ("dynamic", "static", *FILLERS)
SERIES_KINDS = ("float", "integer")


@dataclass
class SeriesFile:
    frame: pd.DataFrame  # time (and id) column, then the features
    table: pa.Table
    schema: TableSchema
    delimiter: str  # of a CSV or TSV file, to write the filled file the same way


def make_series_imputer(method, *, time_column, id_column, max_epochs="auto", device="auto", seed=0, params=None):
    """The imputer behind a method name: dynamic or static masking, or linear, locf or mean;
    ``params`` sets other parameters of the network, as for ``jobs.make_imputer``."""
    if method in TRAINED:
        return with_params(TimeSeriesImputer(masking=method, max_epochs=max_epochs, device=device, random_state=seed,
                                             time_column=time_column, id_column=id_column), params)
    if method not in FILLERS:
        raise ValueError(f"unknown method {method!r}; choose one of {SERIES_METHODS}")
    refuse_params(method, params)
    return SeriesBaselineImputer(method, time_column=time_column, id_column=id_column)


def _key_column(table, schema, name, source):
    """The time or id column as pandas reads it: dates and numbers parsed, anything else read as
    a categorical column's labels, so that its NA markers (an empty cell, "NA"...) are missing
    as in every other column."""
    kind = schema.kinds[name]
    as_kind = kind if kind in ("float", "integer", "datetime") else "categorical"
    return parse_column(table.column(name), name, as_kind, schema.na_values, source, decimal_comma=name in schema.decimal_comma)


def read_series_file(path, *, time_column, id_column=None, columns=None, exclude=(), na_values=NA_VALUES, sep=None,
                     encoding="utf-8", schema=None):
    """Read a whole time-series file; choose its features (the numeric ``columns``, default all,
    less ``exclude``) unless ``schema`` is given."""
    source = str(path)
    table_file = TableFile.open(path, sep, encoding)
    table, _ = table_file.read()
    if table.num_rows == 0:
        raise DataError(f"{path}: the file has a header but no data rows")
    if id_column is not None and id_column == time_column:
        raise DataError(f"{path}: --time-col and --id-col both name {time_column!r}; the series id needs a column of its own")
    keys = [name for name in (time_column, id_column) if name is not None]
    absent = [name for name in keys if name not in table.column_names]
    if absent:
        raise DataError(f"{path}: no column named {absent} (--time-col / --id-col); the columns are {table.column_names}")
    if schema is None:
        found = infer_schema(table, source, na_values, columns, exclude=[*exclude, *keys])
        features = [name for name in found.modelled if found.kinds[name] in SERIES_KINDS]
        unusable = [f"{name!r} ({found.kinds[name]})" for name in found.modelled if columns and name not in features]
        if unusable:
            raise DataError(f"{path}: time series are filled in numeric columns only, and these are not: "
                            f"{', '.join(unusable)}; leave them out of --columns")
        if not features:
            raise DataError(f"{path}: no numeric column to fill besides {keys}; the kinds are {found.kinds}")
        schema = TableSchema(found.kinds, features, found.na_values, found.decimal_comma)
    else:
        absent = [name for name in schema.modelled if name not in table.column_names]
        if absent:
            raise DataError(f"{path}: the model fills columns that this file lacks: {absent}")
    frame = model_frame(table, schema, source)
    for position, name in enumerate(keys):
        frame.insert(position, name, _key_column(table, schema, name, source))
    try:
        series_layout(frame, time_column, id_column)  # a missing id or a repeated time: said now, naming the file
    except DataError as error:
        raise DataError(f"{path}: {error}") from None
    return SeriesFile(frame, table, schema, table_file.delimiter)


def fit_series_file(path, *, time_column, id_column=None, method="dynamic", columns=None, exclude=(), na_values=NA_VALUES,
                    sep=None, encoding="utf-8", max_epochs="auto", device="auto", seed=0, params=None, on_epoch=None):
    """Learn to fill the numeric columns of a time-series file (long with ``id_column``, or one series).

    Returns a ``FitResult`` like ``jobs.fit_file``.

    Examples
    --------
    >>> from impute import datasets
    >>> from impute.series_jobs import fit_series_file
    >>> result = fit_series_file(datasets.path("worldbank_fertility"), time_column="year", method="linear")
    >>> result.summary["rows"], len(result.schema.modelled)  # 9 countries have no value at all: passed through
    (54, 210)
    """
    read = read_series_file(path, time_column=time_column, id_column=id_column, columns=columns, exclude=exclude,
                            na_values=na_values, sep=sep, encoding=encoding)
    imputer = make_series_imputer(method, time_column=time_column, id_column=id_column, max_epochs=max_epochs,
                                  device=device, seed=seed, params=params)
    start = time.perf_counter()
    imputer.fit(read.frame, **({"on_epoch": on_epoch} if isinstance(imputer, TimeSeriesImputer) else {}))
    summary = fit_summary(path, method, read.table.num_rows, read.table, read.frame, read.schema.modelled,
                          time.perf_counter() - start)
    if getattr(imputer, "validation_scores_", None):
        summary.update(epochs=imputer.n_epochs_, best_epoch=imputer.best_epoch_ + 1,
                       validation_mae=imputer.validation_scores_[imputer.best_epoch_])
    return FitResult(imputer, read.schema, summary)


def fill_series_file(imputer, schema, source, destination, *, sep=None, encoding="utf-8"):
    """Fill the gaps of a time-series file into ``destination`` (written whole, atomically).

    Observed cells are written exactly as read; other columns pass through. Returns the row count.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from impute import datasets
    >>> from impute.series_jobs import fill_series_file, fit_series_file
    >>> source = datasets.path("worldbank_fertility")
    >>> result = fit_series_file(source, time_column="year", method="linear")
    >>> out = os.path.join(tempfile.mkdtemp(), "filled.csv")
    >>> fill_series_file(result.imputer, result.schema, source, out)
    54
    >>> int(pd.read_csv(out)["AFG"].isna().sum()), int(pd.read_csv(source)["AFG"].isna().sum())
    (0, 2)
    """
    refuse_overwrite(source, destination)
    read = read_series_file(source, time_column=imputer.time_column, id_column=imputer.id_column, sep=sep,
                            encoding=encoding, schema=schema)
    missing = read.frame[schema.modelled].isna().to_numpy()
    filled = imputer.transform(read.frame) if missing.any() else read.frame
    as_text = file_format(destination) != "parquet"
    columns = [column.combine_chunks() for column in read.table.columns]
    for j, name in enumerate(schema.modelled):
        i = read.table.schema.get_field_index(name)
        columns[i] = merge_filled(columns[i], filled[name].to_numpy(), missing[:, j], schema.kinds[name], as_text,
                                  name in schema.decimal_comma)
    batch = pa.record_batch(columns, names=read.table.column_names)
    return write_table(destination, batch.schema, [batch], read.delimiter)


def evaluate_series_file(path, *, time_column, id_column=None, methods=("dynamic", "static", "linear"), patterns=PATTERNS,
                         rate=0.1, seeds=1, columns=None, exclude=(), na_values=NA_VALUES, sep=None, encoding="utf-8",
                         max_epochs="auto", device="auto", params=None, on_run=None):
    """Hide points and blocks of a time-series file's observed values and score each method
    (MAE, RMSE and MRE in z-scored units, ``impute.series_evaluation``). Returns ``(runs, summary)``:
    one dict per (method, pattern, seed), and per pattern and method the mean over seeds (with the
    epochs run, None for a method that does not train). ``params`` sets parameters of the methods
    that train a network.

    Examples
    --------
    >>> from impute import datasets
    >>> from impute.series_jobs import evaluate_series_file
    >>> runs, summary = evaluate_series_file(datasets.path("worldbank_fertility"), time_column="year",
    ...                                      methods=["linear", "mean"], patterns=["points"])
    >>> summary["methods"]["points"]["linear"]["mae"] < summary["methods"]["points"]["mean"]["mae"]
    True
    """
    if not set(methods) & set(TRAINED):
        refuse_params(", ".join(methods), params)
    read = read_series_file(path, time_column=time_column, id_column=id_column, columns=columns, exclude=exclude,
                            na_values=na_values, sep=sep, encoding=encoding)
    runs = []
    for pattern in patterns:
        for seed in range(seeds):
            for method in methods:
                imputer = make_series_imputer(method, time_column=time_column, id_column=id_column,
                                              max_epochs=max_epochs, device=device, seed=seed,
                                              params=params if method in TRAINED else None)
                scores = evaluate_series(imputer, read.frame, time_column=time_column, id_column=id_column,
                                         pattern=pattern, rate=rate, seed=seed)
                runs.append({"method": method, "pattern": pattern, "seed": seed, **scores})
                if on_run:
                    on_run(runs[-1])
    summary = {
        "source": Path(path).name,
        "rows": len(read.frame),
        "columns": read.schema.modelled,
        "rate": rate,
        "methods": {
            pattern: {
                method: {metric: _mean([r.get(metric) for r in runs if r["method"] == method and r["pattern"] == pattern])
                         for metric in ("mae", "rmse", "mre", "seconds", "epochs")}
                for method in methods
            }
            for pattern in patterns
        },
    }
    return runs, summary
