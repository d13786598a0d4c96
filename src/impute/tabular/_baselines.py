"""Baselines that every learned imputer must beat, behind the same interface."""

import decimal

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from ._base import BaseImputer
from ._encoding import TableEncoder, _plain, _with_dtype, numbers_like


class MeanImputer(BaseImputer):
    """Fill each missing cell with its column's observed mean, or its most frequent category.

    The reference point for every comparison in this package: a learned imputer earns its cost
    only by beating it. It shares ``TransformerImputer``'s interface, so benchmarks and pipelines
    swap one for the other without other changes.

    Parameters
    ----------
    missing_values : int, float or None, default=np.nan
        The placeholder for missing cells.
    categorical_features : list of str or int, or None, default=None
        Columns (names or positions) to model as categories even though their values are
        numbers, such as codes. Text, ``category`` and boolean columns of a DataFrame are
        categorical without being listed.
    add_indicator : bool, default=False
        If True, append a ``MissingIndicator`` column for every feature that had missing values
        during ``fit``.
    keep_empty_features : bool, default=False
        If True, features with no observed value during ``fit`` are kept and filled with 0;
        otherwise they are dropped from the output, as in ``SimpleImputer``.

    Attributes
    ----------
    statistics_ : ndarray of shape (n_features_in_,)
        The value each column's gaps are filled with: the mean of its observed values (rounded
        where it fills a column of integers), or the most frequent category for categorical and
        boolean ones;
        NaN for columns that are not filled. An object array when ``X`` was read column by
        column.
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

    def _fit_columns(self, columns, kinds):
        encoder = TableEncoder(kinds, "none").fit(columns)
        values, visible = encoder.transform(columns)
        fill = np.zeros((1, len(kinds)))
        for j, cardinality in enumerate(encoder.cardinalities):
            seen = values[visible[:, j], j]
            fill[0, j] = (
                np.bincount(seen.astype(np.int64), minlength=cardinality).argmax()
                if cardinality
                else seen.mean()
            )
        like = [column.iloc[:1] for column in columns]
        decoded = encoder.inverse_transform(fill, like, as_floats=True)
        statistics = np.full(
            self.n_features_in_, np.nan, dtype=float if self.kinds_ is None else object
        )
        statistics[self._modelled()] = [series.iloc[0] for series in decoded]
        self.statistics_ = statistics

    def _impute_columns(self, columns, as_floats=False):
        filled = []
        for j, column in zip(self._modelled(), columns):
            value = self.statistics_[j]
            if is_numeric_dtype(column.dtype) and not is_bool_dtype(column.dtype):
                numbers = np.full(len(column), float(value))
                kind = "float" if self.kinds_ is None else self.kinds_[j]
                as_numbers = pd.Series(numbers, index=column.index)
                filled.append(as_numbers if as_floats else numbers_like(numbers, kind, column))
            else:
                series = pd.Series(np.full(len(column), value), index=column.index)
                filled.append(_with_dtype(series, column.dtype))
        return filled

    def _export_state(self):
        statistics = (
            self.statistics_
            if self.kinds_ is None
            else [_plain(value) for value in self.statistics_]
        )
        return {**super()._export_state(), "statistics_": statistics}

    def _import_state(self, state):
        super()._import_state(state)
        if self.kinds_ is None:
            self.statistics_ = np.asarray(state["statistics_"], dtype=np.float64)
            return
        statistics = np.asarray(state["statistics_"], dtype=object)
        for j, kind in enumerate(self.kinds_):
            if kind == "datetime":
                statistics[j] = pd.Timestamp(statistics[j])
            elif kind == "float" and isinstance(statistics[j], str):
                statistics[j] = decimal.Decimal(statistics[j])
        self.statistics_ = statistics
