"""Time series inside a DataFrame: which rows form a series, in what order, at what times.

Every time-series imputer reads its input through ``series_layout``, so that long tables (a time
column and a series-id column, rows in any order) and wide ones (one series, a datetime index or
a time column) are understood the same way, and every error about time names the row.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import is_datetime64_any_dtype

from ..core import DataError, as_numbers, holds_real_numbers


@dataclass
class SeriesLayout:
    """Where the series of a table are.

    Attributes
    ----------
    features : list of str
        The numeric value columns: neither the time nor the id column, nor flags or complex
        numbers.
    rows : list of ndarray of int
        For each series, the positions of its rows in the table, in time order.
    times : list of ndarray of float
        For each series, its time stamps in the same order: seconds for datetimes, the values
        themselves for a numeric time column, 0, 1, 2, ... for row order.

    Examples
    --------
    >>> import pandas as pd
    >>> from impute import series_layout
    >>> frame = pd.DataFrame({"x": [1.0, 2.0]}, index=pd.to_datetime(["2024-01-02", "2024-01-01"]))
    >>> layout = series_layout(frame)
    >>> layout.rows[0].tolist(), float(layout.times[0][1] - layout.times[0][0]) / 3600
    ([1, 0], 24.0)
    """

    features: list
    rows: list
    times: list


def _time_values(frame, time_column):
    """Float time stamps for every row, and what they were read from (for messages)."""
    if time_column is None:
        index = frame.index
        if isinstance(index, pd.DatetimeIndex):
            return as_numbers(index.to_series(), "datetime"), "the datetime index"
        return np.arange(len(frame), dtype=np.float64), None
    if time_column not in frame.columns:
        raise DataError(
            f"time_column={time_column!r} is not a column; columns are {list(frame.columns)}"
        )
    column = frame[time_column]
    if is_datetime64_any_dtype(column):
        values = as_numbers(column, "datetime")
    elif holds_real_numbers(column):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        parsed = pd.to_datetime(column, errors="coerce", format="mixed")
        unparsed = parsed.isna() & column.notna()
        if unparsed.any():
            row = int(np.flatnonzero(unparsed.to_numpy())[0])
            raise DataError(
                f"column {time_column!r}, row {row + 1}: {column.iloc[row]!r} is neither a date "
                "nor a number; "
                "fix the cell or choose another time column"
            )
        values = as_numbers(parsed, "datetime")
    missing = np.isnan(values)
    if missing.any():
        raise DataError(
            f"column {time_column!r}, row {int(np.flatnonzero(missing)[0]) + 1}: the time is "
            "missing; "
            "every row needs a time stamp"
        )
    return values, f"column {time_column!r}"


def series_layout(frame, time_column=None, id_column=None):
    """Find the series of ``frame`` and put each in time order.

    Parameters
    ----------
    frame : DataFrame
        Long (one row per series and time step) or wide (one series).
    time_column : str, optional
        The column of time stamps (datetimes, ISO date text, or numbers). Without it, a
        ``DatetimeIndex`` gives the times, and otherwise the rows are taken to be in time order
        and evenly spaced.
    id_column : str, optional
        The column naming the series each row belongs to; without it the table is one series.

    Returns
    -------
    SeriesLayout

    Raises
    ------
    DataError
        When a named column is absent, the time and id columns are the same, a time stamp or
        series id is missing or unreadable, or two rows of one series share a time stamp.

    Examples
    --------
    >>> import pandas as pd
    >>> from impute import series_layout
    >>> frame = pd.DataFrame(
    ...     {"station": ["b", "a", "a", "b"], "hour": [1, 2, 1, 0], "pm": [4.0, None, 2.0, 3.0]}
    ... )
    >>> layout = series_layout(frame, time_column="hour", id_column="station")
    >>> layout.features, [rows.tolist() for rows in layout.rows]
    (['pm'], [[2, 1], [3, 0]])
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(
            "time series are read from a DataFrame; wrap the array with pandas.DataFrame"
        )
    if id_column is not None and id_column == time_column:
        raise DataError(
            f"time_column and id_column are both {id_column!r}; the series id needs a column of "
            "its own"
        )
    times, source = _time_values(frame, time_column)
    if id_column is not None:
        if id_column not in frame.columns:
            raise DataError(
                f"id_column={id_column!r} is not a column; columns are {list(frame.columns)}"
            )
        ids = frame[id_column]
        if ids.isna().any():
            raise DataError(
                f"column {id_column!r}, row {int(np.flatnonzero(ids.isna().to_numpy())[0]) + 1}: "
                "the series id is "
                "missing; every row needs one"
            )
        codes = pd.factorize(ids, sort=True)[0]
    else:
        codes = np.zeros(len(frame), dtype=np.int64)
    order = np.lexsort((times, codes))  # by series, then by time
    boundaries = np.flatnonzero(np.diff(codes[order])) + 1
    rows = np.split(order, boundaries) if len(order) else []
    for series_rows in rows:
        repeated = np.flatnonzero(np.diff(times[series_rows]) == 0)
        if len(repeated):
            first, second = sorted(series_rows[repeated[0] : repeated[0] + 2] + 1)
            where = (
                f"series {frame[id_column].iloc[first - 1]!r}"
                if id_column is not None
                else "the table"
            )
            hint = (
                ""
                if id_column is not None
                else ", or name the series with id_column if there are several"
            )
            raise DataError(
                f"rows {first} and {second} of {where} have the same time in {source}; remove the "
                f"duplicate{hint}"
            )
    features = [
        name
        for name in frame.columns
        if name not in (time_column, id_column) and holds_real_numbers(frame[name])
    ]
    return SeriesLayout(features, rows, [times[series_rows] for series_rows in rows])
