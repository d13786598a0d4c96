"""Imputers of time series: the masked Transformer (``TimeSeriesImputer``) and its baselines
(``SeriesBaselineImputer``: linear interpolation, last observation carried forward, the mean).

Every series imputer reads its input through ``series_layout`` (``_layout``) and shares
``BaseSeriesImputer``. Series are stored end to end and cut into windows (``_windows``); the
network attends over time and over features (``_network``) and is trained on masked windows
(``_training``).
"""

from ._base import BaseSeriesImputer
from ._baselines import FILLERS, SeriesBaselineImputer
from ._estimator import TimeSeriesImputer
from ._layout import SeriesLayout, series_layout

__all__ = [
    "FILLERS",
    "BaseSeriesImputer",
    "SeriesBaselineImputer",
    "SeriesLayout",
    "TimeSeriesImputer",
    "series_layout",
]
