"""What a column is: the one authority on column kinds that every other module asks.

A column's kind says how it is modelled or why it passes through untouched:

- modelled: ``float``, ``integer``, ``datetime`` (numbers to the network) and ``categorical``,
  ``boolean`` (categories to the network);
- passed through: ``empty`` (no observed value), ``identifier`` (text with almost every value
  distinct, such as an ID or free text, which would only teach the network to memorise rows) and
  ``unsupported`` (complex numbers, durations, mixed Python objects...).

There is one set of rules and a reader per backend, as skrub has one per dataframe library:
``frame_column_kind`` reads a pandas Series (what the estimators see) from its dtype and values;
``arrow_column_kind`` reads an Arrow array from a file, whose CSV cells are all text and are
judged by their values (numbers, numbers with a decimal comma, ISO 8601 dates, ``true``/``false``)
before text is handed to the same rule as a frame's text columns.
"""

import decimal
import numbers

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from pandas.api.types import (
    is_bool_dtype,
    is_complex_dtype,
    is_datetime64_any_dtype,
    is_float_dtype,
    is_integer_dtype,
    is_numeric_dtype,
)

NUMERIC_KINDS = ("float", "integer", "datetime")
CATEGORICAL_KINDS = ("categorical", "boolean")
MODELLED_KINDS = NUMERIC_KINDS + CATEGORICAL_KINDS
PASSED_THROUGH_KINDS = ("empty", "identifier", "unsupported")  # columns kept as they are
MAX_CATEGORIES = 1000
IDENTIFIER_DISTINCT_SHARE = 0.9  # text columns this distinct (and with many values) are identifiers
IDENTIFIER_MIN_DISTINCT = 50
NANOSECONDS = 1e9
PYTHON_NUMBERS = (int, float, np.integer, np.floating, decimal.Decimal)

NA_VALUES = tuple(pa_csv.ConvertOptions().null_values)  # cell texts that mean "missing" by default
NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
INTEGER = r"^[+-]?\d+$"
# "1,5": a decimal comma, as spreadsheets write it
COMMA_NUMBER = r"^[+-]?(\d+,\d*|,\d+)([eE][+-]?\d+)?$"
# "1,234" could as well be one thousand two hundred and thirty-four
THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+$"
# numbers, but not finite: a numeric column holding one is refused
INFINITY = r"(?i)^[+-]?inf(inity)?$"
BOOLEANS = ("true", "false", "True", "False", "TRUE", "FALSE")
ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
# a column whose values are at least this share numbers is numeric with bad cells
STRAY_TEXT_SHARE = 0.9


def holds_real_numbers(column):
    """Whether a column's dtype holds real numbers: numeric, but neither flags nor complex
    numbers, whose imaginary parts a conversion to floats would drop."""
    return is_numeric_dtype(column) and not is_bool_dtype(column) and not is_complex_dtype(column)


def _text_kind(values):
    """``identifier`` or ``categorical`` for the observed values of a text column."""
    distinct = values.nunique()
    many = distinct >= IDENTIFIER_MIN_DISTINCT and distinct >= IDENTIFIER_DISTINCT_SHARE * len(
        values
    )
    return "identifier" if many or distinct > MAX_CATEGORIES else "categorical"


def frame_column_kind(column, categorical=False):
    """The kind of a pandas Series; ``categorical=True`` makes a column with values categorical.

    Examples
    --------
    >>> import pandas as pd
    >>> from impute.core import frame_column_kind
    >>> frame_column_kind(pd.Series([1, 2, None], dtype="Int64"))
    'integer'
    >>> frame_column_kind(pd.Series(["a", None]))
    'categorical'
    """
    values = column.dropna()
    if len(values) == 0:
        return "empty"
    if categorical:
        return "categorical"
    dtype = column.dtype
    if is_bool_dtype(dtype):
        return "boolean"
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if is_datetime64_any_dtype(dtype):
        return "datetime"
    if is_integer_dtype(dtype):
        return "integer"
    if is_float_dtype(dtype):
        return "float"
    if values.map(type).isin([bool, np.bool_]).all():
        return "boolean"
    if holds_real_numbers(column) or values.map(lambda v: isinstance(v, PYTHON_NUMBERS)).all():
        return "float"
    if not values.map(type).isin([str]).all():
        return "unsupported"
    return _text_kind(values)


def is_text_type(arrow_type):
    """Whether an Arrow type holds text: strings, large strings, or dictionary-encoded text."""
    return (
        pa.types.is_dictionary(arrow_type)
        or pa.types.is_string(arrow_type)
        or pa.types.is_large_string(arrow_type)
    )


def present_text(column, na_values):
    """Trimmed cell texts and a mask of the cells that hold a value (not null, not an NA marker)."""
    text = pc.utf8_trim_whitespace(column)
    markers = pa.array(na_values, pa.string())
    return text, pc.and_(pc.is_valid(text), pc.invert(pc.is_in(text, value_set=markers)))


