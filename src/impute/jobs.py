"""The work behind each command line verb, on files: fit, fill, evaluate and describe.

The command line only parses arguments and prints; everything it does is here, callable from
Python and tested without a shell. Fitting reads the whole training file; filling streams its
input in record batches, so the memory it needs is bounded by a batch and the model, not by the
file.
"""

import itertools
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from .baselines import MeanImputer
from .errors import DataError, ModelFileError
from .estimator import TransformerImputer
from .evaluation import evaluate_frame
from .io import STDOUT, TableFile, file_format, write_table
from .schema import (
    MODELLED_KINDS,
    NA_VALUES,
    TableSchema,
    count_missing,
    infer_schema,
    is_text_type,
    merge_filled,
    missing_cells,
    parse_column,
    table_kinds,
)

__all__ = ["describe_file", "evaluate_file", "fill_file", "fit_file"]

METHODS = ("dynamic", "static", "mean")
TRAINED = ("dynamic", "static")  # the methods with a network, whose parameters ``params`` sets
NOT_PARAMS = {  # estimator parameters that the file jobs fix, and why
    "masking": "is set with --method", "max_epochs": "is set with --max-epochs", "device": "is set with --device",
    "random_state": "is set with --seed", "categorical_features": "is set with --categorical",
    "time_column": "is set with --time-col", "id_column": "is set with --id-col",
    "missing_values": "is set with --na-values", "verbose": "is set with --quiet (progress is shown unless it is given)",
    "add_indicator": "cannot be set for files: they are filled in place, with no indicator columns added",
    "keep_empty_features": "cannot be set for files: a column with no value is passed through as it is",
}
PYTHON_CONSTANTS = {"True": True, "False": False, "None": None}
SAMPLE_SEED = 0  # rows drawn from files longer than max_rows; fixed so a file always gives the same sample
FIT_MAX_ROWS = 100_000
EVALUATE_MAX_ROWS = 5_000


def make_imputer(method, *, max_epochs="auto", device="auto", seed=0, categorical=(), params=None):
    """The imputer behind a method name: ``dynamic`` or ``static`` masking, or the ``mean``.

    ``categorical`` names the columns that ``--categorical`` forces to be categories: the
    estimator must be told too, since it would read numeric codes as numbers and many distinct
    labels as an identifier. ``params`` sets other parameters of the network (``--param``), checked
    here so that a bad name or value is refused before any data is read."""
    features = list(categorical) or None
    if method == "mean":
        refuse_params(method, params)
        return MeanImputer(categorical_features=features)
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    imputer = TransformerImputer(masking=method, max_epochs=max_epochs, device=device, random_state=seed,
                                 categorical_features=features)
    return with_params(imputer, params)


def parse_params(texts):
    """``NAME=VALUE`` texts as a dict of estimator parameters.

    Values are read as JSON (numbers, ``true``, ``false``, ``null``), ``True``, ``False`` and
    ``None`` as Python writes them, and anything else as text, so that
    ``independent_features=auto`` needs no quotes.

    Examples
    --------
    >>> from impute.jobs import parse_params
    >>> parse_params(["d_model=96", "gaussian_hint=False", "independent_features=auto"])
    {'d_model': 96, 'gaussian_hint': False, 'independent_features': 'auto'}
    """
    params = {}
    for text in texts:
        name, equals, value = (part.strip() for part in text.partition("="))
        if not (equals and name):
            raise ValueError(f"{text!r} is not NAME=VALUE; write it as e.g. d_model=96")
        try:
            params[name] = PYTHON_CONSTANTS[value] if value in PYTHON_CONSTANTS else json.loads(value)
        except json.JSONDecodeError:
            params[name] = value
    return params


def refuse_params(method, params):
    """A baseline has nothing to tune: say so rather than drop the parameters silently."""
    if params:
        raise ValueError(f"parameters ({', '.join(sorted(params))}) are set for {' and '.join(TRAINED)} masking, "
                         f"which train a network; {method} trains none")


