"""The work behind each command line verb on tables: fit, fill and evaluate a file.

The command line only parses arguments and prints; everything it does is here, callable from
Python and tested without a shell. Fitting reads the whole training file (a uniform sample of it
when it is long); filling streams its input in record batches, so the memory it needs is bounded
by a batch and the model, not by the file. Given a time column, ``fit_file`` and ``fill_file``
hand the file to the time-series jobs, which read it whole.
"""

import itertools
import math
from pathlib import Path

import pyarrow as pa

from ..core import (
    EVALUATE_MAX_ROWS,
    FIT_MAX_ROWS,
    NA_VALUES,
    SAMPLE_SEED,
    DataError,
    ModelFileError,
    is_text_type,
)
from ..evaluation import evaluate_frame
from ..io import (
    TableFile,
    TableSchema,
    file_format,
    infer_schema,
    is_dataset,
    open_table,
)
from ..series import BaseSeriesImputer
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
from ._methods import METHODS, TRAINED, check_params, make_imputer
from ._series_jobs import fill_series_file, fit_series_file


def read_modelled(
    path, *, sep, encoding, na_values, columns, exclude, categorical, max_rows, seed=SAMPLE_SEED
):
    """Read a data file or dataset (a sample of ``max_rows`` rows when longer) and choose its
    modelled columns: returns ``(table, schema, frame, total_rows)``."""
    table, total = open_table(path, sep, encoding).read(max_rows, seed)
    if total == 0:
        raise DataError(f"{path}: the file has a header but no data rows")
    schema = infer_schema(table, str(path), na_values, columns, exclude, categorical)
    return table, schema, model_frame(table, schema, str(path)), total


def fit_file(
    path,
    *,
    method="dynamic",
    time_column=None,
    id_column=None,
    columns=None,
    exclude=(),
    categorical=(),
    na_values=NA_VALUES,
    sep=None,
    encoding="utf-8",
    max_rows=FIT_MAX_ROWS,
    budget="fast",
    max_epochs="auto",
    device="auto",
    seed=0,
    params=None,
    on_epoch=None,
):
    """Learn to fill the numeric, categorical and date columns of a data file or dataset.

    ``path`` is a file, or a folder or glob of files read as one dataset (``TableDataset``).
    Data longer than ``max_rows`` are trained on a sample of that many rows, drawn while
    streaming (from row groups chosen at random, for a Parquet dataset), so they may be larger
    than memory. With ``time_column`` (and, for a
    long file of several series, ``id_column``) the file is read whole as time series and its
    numeric columns are learned from neighbouring steps and from each other
    (``fit_series_file``). ``params`` sets other parameters of the network. Returns a
    ``FitResult``: the fitted imputer, the column schema to store with it, and a summary (rows,
    columns, missing share per modelled column, validation error, seconds).

    Examples
    --------
    >>> from impute import datasets, fit_file
    >>> result = fit_file(datasets.path("adult"), max_epochs=2)
    >>> result.summary["rows"], result.schema.kinds["occupation"], result.schema.kinds["age"]
    (2000, 'categorical', 'integer')
    """
    if time_column is not None:
        if is_dataset(path):
            raise ValueError(
                f"{path}: time series are read from one file; a folder or glob is read as a table"
            )
        if categorical:
            raise ValueError(
                "time series are filled in their numeric columns only; leave out categorical"
            )
        return fit_series_file(
            path,
            time_column=time_column,
            id_column=id_column,
            method=method,
            columns=columns,
            exclude=exclude,
            na_values=na_values,
            sep=sep,
            encoding=encoding,
            budget=budget,
            max_epochs=max_epochs,
            device=device,
            seed=seed,
            params=params,
            on_epoch=on_epoch,
        )
    table, schema, frame, total = read_modelled(
        path,
        sep=sep,
        encoding=encoding,
        na_values=na_values,
        columns=columns,
        exclude=exclude,
        categorical=categorical,
        max_rows=max_rows,
    )
    forced = [name for name in categorical if name in schema.modelled]
    imputer = make_imputer(
        method,
        budget=budget,
        max_epochs=max_epochs,
        device=device,
        seed=seed,
        categorical=forced,
        params=params,
    )
    summary = fit_frame(
        imputer,
        frame,
        path=path,
        method=method,
        rows=total,
        table=table,
        schema=schema,
        on_epoch=on_epoch,
    )
    if "best_epoch" in summary:
        summary["validation_rmse"] = math.sqrt(imputer.validation_scores_[imputer.best_epoch_])
    return FitResult(imputer, schema, summary)


