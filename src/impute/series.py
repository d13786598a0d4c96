"""Time series inside a DataFrame: which rows form a series, in what order, at what times.

Every time-series imputer reads its input through ``series_layout``, so that long tables (a time
column and a series-id column, rows in any order) and wide ones (one series, a datetime index or
a time column) are understood the same way, and every error about time names the row.
"""

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import is_datetime64_any_dtype, is_integer_dtype
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .encoding import holds_real_numbers
from .errors import DataError

__all__ = ["BaseSeriesImputer", "SeriesLayout", "series_layout"]


@dataclass
class SeriesLayout:
    """Where the series of a table are.

    Attributes
    ----------
    features : list of str
        The numeric value columns (neither the time nor the id column; not booleans, not complex numbers).
    rows : list of ndarray of int
        For each series, the positions of its rows in the table, in time order.
    times : list of ndarray of float
        For each series, its time stamps in the same order: seconds for datetimes, the values
        themselves for a numeric time column, 0, 1, 2, ... for row order.

    Examples
    --------
    >>> import pandas as pd
    >>> from impute.series import series_layout
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
            return _seconds(index.to_series()), "the datetime index"
        return np.arange(len(frame), dtype=np.float64), None
    if time_column not in frame.columns:
        raise DataError(f"time_column={time_column!r} is not a column; columns are {list(frame.columns)}")
    column = frame[time_column]
    if is_datetime64_any_dtype(column):
        values = _seconds(column)
    elif holds_real_numbers(column):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        parsed = pd.to_datetime(column, errors="coerce", format="mixed")
        unparsed = parsed.isna() & column.notna()
        if unparsed.any():
            row = int(np.flatnonzero(unparsed.to_numpy())[0])
            raise DataError(
                f"column {time_column!r}, row {row + 1}: {column.iloc[row]!r} is neither a date nor a number; "
                "fix the cell or choose another time column"
            )
        values = _seconds(parsed)
    missing = np.isnan(values)
    if missing.any():
        raise DataError(
            f"column {time_column!r}, row {int(np.flatnonzero(missing)[0]) + 1}: the time is missing; "
            "every row needs a time stamp"
        )
    return values, f"column {time_column!r}"


def _seconds(datetimes):
    """Seconds since the epoch as floats, NaN where missing; time zones are respected."""
    values = pd.Series(datetimes)
    if values.dt.tz is not None:
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    nanoseconds = values.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
    return np.where(values.isna().to_numpy(), np.nan, nanoseconds / 1e9)


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
    >>> from impute.series import series_layout
    >>> frame = pd.DataFrame({"station": ["b", "a", "a", "b"], "hour": [1, 2, 1, 0], "pm": [4.0, None, 2.0, 3.0]})
    >>> layout = series_layout(frame, time_column="hour", id_column="station")
    >>> layout.features, [rows.tolist() for rows in layout.rows]
    (['pm'], [[2, 1], [3, 0]])
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError("time series are read from a DataFrame; wrap the array with pandas.DataFrame")
    if id_column is not None and id_column == time_column:
        raise DataError(f"time_column and id_column are both {id_column!r}; the series id needs a column of its own")
    times, source = _time_values(frame, time_column)
    if id_column is not None:
        if id_column not in frame.columns:
            raise DataError(f"id_column={id_column!r} is not a column; columns are {list(frame.columns)}")
        ids = frame[id_column]
        if ids.isna().any():
            raise DataError(
                f"column {id_column!r}, row {int(np.flatnonzero(ids.isna().to_numpy())[0]) + 1}: the series id is "
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
            where = f"series {frame[id_column].iloc[first - 1]!r}" if id_column is not None else "the table"
            hint = "" if id_column is not None else ", or name the series with id_column if there are several"
            raise DataError(
                f"rows {first} and {second} of {where} have the same time in {source}; remove the duplicate{hint}"
            )
    features = [
        name
        for name in frame.columns
        if name not in (time_column, id_column) and holds_real_numbers(frame[name])
    ]
    return SeriesLayout(features, rows, [times[series_rows] for series_rows in rows])


class BaseSeriesImputer(TransformerMixin, BaseEstimator):
    """What every time-series imputer shares: reading the series, the numeric features it fills,
    features with no observed value, and writing the filled values back with each column's dtype.

    Subclasses set ``time_column`` and ``id_column`` in ``__init__`` and implement
    ``_fit_series(values, observed_any, layout, **fit_params)`` and ``_fill_series(values,
    layout)``, which see the features as floats (N, F), NaN where missing, and return them
    filled (only the missing cells are used).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from impute.series import BaseSeriesImputer
    >>> class Zero(BaseSeriesImputer):
    ...     def __init__(self, *, time_column=None, id_column=None):
    ...         self.time_column, self.id_column = time_column, id_column
    ...     def _fit_series(self, values, observed_any, layout):
    ...         pass
    ...     def _fill_series(self, values, layout):
    ...         return np.nan_to_num(values)
    >>> Zero().fit_transform(pd.DataFrame({"x": [1.0, np.nan]}))["x"].tolist()
    [1.0, 0.0]
    """

    _parameter_constraints: dict = {"time_column": [str, None], "id_column": [str, None]}

    def fit(self, X, y=None, **fit_params):
        """Find the series and the features, then learn how to fill them.

        Parameters
        ----------
        X : DataFrame
            Long or wide series (see ``series_layout``); numeric columns other than the time and
            id columns are the features; other columns pass through untouched.
        y : None
            Ignored.
        **fit_params : dict
            Passed to the method's training.

        Returns
        -------
        self : object
        """
        self._validate_params()
        layout = series_layout(X, self.time_column, self.id_column)
        if not layout.features:
            raise DataError("no numeric column to fill besides the time and id columns")
        values = X[layout.features].to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isinf(values).any():
            column = layout.features[int(np.flatnonzero(np.isinf(values).any(axis=0))[0])]
            raise DataError(f"column {column!r} holds infinite values; replace them or mark them missing")
        observed_any = ~np.isnan(values).all(axis=0)
        if not observed_any.all():
            warnings.warn(
                f"columns {[n for n, seen in zip(layout.features, observed_any) if not seen]} have no observed "
                "value; they are filled with 0",
                stacklevel=2,
            )
        self.features_ = layout.features
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        self._fit_series(values, observed_any, layout, **fit_params)
        return self

    def transform(self, X):
        """Return a copy of ``X`` with the features' gaps filled; observed cells are unchanged.

        Parameters
        ----------
        X : DataFrame
            The columns seen in ``fit``; the series may be other ones, or longer.

        Returns
        -------
        DataFrame
            ``X`` with every missing cell of a feature filled; integer columns stay integers.
        """
        check_is_fitted(self)
        if not isinstance(X, pd.DataFrame) or list(X.columns) != list(self.feature_names_in_):
            raise DataError(
                f"transform needs the columns seen in fit, {list(self.feature_names_in_)}; "
                f"got {list(getattr(X, 'columns', []))}"
            )
        layout = series_layout(X, self.time_column, self.id_column)
        values = X[self.features_].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        missing = np.isnan(values)
        if missing.any():
            values = np.where(missing, self._fill_series(values, layout), values)
        filled = X.copy()
        for j, name in enumerate(self.features_):
            if not missing[:, j].any():
                continue
            column = values[:, j]
            if is_integer_dtype(X[name].dtype):
                column = np.round(column)
            filled[name] = pd.Series(column, index=X.index).astype(X[name].dtype)
        return filled

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return self.feature_names_in_.copy()
