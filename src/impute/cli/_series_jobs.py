"""The command line's work on time-series files: fit, fill and evaluate with ``--time-col``.

Unlike tables, a series cannot be filled batch by batch or trained on a sample of rows: a gap is
filled from the steps around it, wherever they sit in the file. So these read the whole file;
its numeric columns (other than the time and id columns) are the features, and every other
column passes through untouched.
"""

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ..core import NA_VALUES, DataError
from ..evaluation import PATTERNS, evaluate_series
from ..io import (
    TableFile,
    TableSchema,
    file_format,
    infer_schema,
    parse_column,
)
from ..series import series_layout
from ._common import (
    FitResult,
    fit_frame,
    mean_of,
    merged_columns,
    model_frame,
    refuse_overwrite,
)
from ._draws import (
    bounds_columns,
    check_can_draw,
    completed_frames,
    output_batches,
    refuse_taken,
    with_added_fields,
    write_completed,
)
from ._methods import TRAINED, check_params, make_imputer

SERIES_KINDS = ("float", "integer")


@dataclass
class SeriesFile:
    frame: pd.DataFrame  # time (and id) column, then the features
    table: pa.Table
    schema: TableSchema
    delimiter: str  # of a CSV or TSV file, to write the filled file the same way


def _key_column(table, schema, name, source):
    """The time or id column as pandas reads it: dates and numbers parsed, anything else read as
    a categorical column's labels, so that its NA markers (an empty cell, "NA"...) are missing
    as in every other column."""
    kind = schema.kinds[name]
    as_kind = kind if kind in ("float", "integer", "datetime") else "categorical"
    return parse_column(
        table.column(name),
        name,
        as_kind,
        schema.na_values,
        source,
        decimal_comma=name in schema.decimal_comma,
    )


def read_series_file(
    path,
    *,
    time_column,
    id_column=None,
    columns=None,
    exclude=(),
    na_values=NA_VALUES,
    sep=None,
    encoding="utf-8",
    schema=None,
):
    """Read a whole time-series file; choose its features (the numeric ``columns``, default all,
    less ``exclude``) unless ``schema`` is given."""
    source = str(path)
    table_file = TableFile.open(path, sep, encoding)
    table, _ = table_file.read()
    if table.num_rows == 0:
        raise DataError(f"{path}: the file has a header but no data rows")
    if id_column is not None and id_column == time_column:
        raise DataError(
            f"{path}: --time-col and --id-col both name {time_column!r}; the series id needs a "
            "column of its own"
        )
    keys = [name for name in (time_column, id_column) if name is not None]
    absent = [name for name in keys if name not in table.column_names]
    if absent:
        raise DataError(
            f"{path}: no column named {absent} (--time-col / --id-col); the columns are "
            f"{table.column_names}"
        )
    if schema is None:
        found = infer_schema(table, source, na_values, columns, exclude=[*exclude, *keys])
        features = [name for name in found.modelled if found.kinds[name] in SERIES_KINDS]
        unusable = [
            f"{name!r} ({found.kinds[name]})"
            for name in found.modelled
            if columns and name not in features
        ]
        if unusable:
            raise DataError(
                f"{path}: time series are filled in numeric columns only, and these are not: "
                f"{', '.join(unusable)}; leave them out of --columns"
            )
        if not features:
            raise DataError(
                f"{path}: no numeric column to fill besides {keys}; the kinds are {found.kinds}"
            )
        schema = TableSchema(found.kinds, features, found.na_values, found.decimal_comma)
    else:
        absent = [name for name in schema.modelled if name not in table.column_names]
        if absent:
            raise DataError(f"{path}: the model fills columns that this file lacks: {absent}")
    frame = model_frame(table, schema, source)
    for position, name in enumerate(keys):
        frame.insert(position, name, _key_column(table, schema, name, source))
    try:
        # a missing id or a repeated time: said now, naming the file
        series_layout(frame, time_column, id_column)
    except DataError as error:
        raise DataError(f"{path}: {error}") from None
    return SeriesFile(frame, table, schema, table_file.delimiter)


def fit_series_file(
    path,
    *,
    time_column,
    id_column=None,
    method="dynamic",
    columns=None,
    exclude=(),
    na_values=NA_VALUES,
    sep=None,
    encoding="utf-8",
    budget="fast",
    max_epochs="auto",
    device="auto",
    seed=0,
    params=None,
    on_epoch=None,
):
    """Learn to fill the numeric columns of a time-series file: long (``id_column``) or one series.

    Returns a ``FitResult`` like ``fit_file``, which calls this when given a time column.

    Examples
    --------
    >>> from impute import datasets, fit_series_file
    >>> source = datasets.path("worldbank_fertility")
    >>> result = fit_series_file(source, time_column="year", method="linear")
    >>> result.summary["rows"], len(result.schema.modelled)  # 9 countries with no value pass
    (54, 210)
    """
    read = read_series_file(
        path,
        time_column=time_column,
        id_column=id_column,
        columns=columns,
        exclude=exclude,
        na_values=na_values,
        sep=sep,
        encoding=encoding,
    )
    imputer = make_imputer(
        method,
        time_column=time_column,
        id_column=id_column,
        budget=budget,
        max_epochs=max_epochs,
        device=device,
        seed=seed,
        params=params,
    )
    summary = fit_frame(
        imputer,
        read.frame,
        path=path,
        method=method,
        rows=read.table.num_rows,
        table=read.table,
        schema=read.schema,
        on_epoch=on_epoch,
    )
    if "best_epoch" in summary:
        summary["validation_mae"] = imputer.validation_scores_[imputer.best_epoch_]
    return FitResult(imputer, read.schema, summary)


