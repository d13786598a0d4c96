"""The time-series baselines every user knows: linear interpolation, last observation carried
forward, and the mean.

Linear interpolation is a strong baseline on smooth sensor data, so a learned time-series imputer
is only worth its cost where it beats it; these share the time-series interface so benchmarks
swap one for another.
"""

import warnings

import numpy as np
from sklearn.utils._param_validation import StrOptions

from ._base import BaseSeriesImputer


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
    # (T, F) step of the last observation
    last = np.maximum.accumulate(np.where(observed, steps, -1), axis=0)
    first = np.where(observed.any(axis=0), observed.argmax(axis=0), 0)  # (F,)
    source = np.where(last >= 0, last, first)
    filled = np.take_along_axis(values, source, axis=0)
    return np.where(observed.any(axis=0), filled, fallback)


def _fill_mean(values, times, fallback):
    return np.where(np.isnan(values), fallback, values)


FILLERS = {"linear": _fill_linear, "locf": _fill_locf, "mean": _fill_mean}


class SeriesBaselineImputer(BaseSeriesImputer):
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
    >>> from impute import SeriesBaselineImputer
    >>> frame = pd.DataFrame({"t": [0, 1, 3, 4], "x": [0.0, np.nan, np.nan, 8.0]})
    >>> SeriesBaselineImputer(time_column="t").fit_transform(frame)[:, 1].tolist()
    [0.0, 2.0, 6.0, 8.0]
    >>> locf = SeriesBaselineImputer("locf", time_column="t").set_output(transform="pandas")
    >>> locf.fit_transform(frame)["x"].tolist()
    [0.0, 0.0, 0.0, 8.0]
    """

    _parameter_constraints: dict = {
        **BaseSeriesImputer._parameter_constraints,
        "strategy": [StrOptions(set(FILLERS))],
    }

    def __init__(self, strategy="linear", *, time_column=None, id_column=None):
        self.strategy = strategy
        self.time_column = time_column
        self.id_column = id_column

    def _fit_series(self, values, observed_any, layout):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            self.statistics_ = np.where(observed_any, np.nanmean(values, axis=0), 0.0)

    def _fill_series(self, values, layout):
        fill = FILLERS[self.strategy]
        filled = values.copy()
        for rows, times in zip(layout.rows, layout.times):
            filled[rows] = fill(values[rows], times, self.statistics_)
        return filled

    def _export_state(self):
        return {**super()._export_state(), "statistics_": self.statistics_}

    def _import_state(self, state):
        super()._import_state(state)
        self.statistics_ = np.asarray(state["statistics_"], dtype=np.float64)