def schema_from_model(imputer, extra, path):
    """The table schema stored with a model, or one derived from its feature names."""
    if "schema" in extra:
        try:
            return TableSchema.from_dict(extra["schema"])
        except (KeyError, TypeError, ValueError):
            raise ModelFileError(
                f"{path}: its column schema is damaged; refit the model (`impute fit`)"
            ) from None
    names = getattr(imputer, "feature_names_in_", None)
    if names is None:
        raise ModelFileError(
            f"{path}: this model was fitted on an array without column names, so its columns "
            "cannot be matched in a file; fit it on a DataFrame or with `impute fit`"
        )
    kept = [name for name, empty in zip(names, imputer.empty_features_) if not empty]
    return TableSchema({name: "float" for name in kept}, kept, list(NA_VALUES))


def _output_schema(source_schema, schema, as_text):
    """Column types of the filled file: numbers read as text become numbers in Parquet output;
    categories keep their type, and dates read as text stay text."""
    fields = []
    for field in source_schema:
        kind = schema.kinds.get(field.name)
        if field.name in schema.modelled and is_text_type(field.type) and kind != "categorical":
            typed = {"integer": pa.int64(), "float": pa.float64()}.get(kind, pa.string())
            field = field.with_type(pa.string() if as_text else typed)
        fields.append(field)
    return pa.schema(fields)


def fill_file(
    imputer,
    schema,
    source,
    destination,
    *,
    sep=None,
    encoding="utf-8",
    on_rows=None,
    draws=None,
    split=False,
    interval=None,
    seed=0,
    part=None,
    row_groups=None,
):
    """Fill the gaps of ``source`` into ``destination``, streaming in record batches.

    Columns are matched by name: modelled columns must all be present, other columns pass
    through unchanged, and observed cells are written exactly as read. A time-series imputer
    fills the file as time series, read whole and written at once (``fill_series_file``, which
    takes the same draw options).

    With ``draws`` M, the gaps are filled M times with draws from the model's predictive
    distribution (``TransformerImputer.sample``, seeded by ``seed`` and each batch's place in
    the file): one output holding the M completed tables one after the other, marked by an
    ``.imputation`` column (1 to M) before the others, as R's ``mice::complete(action =
    "long")``; or, with ``split``, M files named like ``destination`` with ``.1``, ``.2``, ...
    before its extension. With ``interval`` (a level such as 0.9), every numeric modelled column
    gets ``COLUMN.lower`` and ``COLUMN.upper`` columns at the end: the central interval of each
    filled cell, empty where the cell was observed. The draws are written in one pass over the
    input; every output appears only once all of them are complete. ``part`` (an integer: the
    file's place in a dataset) is mixed into the draws' seed, so that the files of a dataset
    draw independently of each other. ``row_groups`` (indices, consecutive) fills only those row
    groups of a Parquet file, as one piece of it.

    Returns the number of rows written (M times the input's with draws, in all files).

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from impute import datasets, fill_file, fit_file
    >>> result = fit_file(datasets.path("adult"), method="mean")
    >>> out = os.path.join(tempfile.mkdtemp(), "adult.filled.csv")
    >>> fill_file(result.imputer, result.schema, datasets.path("adult"), out)
    2000
    >>> int(pd.read_csv(out)["occupation"].isna().sum())
    0
    """
    if isinstance(imputer, BaseSeriesImputer):
        if row_groups is not None:
            raise ValueError("time series are read whole; a file cannot be filled in pieces")
        return fill_series_file(
            imputer,
            schema,
            source,
            destination,
            sep=sep,
            encoding=encoding,
            draws=draws,
            split=split,
            interval=interval,
            seed=seed,
            part=part,
        )
    if draws or interval:
        check_can_draw(imputer)
    refuse_overwrite(source, destination)
    table_file = TableFile.open(source, sep, encoding)
    absent = [name for name in schema.modelled if name not in table_file.column_names]
    if absent:
        raise DataError(f"{source}: the model fills columns that this file lacks: {absent}")
    as_text = file_format(destination) != "parquet"
    batches = table_file.batches(row_groups)
    first = next(batches, None)
    source_schema = (
        first.schema
        if first is not None
        else pa.schema([(n, pa.string()) for n in table_file.column_names])
    )
    bounded = [n for n in schema.modelled if schema.kinds[n] in ("float", "integer")]
    long = bool(draws) and not split
    refuse_taken(source, source_schema.names, bounded, interval, long)
    output_schema = with_added_fields(
        _output_schema(source_schema, schema, as_text), bounded, interval, long
    )

    def filled_batches():
        """Per input batch, the output batches: one per draw (one without draws)."""
        offset = table_file.rows_before(row_groups[0]) if row_groups else 0
        for index, batch in enumerate(
            itertools.chain([first] if first is not None else [], batches)
        ):
            frame = model_frame(batch, schema, str(source), offset)
            missing = frame.isna().to_numpy()
            key = (seed, index) if part is None else (seed, part, index)
            tables = completed_frames(imputer, frame, missing, draws, key)
            outputs = output_batches(
                [merged_columns(batch, filled, missing, schema, as_text) for filled in tables],
                bounds_columns(imputer, frame, bounded, interval) if interval else [],
                output_schema,
                long,
            )
            offset += batch.num_rows
            if on_rows:
                on_rows(batch.num_rows)
            yield outputs

    return write_completed(
        destination, output_schema, filled_batches(), draws, split, table_file.delimiter
    )


