"""The scikit-learn contract that every imputer in this package shares.

Subclasses only learn how to fill a float matrix whose missing cells are NaN. Everything a user
relies on regardless of the method lives here, once: input validation, the ``missing_values``
marker, columns that were empty during ``fit``, the missing-value indicator, feature names, and
the guarantee that observed cells are returned bit-identical.
"""

import numbers

import numpy as np
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.impute import MissingIndicator
from sklearn.utils._param_validation import MissingValues
from sklearn.utils.validation import (
    FLOAT_DTYPES,
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)


def is_nan_marker(value):
    """True when ``value`` is a floating NaN, the default missing-value marker."""
    return isinstance(value, numbers.Real) and bool(np.isnan(value))


def _unusable_columns(X):
    """Name the DataFrame columns that cannot become finite floats, so errors can point at them."""
    if not hasattr(X, "columns"):
        return ""
    problems = []
    for name in X.columns:
        column = X[name]
        if not (is_numeric_dtype(column) or is_bool_dtype(column)):
            problems.append(f"column {name!r} holds {column.dtype} values such as {column.dropna().iloc[:1].tolist()}")
        elif np.isinf(column.to_numpy(dtype=np.float64, na_value=np.nan)).any():
            problems.append(f"column {name!r} holds infinite values")
    return "; ".join(problems)


class BaseImputer(TransformerMixin, BaseEstimator):
    """Shared ``fit``/``transform`` for imputers of numeric matrices.

    Subclasses implement ``_fit_imputer(X, **fit_params)`` and ``_impute(X)``, where ``X`` is a float matrix
    holding only the columns that had at least one observed value during ``fit``, with NaN in
    every missing cell; neither is called when there is no such column. ``_impute`` returns a
    matrix of the same shape; only its values at the missing cells are used.
    """

    _parameter_constraints: dict = {
        "missing_values": [MissingValues(numeric_only=True)],
        "add_indicator": ["boolean"],
        "keep_empty_features": ["boolean"],
    }

    def __init__(self, *, missing_values=np.nan, add_indicator=False, keep_empty_features=False):
        self.missing_values = missing_values
        self.add_indicator = add_indicator
        self.keep_empty_features = keep_empty_features

    def _validate_input(self, X, reset):
        """Validate ``X`` and return it as floats together with its missing-cell mask."""
        nan_marker = is_nan_marker(self.missing_values)
        try:
            X = validate_data(
                self,
                X,
                reset=reset,
                dtype=FLOAT_DTYPES,
                ensure_all_finite="allow-nan" if nan_marker else True,
                copy=False,
            )
        except (TypeError, ValueError) as error:
            culprits = _unusable_columns(X)
            if not culprits:
                raise
            raise type(error)(
                f"{type(self).__name__} needs numeric columns with finite values; {culprits}. "
                "Encode or drop these columns (for example with a ColumnTransformer) before imputing."
            ) from error
        missing = np.isnan(X) if nan_marker else X == self.missing_values
        return X, missing

    def fit(self, X, y=None, **fit_params):
        """Learn how to fill the missing cells of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric input; cells equal to ``missing_values`` are missing.
        y : None
            Ignored; present for API consistency.
        **fit_params : dict
            Passed to the method's training; see the subclass (``TransformerImputer`` takes
            ``on_epoch``).

        Returns
        -------
        self : object
            The fitted imputer.
        """
        self._validate_params()
        X, missing = self._validate_input(X, reset=True)
        self.empty_features_ = missing.all(axis=0)
        if self.add_indicator:
            self.indicator_ = MissingIndicator(
                missing_values=self.missing_values, error_on_new=False
            ).fit(X)
        else:
            self.indicator_ = None
        kept = ~self.empty_features_
        if kept.any():
            self._fit_imputer(np.where(missing, np.nan, X)[:, kept], **fit_params)
        return self

    def transform(self, X):
        """Fill the missing cells of ``X``; observed cells are returned unchanged.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with the same columns as during ``fit``.

        Returns
        -------
        X_filled : ndarray of shape (n_samples, n_features_out)
            ``X`` with every missing cell filled. Columns that were empty during ``fit`` are
            dropped, or kept and filled with 0 when ``keep_empty_features=True``. With
            ``add_indicator=True`` the missing-value indicator columns are appended.
        """
        check_is_fitted(self)
        X, missing = self._validate_input(X, reset=False)
        kept = ~self.empty_features_
        filled = np.array(X, dtype=X.dtype, copy=True)
        predicted = np.zeros(X.shape, dtype=np.float64)
        if missing[:, kept].any():
            predicted[:, kept] = self._impute(np.where(missing, np.nan, X)[:, kept])
        filled[missing] = predicted[missing]
        if not self.keep_empty_features:
            filled = filled[:, kept]
        if self.indicator_ is not None:
            filled = np.hstack([filled, self.indicator_.transform(X).astype(filled.dtype)])
        return filled

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns, in the order ``transform`` returns them.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; defaults to ``feature_names_in_`` or ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The kept input names, followed by the indicator names when ``add_indicator=True``.
        """
        check_is_fitted(self)
        input_features = _check_feature_names_in(self, input_features)
        names = input_features if self.keep_empty_features else input_features[~self.empty_features_]
        if self.indicator_ is None:
            return names
        return np.concatenate([names, self.indicator_.get_feature_names_out(input_features)])

    def _export_state(self):
        """Fitted attributes as JSON values and arrays, so that model files never need pickle."""
        check_is_fitted(self)
        state = {"n_features_in_": self.n_features_in_, "empty_features_": self.empty_features_}
        if hasattr(self, "feature_names_in_"):
            state["feature_names_in_"] = self.feature_names_in_.tolist()
        if self.indicator_ is not None:
            state["indicator_features_"] = self.indicator_.features_
        return state

    def _import_state(self, state):
        """Restore what ``_export_state`` returned; the inverse of it, for the same parameters."""
        self.n_features_in_ = int(state["n_features_in_"])
        self.empty_features_ = np.asarray(state["empty_features_"], dtype=bool)
        names = state.get("feature_names_in_")
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        self.indicator_ = None
        if "indicator_features_" in state:
            # Refit on one row that is missing exactly where the saved indicator reported columns.
            marker = np.nan if is_nan_marker(self.missing_values) else self.missing_values
            other = 0 if marker != 0 else 1
            row = np.full((1, self.n_features_in_), other, dtype=np.float64)
            row[0, np.asarray(state["indicator_features_"], dtype=np.int64)] = marker
            self.indicator_ = MissingIndicator(missing_values=self.missing_values, error_on_new=False).fit(row)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = is_nan_marker(self.missing_values)
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
