"""The time-series baselines every user knows: linear interpolation, last observation carried
forward, and the mean.

Linear interpolation is a strong baseline on smooth sensor data (TSI-Bench measures it ahead of
several deep models on Beijing air quality), so a learned time-series imputer is only worth its
cost where it beats it; these share the time-series interface so benchmarks swap one for another.
"""

import warnings

import numpy as np
import pandas as pd
from pandas.api.types import is_integer_dtype
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from .errors import DataError
from .series import series_layout

__all__ = ["SeriesBaselineImputer"]


def _fill_linear(values, times, fallback):
    """Interpolate each column's gaps linearly in time; before the first and after the last
    observation, repeat the nearest one; a column with no observation gets ``fallback``."""
    filled = values.copy()
    for j in range(values.shape[1]):
        observed = ~np.isnan(values[:, j])
        if not observed.any():
            filled[:, j] = fallback[j]
        elif not observed.all():
            filled[~observed, j] = np.interp(times[~observed], times[observed], values[observed, j])
    return filled


def _fill_locf(values, times, fallback):
    """Carry each column's last observation forward; leading gaps take the first observation."""
    observed = ~np.isnan(values)  # (T, F)
    steps = np.arange(len(values))[:, None]
    last = np.maximum.accumulate(np.where(observed, steps, -1), axis=0)  # (T, F) step of the last observation
    first = np.where(observed.any(axis=0), observed.argmax(axis=0), 0)  # (F,)
    source = np.where(last >= 0, last, first)
    filled = np.take_along_axis(values, source, axis=0)
    return np.where(observed.any(axis=0), filled, fallback)


def _fill_mean(values, times, fallback):
    return np.where(np.isnan(values), fallback, values)


FILLERS = {"linear": _fill_linear, "locf": _fill_locf, "mean": _fill_mean}


class SeriesBaselineImputer(TransformerMixin, BaseEstimator):
    """Fill the gaps of time series by interpolation in time, by carrying the last observation
    forward, or with each feature's mean.

    Parameters
    ----------
    strategy : {"linear", "locf", "mean"}, default="linear"
        ``"linear"`` interpolates between the observations before and after each gap, weighted
        by their time stamps (so irregular sampling is respected) and repeats the nearest
        observation at the ends of a series; ``"locf"`` carries the last observation forward
        (the first one backward at the start); ``"mean"`` uses the feature's mean over all
        series in ``fit``. A feature never observed in a series gets that mean too.
    time_column : str, optional
        Column of time stamps (datetimes, ISO date text or numbers). Without it a
        ``DatetimeIndex`` gives the times, or else rows are in time order, evenly spaced.
    id_column : str, optional
        Column naming the series of each row, for a long table of several series.

    Attributes
    ----------
    features_ : list of str
        The numeric columns that are filled; other columns pass through untouched.
    statistics_ : ndarray of shape (len(features_),)
        Each feature's mean over the observed values seen in ``fit`` (0 where none was).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from impute.series_baselines import SeriesBaselineImputer
    >>> frame = pd.DataFrame({"t": [0, 1, 3, 4], "x": [0.0, np.nan, np.nan, 8.0]})
    >>> SeriesBaselineImputer(time_column="t").fit_transform(frame)["x"].tolist()
    [0.0, 2.0, 6.0, 8.0]
    >>> SeriesBaselineImputer("locf", time_column="t").fit_transform(frame)["x"].tolist()
    [0.0, 0.0, 0.0, 8.0]
    """

    _parameter_constraints: dict = {
        "strategy": [StrOptions(set(FILLERS))],
        "time_column": [str, None],
        "id_column": [str, None],
    }

    def __init__(self, strategy="linear", *, time_column=None, id_column=None):
        self.strategy = strategy
        self.time_column = time_column
        self.id_column = id_column

    def fit(self, X, y=None):
        """Find the features and their means."""
        self._validate_params()
        layout = series_layout(X, self.time_column, self.id_column)
        if not layout.features:
            raise DataError("no numeric column to fill besides the time and id columns")
        values = X[layout.features].to_numpy(dtype=np.float64, na_value=np.nan)
        empty = np.isnan(values).all(axis=0)
        if empty.any():
            warnings.warn(
                f"columns {[n for n, e in zip(layout.features, empty) if e]} have no observed value; "
                "they are filled with 0",
                stacklevel=2,
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            self.statistics_ = np.where(empty, 0.0, np.nanmean(values, axis=0))
        self.features_ = layout.features
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        return self

    def transform(self, X):
        """Return a copy of ``X`` with the features' gaps filled; observed cells are unchanged."""
        check_is_fitted(self)
        if not isinstance(X, pd.DataFrame) or list(X.columns) != list(self.feature_names_in_):
            raise DataError(
                f"transform needs the columns seen in fit, {list(self.feature_names_in_)}; "
                f"got {list(getattr(X, 'columns', []))}"
            )
        layout = series_layout(X, self.time_column, self.id_column)
        values = X[self.features_].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        fill = FILLERS[self.strategy]
        for rows, times in zip(layout.rows, layout.times):
            values[rows] = fill(values[rows], times, self.statistics_)
        filled = X.copy()
        for j, name in enumerate(self.features_):
            column = values[:, j]
            if is_integer_dtype(X[name].dtype):
                column = np.round(column)
            filled[name] = pd.Series(column, index=X.index).astype(X[name].dtype)
        return filled

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return self.feature_names_in_.copy()