def evaluate_file(
    path,
    *,
    mechanism="MCAR",
    rate=0.3,
    methods=METHODS,
    seeds=3,
    columns=None,
    exclude=(),
    categorical=(),
    na_values=NA_VALUES,
    sep=None,
    encoding="utf-8",
    max_rows=EVALUATE_MAX_ROWS,
    budget="fast",
    max_epochs="auto",
    device="auto",
    params=None,
    on_run=None,
    draws=None,
):
    """Score each method on cells of a data file hidden on purpose (``docs/benchmarks.md``).

    Numeric columns are min-max scaled on their observed values; for each seed, observed cells
    are hidden under ``mechanism`` at ``rate`` (categorical cells MCAR at ``rate``), every method
    fills the same cells, and RMSE and MAE are measured on the numeric ones in the scaled space,
    accuracy on the categorical ones. Files longer than ``max_rows`` are
    subsampled with a fixed seed. ``params`` sets parameters of the methods that train a network.
    With ``draws`` M, the methods that can draw also fill the hidden cells M times and are
    scored on them: coverage and width of the draws' central 90% interval, and CRPS
    (``impute.evaluation.score_draws``).
    Returns ``(runs, summary)``: one dict per (method, seed), and
    per method the mean over seeds, overall and per column (and the epochs run, for the methods
    that train), plus the rows used.

    Examples
    --------
    >>> from impute import datasets, evaluate_file
    >>> runs, summary = evaluate_file(datasets.path("breast_cancer"), methods=["mean"], seeds=2)
    >>> len(runs), round(summary["methods"]["mean"]["rmse"], 3)
    (2, 0.144)
    """
    check_params(params, methods)
    _, schema, frame, total = read_modelled(
        path,
        sep=sep,
        encoding=encoding,
        na_values=na_values,
        columns=columns,
        exclude=exclude,
        categorical=categorical,
        max_rows=max_rows,
    )
    forced = [name for name in categorical if name in schema.modelled]
    runs = []
    for seed in range(seeds):
        for method in methods:
            imputer = make_imputer(
                method,
                budget=budget,
                max_epochs=max_epochs,
                device=device,
                seed=seed,
                categorical=forced,
                params=params if method in TRAINED else None,
            )
            runs.append(
                {
                    "method": method,
                    "seed": seed,
                    **evaluate_frame(imputer, frame, mechanism, rate, seed, n_draws=draws or 0),
                }
            )
            if on_run:
                on_run(runs[-1])
    summary = {
        "source": Path(path).name,
        "rows": len(frame),
        "file_rows": total,
        "columns": schema.modelled,
        "mechanism": mechanism,
        "rate": rate,
        "methods": {
            method: _summarise([run for run in runs if run["method"] == method])
            for method in methods
        },
    }
    return runs, summary


def _summarise(runs):
    """One method's mean scores over its runs (seeds), overall and per column."""
    names = dict.fromkeys(name for run in runs for name in run["columns"])
    return {
        **{
            metric: mean_of([run.get(metric) for run in runs])
            for metric in (
                "rmse",
                "mae",
                "accuracy",
                "coverage",
                "width",
                "crps",
                "seconds",
                "draw_seconds",
                "epochs",
            )
        },
        "columns": {
            name: {
                metric: mean_of([run["columns"].get(name, {}).get(metric) for run in runs])
                for metric in ("rmse", "mae", "accuracy")
                if any(metric in run["columns"].get(name, {}) for run in runs)
            }
            for name in names
        },
    }