def with_params(imputer, params):
    """``imputer`` with ``params`` set and checked; those that the file jobs fix themselves
    (``masking`` by the method, ``missing_values`` by the NA markers...) are refused, saying how
    to set them."""
    params = params or {}
    for name in params:
        if name in NOT_PARAMS:
            raise ValueError(f"{name} {NOT_PARAMS[name]}")
        if name not in imputer.get_params():
            raise ValueError(f"{type(imputer).__name__} has no parameter {name!r}; "
                             f"its parameters are {', '.join(sorted(set(imputer.get_params()) - set(NOT_PARAMS)))}")
    imputer.set_params(**params)._validate_params()
    return imputer


def model_frame(table, schema, source, row_offset=0):
    """The modelled columns of ``table`` (a pyarrow Table or RecordBatch) as the estimator reads them."""
    return pd.DataFrame(
        {
            name: parse_column(table.column(name), name, schema.kinds[name], schema.na_values, source, row_offset,
                               name in schema.decimal_comma)
            for name in schema.modelled
        },
        index=pd.RangeIndex(table.num_rows),
    )


def read_modelled(path, *, sep, encoding, na_values, columns, exclude, categorical, max_rows, seed=SAMPLE_SEED):
    """Read a data file (a uniform sample of ``max_rows`` rows when longer) and choose its
    modelled columns: returns ``(table, schema, frame, total_rows)``."""
    table, total = TableFile.open(path, sep, encoding).read(max_rows, seed)
    if total == 0:
        raise DataError(f"{path}: the file has a header but no data rows")
    schema = infer_schema(table, str(path), na_values, columns, exclude, categorical)
    return table, schema, model_frame(table, schema, str(path)), total


@dataclass
class FitResult:
    imputer: object
    schema: TableSchema
    summary: dict


def fit_file(path, *, method="dynamic", columns=None, exclude=(), categorical=(), na_values=NA_VALUES, sep=None,
             encoding="utf-8", max_rows=FIT_MAX_ROWS, max_epochs="auto", device="auto", seed=0, params=None,
             on_epoch=None):
    """Learn to fill the numeric, categorical and date columns of a data file.

    Files longer than ``max_rows`` are trained on a uniform sample of that many rows, drawn
    while streaming, so the file may be larger than memory. Returns a ``FitResult``: the fitted
    imputer, the column schema to store with it, and a summary (rows, columns, missing share per
    modelled column, validation error, seconds).

    Examples
    --------
    >>> from impute import datasets
    >>> from impute.jobs import fit_file
    >>> result = fit_file(datasets.path("adult"), max_epochs=2)
    >>> result.summary["rows"], result.schema.kinds["occupation"], result.schema.kinds["age"]
    (2000, 'categorical', 'integer')
    """
    table, schema, frame, total = read_modelled(
        path, sep=sep, encoding=encoding, na_values=na_values, columns=columns, exclude=exclude,
        categorical=categorical, max_rows=max_rows,
    )
    forced = [name for name in categorical if name in schema.modelled]
    imputer = make_imputer(method, max_epochs=max_epochs, device=device, seed=seed, categorical=forced, params=params)
    start = time.perf_counter()
    imputer.fit(frame, **({"on_epoch": on_epoch} if isinstance(imputer, TransformerImputer) else {}))
    summary = fit_summary(path, method, total, table, frame, schema.modelled, time.perf_counter() - start)
    if getattr(imputer, "validation_scores_", None):
        summary.update(
            epochs=imputer.n_epochs_,
            best_epoch=imputer.best_epoch_ + 1,
            validation_rmse=math.sqrt(imputer.validation_scores_[imputer.best_epoch_]),
        )
    return FitResult(imputer, schema, summary)


def fit_summary(path, method, rows, table, frame, modelled, seconds):
    """What ``impute fit`` reports and stores in the model file, for tables and time series alike."""
    return {
        "source": Path(path).name,
        "method": method,
        "rows": rows,
        "trained_rows": table.num_rows,
        "columns": table.num_columns,
        "missing_share": {name: float(frame[name].isna().mean()) for name in modelled},
        "seconds": seconds,
    }


def refuse_overwrite(source, destination):
    """A filled table never replaces its input."""
    if str(destination) != STDOUT and Path(destination).resolve() == Path(source).resolve():
        raise DataError(f"{source}: the output would overwrite the input; choose another output path")


