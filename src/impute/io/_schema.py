"""The columns of a data file: which are modelled, their cells as values and back.

A file's columns are classified once, at fit time (``infer_schema``), by the column-kind
authority (``impute.core.arrow_column_kind``): numbers, categories and dates are modelled;
identifiers and columns without an observed value pass through untouched. The kinds are stored
with the model, so that filling another file parses the same columns the same way. Cells are
parsed from Arrow arrays (CSV text or Parquet types) and filled cells merged back, keeping
observed cells exactly as read.
"""

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..core import (
    MODELLED_KINDS,
    NA_VALUES,
    NUMBER,
    DataError,
    arrow_column_kind,
    arrow_resolution,
    is_text_type,
    present_text,
    text_values,
)

DATE_ONLY = r"^\d{4}-\d{2}-\d{2}$"
ZONE = r"(?P<zone>Z|[+-]\d{2}:?\d{2})$"  # a UTC offset at the end of an ISO 8601 time


@dataclass
class TableSchema:
    """What ``fit`` learned about a file's columns, stored with the model and checked at fill time.

    ``kinds`` maps every column of the training file, in order, to its kind
    (``impute.core.arrow_column_kind``): ``float``, ``integer``, ``datetime``, ``categorical``
    (text and booleans), or, passed through, ``identifier``, ``empty`` or ``unsupported``.
    ``modelled`` lists the columns the model fills; every other column passes through untouched.
    ``decimal_comma`` lists the numeric columns written with a decimal comma ("1,5"), read and
    written back that way.
    """

    kinds: dict
    modelled: list
    na_values: list
    decimal_comma: list = field(default_factory=list)

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        return cls(
            dict(data["kinds"]),
            list(data["modelled"]),
            list(data["na_values"]),
            list(data.get("decimal_comma", [])),
        )


def missing_cells(column, na_values):
    """Boolean ndarray of a column's missing cells: NA markers and nulls in text, nulls and NaN
    in typed columns."""
    if is_text_type(column.type):
        missing = pc.invert(present_text(pc.cast(column, pa.string()), na_values)[1])
    elif pa.types.is_floating(column.type):
        missing = pc.is_nan(column)
    else:
        missing = pc.is_null(column)
    return pc.fill_null(missing, True).to_numpy(zero_copy_only=False)


def count_missing(column, na_values):
    """Number of missing cells in a column (see ``missing_cells``)."""
    return int(missing_cells(column, na_values).sum())


def table_kinds(table, na_values=NA_VALUES, categorical=()):
    """The kind of every column (see ``TableSchema``), by the column-kind authority. A flag is
    a category of two in a file, written back as the label it was read as. Returns ``(kinds,
    decimal_comma)``: the kinds, and the float columns written with a decimal comma."""
    kinds, decimal_comma = {}, []
    for name in table.column_names:
        kind, comma = arrow_column_kind(
            table.column(name), na_values, categorical=name in categorical
        )
        if comma:
            decimal_comma.append(name)
        kinds[name] = "categorical" if kind == "boolean" else kind
    return kinds, decimal_comma


