"""Column kinds of a table, and the encoding of numeric columns into the model's space and back.

A file's columns are classified once, at fit time (``infer_schema``): numeric columns are modelled,
every other column passes through untouched. The kinds are stored with the model, so that filling
another file parses the same columns the same way.

The network sees each column on a common scale, so that no column dominates the loss by its units.
The encoding must be invertible, because imputed values go back to the user in the original units.
Two encodings are offered and measured against each other in ``benchmarks/accuracy.py``:

- ``"robust"``: subtract the median and divide by the interquartile range (the standard deviation
  where the IQR is under a tenth of it). Linear, so a squared
  error in model space is a squared error in the user's units, column by column.
- ``"quantile"``: map each column through its empirical CDF onto a standard normal. Tames heavy
  tails and skew, at the price of a non-linear inverse.
"""

from dataclasses import asdict, dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from sklearn.preprocessing import QuantileTransformer

from .errors import DataError

SCALINGS = ("robust", "quantile")
MIN_IQR_SHARE_OF_STD = 0.1
MODEL_SPACE_LIMIT = 1e4  # robust-scaled values of real data stay far inside; float32 overflows near 3e38


class NumericScaler:
    """Invertible per-column scaling of a float matrix whose missing cells are NaN.

    Parameters
    ----------
    method : {"robust", "quantile"}
        Which encoding to learn; see the module docstring.
    random_state : int
        Seed for the subsample the quantile encoding draws on very tall tables.
    """

    def __init__(self, method, random_state):
        if method not in SCALINGS:
            raise ValueError(f"scaling must be one of {SCALINGS}, got {method!r}")
        self.method = method
        self.random_state = random_state

    def fit(self, X):
        self.low_, self.high_ = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
        if self.method == "quantile":
            n_observed = int(np.min(np.sum(~np.isnan(X), axis=0), initial=len(X)))
            self.quantiles_ = QuantileTransformer(
                n_quantiles=max(2, min(1000, n_observed)),
                output_distribution="normal",
                random_state=self.random_state,
            ).fit(X)
            return self
        q25, median, q75 = np.nanpercentile(X, [25, 50, 75], axis=0)
        with np.errstate(over="ignore", invalid="ignore"):
            iqr = q75 - q25
            spread = np.nanstd(X, axis=0)  # inf when values near the float limit overflow their squares
        # A column piled up on one value has an IQR near 0 however wide its tails; dividing by it
        # would blow the tails up past float32 range, so such columns use their standard deviation.
        piled_up = np.isfinite(spread) & (iqr <= MIN_IQR_SHARE_OF_STD * spread)
        scale = np.where(piled_up, spread, iqr)
        self.center_ = median
        self.scale_ = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
        return self

    def to_state(self):
        """The learned encoding as arrays and plain values (see ``modelfile``)."""
        bounds = {"low": self.low_, "high": self.high_}
        if self.method == "quantile":
            fitted = self.quantiles_
            return {"method": self.method, "quantiles": fitted.quantiles_, "references": fitted.references_, **bounds}
        return {"method": self.method, "center": self.center_, "scale": self.scale_, **bounds}

    @classmethod
    def from_state(cls, state, random_state):
        scaler = cls(state["method"], random_state)
        scaler.low_ = np.asarray(state["low"], dtype=np.float64)
        scaler.high_ = np.asarray(state["high"], dtype=np.float64)
        if scaler.method == "quantile":
            quantiles = np.asarray(state["quantiles"], dtype=np.float64)
            fitted = QuantileTransformer(n_quantiles=len(quantiles), output_distribution="normal")
            fitted.quantiles_ = quantiles
            fitted.references_ = np.asarray(state["references"], dtype=np.float64)
            fitted.n_quantiles_ = len(quantiles)
            fitted.n_features_in_ = quantiles.shape[1]
            scaler.quantiles_ = fitted
        else:
            scaler.center_ = np.asarray(state["center"], dtype=np.float64)
            scaler.scale_ = np.asarray(state["scale"], dtype=np.float64)
        return scaler

    def transform(self, X):
        """Encode ``X``; values beyond ``MODEL_SPACE_LIMIT`` (far tails, numbers near the float
        limit) are clipped to it, so the network's float32 arithmetic stays finite."""
        if self.method == "quantile":
            return self.quantiles_.transform(X)
        with np.errstate(over="ignore"):
            return np.clip((X - self.center_) / self.scale_, -MODEL_SPACE_LIMIT, MODEL_SPACE_LIMIT)

    def inverse_transform(self, Z):
        """Decode ``Z``, within each column's observed range: filled values never leave it."""
        if self.method == "quantile":
            decoded = self.quantiles_.inverse_transform(Z)
        else:
            with np.errstate(over="ignore"):
                decoded = Z * self.scale_ + self.center_
        return np.clip(decoded, self.low_, self.high_)


NUMERIC_KINDS = ("float", "integer")
NA_VALUES = tuple(pa_csv.ConvertOptions().null_values)
NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
INTEGER = r"^[+-]?\d+$"
INFINITY = r"(?i)^[+-]?inf(inity)?$"  # numbers, but not finite: a numeric column holding one is refused
BOOLEANS = ("true", "false", "True", "False", "TRUE", "FALSE")
STRAY_TEXT_SHARE = 0.9  # a column whose values are at least this share numbers is numeric with bad cells


@dataclass
class TableSchema:
    """What ``fit`` learned about a file's columns, stored in the model file and checked at fill time.

    ``kinds`` maps every column of the training file, in order, to ``float``, ``integer``,
    ``boolean``, ``text``, ``datetime``, ``empty`` (no observed value) or ``other``. ``modelled``
    lists the numeric columns the model fills; every other column passes through untouched.
    """

    kinds: dict
    modelled: list
    na_values: list

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        return cls(dict(data["kinds"]), list(data["modelled"]), list(data["na_values"]))


