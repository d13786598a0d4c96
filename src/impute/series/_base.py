"""The scikit-learn contract that every time-series imputer shares.

Subclasses only learn how to fill a float matrix of the series' numeric features, rows in the
table's order, NaN where missing. What a user relies on whatever the method lives here, once:
reading the series (``series_layout``), the features it fills, features with no observed value,
and writing the filled values back with each column's dtype, observed cells unchanged.
"""

import warnings

import numpy as np
import pandas as pd
from pandas.api.types import is_integer_dtype
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import (
    FLOAT_DTYPES,
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

from ..core import DataError, in_output_container
from ._layout import series_layout


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
    >>> Zero().fit_transform(pd.DataFrame({"x": [1.0, np.nan]})).tolist()
    [[1.0], [0.0]]
    """

    _parameter_constraints: dict = {"time_column": [str, None], "id_column": [str, None]}

    def fit(self, X, y=None, **fit_params):
        """Find the series and the features, then learn how to fill them.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_steps, n_features)
            Long or wide series (see ``series_layout``); numeric columns other than the time and
            id columns are the features; other columns pass through untouched. An array is one
            wide series, its rows in time order and evenly spaced.
        y : None
            Ignored.
        **fit_params : dict
            Passed to the method's training.

        Returns
        -------
        self : object
        """
        self._validate_params()
        frame = self._as_frame(X, reset=True)
        layout = series_layout(frame, self.time_column, self.id_column)
        if not layout.features:
            raise DataError("no numeric column to fill besides the time and id columns")
        values = frame[layout.features].to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isinf(values).any():
            column = layout.features[int(np.flatnonzero(np.isinf(values).any(axis=0))[0])]
            raise DataError(
                f"column {column!r} holds infinite values; replace them or mark them missing"
            )
        observed_any = ~np.isnan(values).all(axis=0)
        if not observed_any.all():
            warnings.warn(
                f"columns {[n for n, seen in zip(layout.features, observed_any) if not seen]} have "
                "no observed "
                "value; they are filled with 0",
                stacklevel=2,
            )
        self.features_ = layout.features
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
            self.n_features_in_ = len(self.feature_names_in_)
        self._fit_series(values, observed_any, layout, **fit_params)
        return self

    def _as_frame(self, X, reset):
        """``X`` as a DataFrame. A DataFrame is read as it is (at ``transform``, with the columns
        seen in ``fit``); an array is validated as floats and read as one wide series, its
        columns named by position."""
        if isinstance(X, pd.DataFrame) and (reset or hasattr(self, "feature_names_in_")):
            names = None if reset else list(self.feature_names_in_)
            if names is not None and list(X.columns) != names:
                raise DataError(
                    f"transform needs the columns seen in fit, {names}; got {list(X.columns)}"
                )
            return X
        if not reset and hasattr(self, "feature_names_in_"):
            raise DataError(
                "this imputer was fitted on a DataFrame; transform needs one with its columns, "
                f"{list(self.feature_names_in_)}"
            )
        if self.time_column is not None or self.id_column is not None:
            raise DataError(
                "time_column and id_column name columns of a DataFrame; pass X as a DataFrame, or "
                "leave "
                "them out to read an array as one series in row order"
            )
        return pd.DataFrame(
            validate_data(self, X, reset=reset, dtype=FLOAT_DTYPES, ensure_all_finite="allow-nan")
        )

    def transform(self, X):
        """Return a copy of ``X`` with the features' gaps filled; observed cells are unchanged.

        Parameters
        ----------
        X : DataFrame or array-like
            The columns seen in ``fit``; the series may be other ones, or longer.

        Returns
        -------
        ndarray or DataFrame
            ``X`` with every missing cell of a feature filled; integer columns are filled with
            integers. ``set_output`` decides the container, as in scikit-learn: by default an
            ndarray (of objects when ``X`` holds text or datetimes), with
            ``set_output(transform="pandas")`` a DataFrame of ``X``'s dtypes.
        """
        check_is_fitted(self)
        return self._complete(X, lambda values, layout: [self._fill_series(values, layout)])[0]

    def _complete(self, X, fill, n_tables=1):
        """``n_tables`` copies of ``X`` with the features' gaps taken from the tables that
        ``fill(values, layout)`` returns (each (N, F) floats, as ``_fill_series``'); it is not
        called when nothing is missing. The output container is handled as by ``transform``."""
        frame = self._as_frame(X, reset=False)
        layout = series_layout(frame, self.time_column, self.id_column)
        values = frame[self.features_].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        missing = np.isnan(values)
        tables = fill(values, layout) if missing.any() else [values] * n_tables
        outputs = []
        for table in tables:
            table = np.where(missing, table, values)
            filled = frame.copy()
            for j, name in enumerate(self.features_):
                if not missing[:, j].any():
                    continue
                column = table[:, j]
                if is_integer_dtype(frame[name].dtype):
                    column = np.round(column)
                filled[name] = pd.Series(column, index=frame.index).astype(frame[name].dtype)
            outputs.append(in_output_container(self, filled))
        return outputs

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns: every input column, in order (the features filled, the
        others passed through).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; defaults to ``feature_names_in_`` or ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        return _check_feature_names_in(self, input_features)

    def _export_state(self):
        """The columns read and filled, as JSON values; subclasses add what they learned."""
        check_is_fitted(self)
        names = getattr(self, "feature_names_in_", None)
        return {
            "features_": self.features_,
            "feature_names_in_": None if names is None else names.tolist(),
            "n_features_in_": self.n_features_in_,
        }

    def _import_state(self, state):
        """Restore what ``_export_state`` returned."""
        self.features_ = list(state["features_"])
        names = state["feature_names_in_"]
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        self.n_features_in_ = int(state.get("n_features_in_", len(names or ())))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
