"""Baselines that every learned imputer must beat, behind the same interface."""

import numpy as np

from .base import BaseImputer


class MeanImputer(BaseImputer):
    """Fill each missing cell with its column's observed mean.

    The reference point for every comparison in this package: a learned imputer earns its cost
    only by beating it. It shares ``TransformerImputer``'s interface, so benchmarks and pipelines
    swap one for the other without other changes.

    Parameters
    ----------
    missing_values : int, float or None, default=np.nan
        The placeholder for missing cells.
    add_indicator : bool, default=False
        If True, append a ``MissingIndicator`` column for every feature that had missing values
        during ``fit``.
    keep_empty_features : bool, default=False
        If True, features with no observed value during ``fit`` are kept and filled with 0;
        otherwise they are dropped from the output, as in ``SimpleImputer``.

    Attributes
    ----------
    statistics_ : ndarray of shape (n_features_in_,)
        The mean of each column's observed values; NaN for empty columns.
    empty_features_ : ndarray of shape (n_features_in_,), dtype=bool
        Columns with no observed value during ``fit``.
    indicator_ : MissingIndicator or None
        The fitted indicator when ``add_indicator=True``.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during ``fit``, when ``X`` has string column names.

    See Also
    --------
    TransformerImputer : The learned imputer this baseline is measured against.
    sklearn.impute.SimpleImputer : The same baseline with more strategies.

    Examples
    --------
    >>> import numpy as np
    >>> from impute import MeanImputer
    >>> X = np.array([[1.0, 2.0], [np.nan, 4.0], [3.0, np.nan]])
    >>> MeanImputer().fit_transform(X)
    array([[1., 2.],
           [2., 4.],
           [3., 3.]])
    """

    def _fit_imputer(self, X):
        statistics = np.full(self.empty_features_.shape, np.nan)
        statistics[~self.empty_features_] = np.nanmean(X, axis=0)
        self.statistics_ = statistics

    def _impute(self, X):
        return np.broadcast_to(self.statistics_[~self.empty_features_], X.shape)

    def _export_state(self):
        return {**super()._export_state(), "statistics_": getattr(self, "statistics_", None)}

    def _import_state(self, state):
        super()._import_state(state)
        if state["statistics_"] is not None:
            self.statistics_ = np.asarray(state["statistics_"], dtype=np.float64)