def _present_text(column, na_values):
    """Trimmed cell texts and a mask of the cells that hold a value (not an NA marker)."""
    text = pc.utf8_trim_whitespace(column)
    return text, pc.invert(pc.is_in(text, value_set=pa.array(na_values, pa.string())))


def is_text_type(kind):
    return pa.types.is_dictionary(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind)


def count_missing(column, na_values):
    """Missing cells of a column: NA markers in text, nulls and NaN in typed columns."""
    if is_text_type(column.type):
        return len(column) - pc.sum(_present_text(pc.cast(column, pa.string()), na_values)[1]).as_py()
    if pa.types.is_floating(column.type):
        return column.null_count + (pc.sum(pc.is_nan(column)).as_py() or 0)
    return column.null_count


def column_kind(column, na_values):
    """The kind of one column (see ``TableSchema``); text columns are judged by their values."""
    kind = column.type
    if is_text_type(kind):
        column = pc.cast(column, pa.string())
    elif pa.types.is_null(kind) or column.null_count == len(column):
        return "empty"
    elif pa.types.is_integer(kind):
        return "integer"
    elif pa.types.is_floating(kind):
        return "float" if pc.any(pc.invert(pc.is_nan(column))).as_py() else "empty"
    elif pa.types.is_boolean(kind):
        return "boolean"
    elif pa.types.is_temporal(kind):
        return "datetime"
    else:
        return "other"
    text, present = _present_text(column, na_values)
    values = pc.filter(text, present)
    if len(values) == 0:
        return "empty"
    number = pc.match_substring_regex(values, NUMBER)
    if pc.all(number).as_py():
        return "integer" if pc.all(pc.match_substring_regex(values, INTEGER)).as_py() else "float"
    if pc.mean(pc.or_(number, pc.match_substring_regex(values, INFINITY))).as_py() >= STRAY_TEXT_SHARE:
        return "float"  # parse_numeric will name the first bad cell
    if pc.all(pc.is_in(values, value_set=pa.array(BOOLEANS))).as_py():
        return "boolean"
    return "text"


def infer_schema(table, source, na_values=NA_VALUES, columns=None, exclude=()):
    """Detect each column's kind and choose the columns to model.

    Parameters
    ----------
    table : pyarrow.Table
        The training data, CSV columns as text.
    source : str
        Named in error messages.
    na_values : sequence of str
        Cell texts that mean "missing" (after trimming spaces).
    columns : sequence of str or None
        The columns to model; None models every numeric column that has an observed value.
    exclude : sequence of str
        Columns never modelled (passed through).
    """
    unknown = sorted(set(columns or ()).union(exclude) - set(table.column_names))
    if unknown:
        raise DataError(f"{source}: no column named {unknown}; the columns are {table.column_names}")
    kinds = {name: column_kind(table.column(name), na_values) for name in table.column_names}
    chosen = table.column_names if columns is None else list(columns)
    not_numeric = [f"{name!r} ({kinds[name]})" for name in chosen if columns and kinds[name] not in NUMERIC_KINDS]
    if not_numeric:
        raise DataError(
            f"{source}: impute fills numeric columns only, and these are not: {', '.join(not_numeric)}; "
            "leave them out of --columns"
        )
    modelled = [name for name in chosen if kinds[name] in NUMERIC_KINDS and name not in exclude]
    if not modelled:
        raise DataError(f"{source}: no numeric column with an observed value to model; the kinds are {kinds}")
    return TableSchema(kinds, modelled, list(na_values))


def parse_numeric(column, name, na_values, source, row_offset=0):
    """A column as float64 with NaN where missing; a cell that is not a finite number is an error.

    ``row_offset`` is the number of data rows before this batch, so that errors give the row's
    position in the file (counted from 1, header excluded).
    """
    if is_text_type(column.type):
        column = pc.cast(column, pa.string())
        missing = pc.is_in(column, value_set=pa.array(na_values, pa.string()))
        try:  # fast path: clean numbers
            values = pc.cast(pc.if_else(missing, None, column), pa.float64()).to_numpy(zero_copy_only=False)
            bad = pa.array(np.isinf(values))
        except pa.ArrowInvalid:  # spaces around numbers, or a cell that is not a number: find it
            text, present = _present_text(column, na_values)
            number = pc.match_substring_regex(text, NUMBER)
            bad = pc.and_(present, pc.invert(number))
            values = pc.cast(pc.if_else(number, text, None), pa.float64()).to_numpy(zero_copy_only=False)
    else:
        values = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
        bad = pa.array(np.isinf(values))
    if pc.any(bad).as_py():
        row = pc.index(bad, True).as_py()
        raise DataError(
            f"{source}: column {name!r}, row {row_offset + row + 1}: {column[row].as_py()!r} is not a finite "
            "number; fix the cell, list it as a missing-value marker with --na-values, or --exclude the column"
        )
    return values


def merge_filled(original, filled, missing, kind, as_text):
    """The output column: the original cells where observed, ``filled`` where ``missing``.

    Integer columns are filled with rounded values. With ``as_text`` a text column stays text and
    its observed cells keep their exact characters; otherwise the result is numeric.
    """
    numbers = np.rint(filled).astype(np.int64) if kind == "integer" else filled
    is_text = is_text_type(original.type)
    if is_text and not as_text:
        return pa.array(numbers)  # its observed cells are the parsed values, unchanged by the imputer
    if not missing.any():
        return original
    original = pc.cast(original, pa.string()) if is_text else original
    replacements = pc.cast(pa.array(numbers[missing]), original.type)
    return pc.replace_with_mask(original, pa.array(missing), replacements)