def schema_from_model(imputer, extra, path):
    """The table schema stored with a model, or one derived from its feature names."""
    if "schema" in extra:
        return TableSchema.from_dict(extra["schema"])
    names = getattr(imputer, "feature_names_in_", None)
    if names is None:
        raise ModelFileError(
            f"{path}: this model was fitted on an array without column names, so its columns cannot "
            "be matched in a file; fit it on a DataFrame or with `impute fit`"
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


def fill_file(imputer, schema, source, destination, *, sep=None, encoding="utf-8", on_rows=None):
    """Fill the gaps of ``source`` into ``destination``, streaming in record batches.

    Columns are matched by name: modelled columns must all be present, other columns pass
    through unchanged, and observed cells are written exactly as read. Returns the row count.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from impute import datasets
    >>> from impute.jobs import fill_file, fit_file
    >>> result = fit_file(datasets.path("adult"), method="mean")
    >>> out = os.path.join(tempfile.mkdtemp(), "adult.filled.csv")
    >>> fill_file(result.imputer, result.schema, datasets.path("adult"), out)
    2000
    >>> int(pd.read_csv(out)["occupation"].isna().sum())
    0
    """
    refuse_overwrite(source, destination)
    table_file = TableFile.open(source, sep, encoding)
    absent = [name for name in schema.modelled if name not in table_file.column_names]
    if absent:
        raise DataError(f"{source}: the model fills columns that this file lacks: {absent}")
    as_text = file_format(destination) != "parquet"
    batches = table_file.batches()
    first = next(batches, None)
    source_schema = first.schema if first is not None else pa.schema([(n, pa.string()) for n in table_file.column_names])
    output_schema = _output_schema(source_schema, schema, as_text)

    def filled_batches():
        offset = 0
        for batch in itertools.chain([first] if first is not None else [], batches):
            frame = model_frame(batch, schema, str(source), offset)
            missing = frame.isna().to_numpy()
            filled = imputer.transform(frame) if missing.any() else frame
            filled = filled if isinstance(filled, pd.DataFrame) else pd.DataFrame(filled, columns=frame.columns)
            columns = list(batch.columns)
            for j, name in enumerate(schema.modelled):
                i = batch.schema.get_field_index(name)
                columns[i] = merge_filled(columns[i], filled[name].to_numpy(), missing[:, j], schema.kinds[name], as_text,
                                          name in schema.decimal_comma)
            offset += batch.num_rows
            if on_rows:
                on_rows(batch.num_rows)
            yield pa.record_batch(columns, schema=output_schema)

    return write_table(destination, output_schema, filled_batches(), table_file.delimiter)


def evaluate_file(path, *, mechanism="MCAR", rate=0.3, methods=METHODS, seeds=3, columns=None, exclude=(),
                  categorical=(), na_values=NA_VALUES, sep=None, encoding="utf-8", max_rows=EVALUATE_MAX_ROWS,
                  max_epochs="auto", device="auto", params=None, on_run=None):
    """Score each method on cells of a data file hidden on purpose (``../shared/BENCHMARK.md``).

    Numeric columns are min-max scaled on their observed values; for each seed, observed cells
    are hidden under ``mechanism`` at ``rate`` (categorical cells MCAR at ``rate``), every method
    fills the same cells, and RMSE and MAE are measured on the numeric ones in the scaled space,
    accuracy on the categorical ones. Files longer than ``max_rows`` are
    subsampled with a fixed seed. ``params`` sets parameters of the methods that train a network.
    Returns ``(runs, summary)``: one dict per (method, seed), and
    per method the mean over seeds, overall and per column (and the epochs run, for the methods
    that train), plus the rows used.

    Examples
    --------
    >>> from impute import datasets
    >>> from impute.jobs import evaluate_file
    >>> runs, summary = evaluate_file(datasets.path("breast_cancer"), methods=["mean"], seeds=2)
    >>> len(runs), round(summary["methods"]["mean"]["rmse"], 3)
    (2, 0.144)
    """
    if not set(methods) & set(TRAINED):
        refuse_params(", ".join(methods), params)
    _, schema, frame, total = read_modelled(
        path, sep=sep, encoding=encoding, na_values=na_values, columns=columns, exclude=exclude,
        categorical=categorical, max_rows=max_rows,
    )
    forced = [name for name in categorical if name in schema.modelled]
    runs = []
    for seed in range(seeds):
        for method in methods:
            imputer = make_imputer(method, max_epochs=max_epochs, device=device, seed=seed, categorical=forced,
                                   params=params if method in TRAINED else None)
            runs.append({"method": method, "seed": seed, **evaluate_frame(imputer, frame, mechanism, rate, seed)})
            if on_run:
                on_run(runs[-1])
    summary = {
        "source": Path(path).name,
        "rows": len(frame),
        "file_rows": total,
        "columns": schema.modelled,
        "mechanism": mechanism,
        "rate": rate,
        "methods": {method: _summarise([run for run in runs if run["method"] == method]) for method in methods},
    }
    return runs, summary


def _summarise(runs):
    """One method's mean scores over its runs (seeds), overall and per column."""
    names = dict.fromkeys(name for run in runs for name in run["columns"])
    return {
        **{metric: _mean([run.get(metric) for run in runs]) for metric in ("rmse", "mae", "accuracy", "seconds", "epochs")},
        "columns": {
            name: {
                metric: _mean([run["columns"].get(name, {}).get(metric) for run in runs])
                for metric in ("rmse", "mae", "accuracy")
                if any(metric in run["columns"].get(name, {}) for run in runs)
            }
            for name in names
        },
    }


def _mean(values):
    """The mean of the measured values; None when the metric does not apply (no such columns, or
    no epochs for a method that does not train)."""
    measured = [value for value in values if value is not None]
    return float(np.mean(measured)) if measured else None


def describe_file(path, *, na_values=NA_VALUES, sep=None, encoding="utf-8", max_rows=FIT_MAX_ROWS, pattern=False):
    """Shape, column kinds and missing cells per column of a data file, and which numeric columns
    are written with a decimal comma (``"decimal_comma"``).

    Missing cells are counted over the whole file, streamed; kinds are judged on a uniform
    sample of ``max_rows`` rows, as ``fit_file`` judges them. With ``pattern=True`` the result
    also holds ``"pattern"``: which cells of that sample are missing (bool ndarray, rows in file
    order x columns), for a picture of the missingness; it is read from the same sample, so the
    file is not read again.

    Examples
    --------
    >>> from impute import datasets
    >>> from impute.jobs import describe_file
    >>> described = describe_file(datasets.path("adult"))
    >>> described["rows"], described["columns"]["occupation"]
    (2000, {'kind': 'categorical', 'missing': 112, 'missing_share': 0.056})
    >>> pattern = describe_file(datasets.path("adult"), max_rows=500, pattern=True)["pattern"]
    >>> pattern.shape, int(pattern[:, 1].sum()) > 0
    ((500, 15), True)
    """
    table_file = TableFile.open(path, sep, encoding)
    sample, _ = table_file.read(max_rows, SAMPLE_SEED)
    kinds, decimal_comma = table_kinds(sample, na_values)
    missing, rows = dict.fromkeys(table_file.column_names, 0), 0
    for batch in table_file.batches():
        rows += batch.num_rows
        for name in table_file.column_names:
            missing[name] += count_missing(batch.column(name), na_values)
    columns = {
        name: {"kind": kinds[name], "missing": missing[name], "missing_share": missing[name] / max(1, rows)}
        for name in table_file.column_names
    }
    described = {
        "source": str(path),
        "format": table_file.format,
        "delimiter": table_file.delimiter if table_file.format != "parquet" else None,
        "rows": rows,
        "columns": columns,
        "modelled": [name for name, info in columns.items() if info["kind"] in MODELLED_KINDS],
        "decimal_comma": decimal_comma,
    }
    if pattern:
        cells = [missing_cells(sample.column(name), na_values) for name in table_file.column_names]
        described["pattern"] = np.column_stack(cells).reshape(sample.num_rows, len(cells))
    return described