def fill_series_file(
    imputer,
    schema,
    source,
    destination,
    *,
    sep=None,
    encoding="utf-8",
    draws=None,
    split=False,
    interval=None,
    seed=0,
    part=None,
):
    """Fill the gaps of a time-series file into ``destination`` (written whole, atomically).

    Observed cells are written exactly as read; other columns pass through. ``draws``,
    ``split``, ``interval``, ``seed`` and ``part`` write draws and intervals as ``fill_file``
    does for tables (``TimeSeriesImputer.sample`` and ``.interval``). Returns the rows written.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from impute import datasets, fill_series_file, fit_series_file
    >>> source = datasets.path("worldbank_fertility")
    >>> result = fit_series_file(source, time_column="year", method="linear")
    >>> out = os.path.join(tempfile.mkdtemp(), "filled.csv")
    >>> fill_series_file(result.imputer, result.schema, source, out)
    54
    >>> int(pd.read_csv(out)["AFG"].isna().sum()), int(pd.read_csv(source)["AFG"].isna().sum())
    (0, 2)
    """
    if draws or interval:
        check_can_draw(imputer)
    refuse_overwrite(source, destination)
    read = read_series_file(
        source,
        time_column=imputer.time_column,
        id_column=imputer.id_column,
        sep=sep,
        encoding=encoding,
        schema=schema,
    )
    bounded = list(schema.modelled)
    long = bool(draws) and not split
    refuse_taken(source, read.table.column_names, bounded, interval, long)
    missing = read.frame[schema.modelled].isna().to_numpy()
    as_text = file_format(destination) != "parquet"
    names = read.table.column_names
    whole = pa.record_batch([column.combine_chunks() for column in read.table.columns], names=names)
    tables = [
        merged_columns(whole, filled, missing, schema, as_text)
        for filled in completed_frames(
            imputer, read.frame, missing, draws, (seed,) if part is None else (seed, part)
        )
    ]
    merged_schema = pa.record_batch(tables[0], names=names).schema
    output_schema = with_added_fields(merged_schema, bounded, interval, long)
    bounds = bounds_columns(imputer, read.frame, bounded, interval) if interval else []
    outputs = output_batches(tables, bounds, output_schema, long)
    return write_completed(destination, output_schema, [outputs], draws, split, read.delimiter)


def evaluate_series_file(
    path,
    *,
    time_column,
    id_column=None,
    methods=("dynamic", "static", "linear"),
    patterns=PATTERNS,
    rate=0.1,
    seeds=1,
    columns=None,
    exclude=(),
    na_values=NA_VALUES,
    sep=None,
    encoding="utf-8",
    budget="fast",
    max_epochs="auto",
    device="auto",
    params=None,
    on_run=None,
):
    """Hide points and blocks of a time-series file's observed values and score each method
    (MAE, RMSE and MRE in z-scored units, ``impute.evaluate_series``). Returns ``(runs, summary)``:
    one dict per (method, pattern, seed), and per pattern and method the mean over seeds (with the
    epochs run, None for a method that does not train). ``params`` sets parameters of the methods
    that train a network.

    Examples
    --------
    >>> from impute import datasets, evaluate_series_file
    >>> source = datasets.path("worldbank_fertility")
    >>> runs, summary = evaluate_series_file(
    ...     source, time_column="year", methods=["linear", "mean"], patterns=["points"]
    ... )
    >>> summary["methods"]["points"]["linear"]["mae"] < summary["methods"]["points"]["mean"]["mae"]
    True
    """
    check_params(params, methods, time_column, id_column)
    read = read_series_file(
        path,
        time_column=time_column,
        id_column=id_column,
        columns=columns,
        exclude=exclude,
        na_values=na_values,
        sep=sep,
        encoding=encoding,
    )
    runs = []
    for pattern in patterns:
        for seed in range(seeds):
            for method in methods:
                imputer = make_imputer(
                    method,
                    time_column=time_column,
                    id_column=id_column,
                    budget=budget,
                    max_epochs=max_epochs,
                    device=device,
                    seed=seed,
                    params=params if method in TRAINED else None,
                )
                scores = evaluate_series(
                    imputer,
                    read.frame,
                    time_column=time_column,
                    id_column=id_column,
                    pattern=pattern,
                    rate=rate,
                    seed=seed,
                )
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
                method: {
                    metric: mean_of(
                        [
                            r.get(metric)
                            for r in runs
                            if r["method"] == method and r["pattern"] == pattern
                        ]
                    )
                    for metric in ("mae", "rmse", "mre", "seconds", "epochs")
                }
                for method in methods
            }
            for pattern in patterns
        },
    }
    return runs, summary