def text_values(column, na_values):
    """A text column as a Series of its exact cell texts, None where the cell is an NA marker."""
    column = pc.cast(column, pa.string())
    return pc.if_else(present_text(column, na_values)[1], column, None).to_pandas().astype(object)


def _written_with_decimal_comma(values):
    """Whether present cell texts are numbers with a decimal comma: at least one holds a comma,
    not every comma could be a thousands separator, and (as for other numbers, see
    ``STRAY_TEXT_SHARE``) nearly all are such numbers or integers."""
    comma = pc.match_substring_regex(values, COMMA_NUMBER)
    if not pc.any(comma).as_py():
        return False
    if pc.all(pc.match_substring_regex(pc.filter(values, comma), THOUSANDS)).as_py():
        return False
    return (
        pc.mean(pc.or_(comma, pc.match_substring_regex(values, INTEGER))).as_py()
        >= STRAY_TEXT_SHARE
    )


def _read_text_cells(values):
    """The kind that present cell texts spell out, ``"decimal comma"``, or ``"text"``."""
    number = pc.match_substring_regex(values, NUMBER)
    if pc.all(number).as_py():
        return "integer" if pc.all(pc.match_substring_regex(values, INTEGER)).as_py() else "float"
    if _written_with_decimal_comma(values):
        return "decimal comma"
    if (
        pc.mean(pc.or_(number, pc.match_substring_regex(values, INFINITY))).as_py()
        >= STRAY_TEXT_SHARE
    ):
        return "float"  # parsing names the first bad cell
    if pc.all(pc.is_in(values, value_set=pa.array(BOOLEANS))).as_py():
        return "boolean"
    if pc.all(pc.match_substring_regex(values, ISO_DATETIME)).as_py():
        return "datetime"
    return "text"


def _read_arrow(column, na_values):
    """The kind an Arrow array's type gives, or for text the kind its cells spell out."""
    kind = column.type
    if is_text_type(kind):
        text, present = present_text(pc.cast(column, pa.string()), na_values)
        values = pc.filter(text, present)
        return "empty" if len(values) == 0 else _read_text_cells(values)
    if pa.types.is_null(kind) or column.null_count == len(column):
        return "empty"
    if pa.types.is_integer(kind):
        return "integer"
    if pa.types.is_floating(kind):
        return "float" if pc.any(pc.invert(pc.is_nan(column))).as_py() else "empty"
    if pa.types.is_decimal(kind):
        return "float"  # filled values are rounded to the column's scale when written back
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return "datetime"
    return "unsupported"  # durations, times of day, intervals, nested types


def arrow_column_kind(column, na_values=NA_VALUES, categorical=False):
    """The kind of an Arrow array read from a file, and whether it is written with a decimal comma.

    Text is ``categorical`` or ``identifier`` by the rule ``frame_column_kind`` applies to text;
    ``categorical=True`` forces a column with values to be categorical. Returns ``(kind,
    decimal_comma)``; ``decimal_comma`` is True for a ``float`` column written ``1,5``.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from impute.core import arrow_column_kind
    >>> arrow_column_kind(pa.array(["1,5", "2", ""]))
    ('float', True)
    >>> arrow_column_kind(pa.array(["2024-01-31", "NA"]))
    ('datetime', False)
    """
    kind = _read_arrow(column, na_values)
    if kind in ("text", "boolean") or (categorical and kind != "empty"):
        series = text_values(column, na_values) if is_text_type(column.type) else column.to_pandas()
        kind = frame_column_kind(series, categorical=categorical)
    if kind == "decimal comma":
        return "float", True
    return kind, False


def categorical_positions(categorical_features, columns):
    """The positions in ``columns`` that ``categorical_features`` (names or positions, or None)
    makes categorical; an item that names no column is a ValueError."""
    names = list(columns)
    positions = set()
    for item in categorical_features if categorical_features is not None else []:
        if (
            isinstance(item, numbers.Integral)
            and not isinstance(item, bool)
            and 0 <= item < len(names)
        ):
            positions.add(int(item))
        elif item in names:
            positions.add(names.index(item))
        else:
            raise ValueError(
                f"categorical_features names {item!r}, which is not a column of X; the columns are "
                f"{names}"
            )
    return positions


def as_numbers(column, kind):
    """A numeric column as float64, NaN where missing; datetimes as seconds since 1970 (UTC)."""
    if kind == "datetime":
        stamps = pd.to_datetime(column)
        if stamps.dt.tz is not None:
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        nanoseconds = stamps.astype("datetime64[ns]").to_numpy().astype(np.int64).astype(np.float64)
        return np.where(stamps.isna().to_numpy(), np.nan, nanoseconds / NANOSECONDS)
    # pd.to_numeric drops the gaps of Arrow decimals (pandas 3.1)
    if is_numeric_dtype(column.dtype):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def arrow_resolution(arrow_type):
    """The finest step an Arrow timestamp or date type holds, as a pandas frequency: its unit,
    or whole days for dates. Filled datetimes are rounded to it, since a cast that would drop
    a fraction is refused."""
    return "D" if pa.types.is_date(arrow_type) else arrow_type.unit