def infer_schema(table, source, na_values=NA_VALUES, columns=None, exclude=(), categorical=()):
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
        The columns to model; None models every numeric and categorical column.
    exclude : sequence of str
        Columns never modelled (passed through).
    categorical : sequence of str
        Columns modelled as categories whatever their values (codes written as numbers).
    """
    unknown = sorted(set(columns or ()).union(exclude, categorical) - set(table.column_names))
    if unknown:
        raise DataError(
            f"{source}: no column named {unknown}; the columns are {table.column_names}"
        )
    kinds, decimal_comma = table_kinds(table, na_values, categorical)
    chosen = table.column_names if columns is None else list(columns)
    unusable = [
        f"{name!r} ({kinds[name]})"
        for name in chosen
        if columns and kinds[name] not in MODELLED_KINDS
    ]
    if unusable:
        raise DataError(
            f"{source}: impute fills numeric and categorical columns, and these cannot be filled: "
            f"{', '.join(unusable)}; leave them out of --columns"
        )
    modelled = [name for name in chosen if kinds[name] in MODELLED_KINDS and name not in exclude]
    if not modelled:
        raise DataError(
            f"{source}: no numeric or categorical column with an observed value to model; the "
            f"kinds are {kinds}"
        )
    return TableSchema(kinds, modelled, list(na_values), decimal_comma)


def parse_column(column, name, kind, na_values, source, row_offset=0, decimal_comma=False):
    """One modelled column as the estimator reads it: floats, nullable integers or labels."""
    if kind == "categorical":
        return (
            text_values(column, na_values)
            if is_text_type(column.type)
            else column.to_pandas().astype(object)
        )
    if kind == "datetime":
        return parse_datetime(column, name, na_values, source, row_offset)
    values = parse_numeric(column, name, na_values, source, row_offset, decimal_comma)
    return pd.Series(
        pd.array(np.where(np.isnan(values), None, values), dtype="Int64")
        if kind == "integer"
        else values
    )


def parse_datetime(column, name, na_values, source, row_offset=0):
    """A column of ISO 8601 text, Arrow timestamps or dates as a datetime Series; other text is
    an error."""
    if pa.types.is_date(column.type):
        return pc.cast(column, pa.timestamp("s")).to_pandas()
    if not is_text_type(column.type):
        return column.to_pandas()
    text = text_values(column, na_values)
    # Local times written with their offset change it at daylight saving: read them all as UTC.
    trimmed, present = present_text(pc.cast(column, pa.string()), na_values)
    zoned = bool(pc.any(pc.match_substring_regex(pc.filter(trimmed, present), ZONE)).as_py())
    stamps = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=zoned)
    bad = np.flatnonzero(stamps.isna().to_numpy() & text.notna().to_numpy())
    if len(bad):
        _refuse_cell(
            source, name, row_offset + bad[0], text.iloc[bad[0]], "an ISO 8601 date or time"
        )
    return stamps


def _refuse_cell(source, name, row, value, expected):
    """Name the first bad cell (``row`` counted from 0) and what to do about it."""
    raise DataError(
        f"{source}: column {name!r}, row {row + 1}: {value!r} is not {expected}; fix the cell, "
        "list it as a "
        "missing-value marker with --na-values, or --exclude the column"
    )


def _typed_stamps(stamps, arrow_type):
    """Filled datetimes (a Series) as an Arrow array of ``arrow_type``, rounded to its resolution
    (whole days for dates), so that no cast has to drop a fraction."""
    return pa.array(stamps.dt.round(arrow_resolution(arrow_type))).cast(arrow_type)


def _datetime_texts(stamps, observed):
    """Datetimes written like the column's observed cells (text): dates alone, or date and time,
    with the UTC offset the observed cells use most (``Z``, ``+02:00``...) where they have one."""
    if len(observed) and pc.all(pc.match_substring_regex(observed, DATE_ONLY)).as_py():
        return stamps.dt.strftime("%Y-%m-%d")
    with_t = len(observed) and "T" in observed[0].as_py()
    layout = "%Y-%m-%dT%H:%M:%S" if with_t else "%Y-%m-%d %H:%M:%S"
    zones = (
        pc.struct_field(pc.extract_regex(pc.drop_null(observed), ZONE), "zone")
        if len(observed)
        else pa.array([], pa.string())
    )
    zones = pc.drop_null(zones)
    if not len(zones):
        return stamps.dt.strftime(layout)
    counts = pc.value_counts(zones)
    zone = counts.field("values")[
        pc.index(counts.field("counts"), pc.max(counts.field("counts"))).as_py()
    ].as_py()
    minutes = (
        0 if zone == "Z" else (1 if zone[0] == "+" else -1) * (60 * int(zone[1:3]) + int(zone[-2:]))
    )
    utc = stamps.dt.tz_convert("UTC").dt.tz_localize(None) if stamps.dt.tz is not None else stamps
    return (utc + pd.Timedelta(minutes=minutes)).dt.strftime(layout) + zone


def parse_numeric(column, name, na_values, source, row_offset=0, decimal_comma=False):
    """A column as float64 with NaN where missing; a cell that is not a finite number is an error.

    ``row_offset`` is the number of data rows before this batch, so that errors give the row's
    position in the file (counted from 1, header excluded). With ``decimal_comma`` a comma in a
    text cell is read as the decimal point.
    """
    if is_text_type(column.type):
        column = pc.cast(column, pa.string())
        missing = pc.is_in(column, value_set=pa.array(na_values, pa.string()))
        dotted = pc.replace_substring(column, ",", ".") if decimal_comma else column
        try:  # fast path: clean numbers
            values = pc.cast(pc.if_else(missing, None, dotted), pa.float64()).to_numpy(
                zero_copy_only=False
            )
            bad = pa.array(np.isinf(values))
        except pa.ArrowInvalid:  # spaces around numbers, or a cell that is not a number: find it
            text, present = present_text(dotted, na_values)
            number = pc.match_substring_regex(text, NUMBER)
            bad = pc.and_(present, pc.invert(number))
            values = pc.cast(pc.if_else(number, text, None), pa.float64()).to_numpy(
                zero_copy_only=False
            )
    else:
        values = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
        bad = pa.array(np.isinf(values))
    if pc.any(bad).as_py():
        row = pc.index(bad, True).as_py()
        _refuse_cell(source, name, row_offset + row, column[row].as_py(), "a finite number")
    return values


def merge_filled(original, filled, missing, kind, as_text, decimal_comma=False):
    """The output column: the original cells where observed, ``filled`` where ``missing``.

    ``filled`` holds the imputer's output for the column (numbers, or category labels). With
    ``as_text`` a text column stays text and its observed cells keep their exact characters
    (filled numbers written with a comma where ``decimal_comma``); otherwise numeric columns read
    as text become numbers.
    """
    is_text = is_text_type(original.type)
    if kind == "datetime":
        if not missing.any():
            return original
        stamps = pd.Series(filled)[missing]
        if is_text:
            original = pc.cast(original, pa.string())
            texts = _datetime_texts(stamps, pc.filter(original, pa.array(~missing)))
            return pc.replace_with_mask(original, pa.array(missing), pa.array(texts, pa.string()))
        return pc.replace_with_mask(
            original, pa.array(missing), _typed_stamps(stamps, original.type)
        )
    if kind == "categorical":
        if not missing.any():
            return original
        labels = pa.array(np.asarray(filled, dtype=object)[missing])
        if is_text:  # plain or dictionary-encoded text: replace as text, then encode as it was
            merged = pc.replace_with_mask(
                pc.cast(original, pa.string()), pa.array(missing), pc.cast(labels, pa.string())
            )
            return pc.cast(merged, original.type)
        return pc.replace_with_mask(original, pa.array(missing), pc.cast(labels, original.type))
    filled = np.asarray(filled, dtype=np.float64)
    numbers = np.rint(filled).astype(np.int64) if kind == "integer" else filled
    if is_text and not as_text:
        # its observed cells are the parsed values, unchanged by the imputer
        return pa.array(numbers)
    if not missing.any():
        return original
    original = pc.cast(original, pa.string()) if is_text else original
    replacements = pa.array(numbers[missing])
    if pa.types.is_decimal(original.type):
        replacements = pc.round(replacements, original.type.scale)
    replacements = pc.cast(replacements, original.type)
    if is_text and decimal_comma:
        replacements = pc.replace_substring(replacements, ".", ",")
    return pc.replace_with_mask(original, pa.array(missing), replacements)
