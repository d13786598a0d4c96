"""The scikit-learn contract that every imputer in this package shares.

Subclasses only learn how to fill a float matrix whose missing cells are NaN. Everything a user
relies on regardless of the method lives here, once: input validation, the ``missing_values``
marker, columns that were empty during ``fit``, the missing-value indicator, feature names, and
the guarantee that observed cells are returned bit-identical.
"""

import decimal
import math
import numbers
import warnings

import numpy as np
import pandas as pd
from pandas.api.types import is_float_dtype, is_numeric_dtype
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.impute import MissingIndicator
from sklearn.utils._param_validation import MissingValues
from sklearn.utils.validation import (
    FLOAT_DTYPES,
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

from ..core import (
    MODELLED_KINDS,
    PASSED_THROUGH_KINDS,
    categorical_positions,
    frame_column_kind,
    holds_real_numbers,
    in_output_container,
    wants_frame,
)
from ._encoding import TableEncoder


def is_nan_marker(value):
    """True when ``value`` is a floating NaN, the default missing-value marker."""
    return isinstance(value, numbers.Real) and bool(np.isnan(value))


def _infinite_columns(X):
    """Name the DataFrame columns that hold infinite values, so errors can point at them."""
    if not hasattr(X, "columns"):
        return ""
    return "; ".join(
        f"column {name!r} holds infinite values" for name in X.columns if _holds_infinity(X[name])
    )


def _holds_infinity(column):
    """Whether a column of numbers (a numeric dtype, or Python floats and decimals in an object
    column) holds an infinite value."""
    if holds_real_numbers(column):
        return bool(np.isinf(column.to_numpy(dtype=np.float64, na_value=np.nan)).any())
    if column.dtype != object:
        return False
    return bool(
        column.map(
            lambda v: (
                (isinstance(v, (float, np.floating)) and math.isinf(v))
                or (isinstance(v, decimal.Decimal) and v.is_infinite())
            )
        ).any()
    )


class BaseImputer(TransformerMixin, BaseEstimator):
    """Shared ``fit``/``transform`` for imputers of tables.

    Two kinds of input, one engine. A numeric matrix (an array, or a DataFrame of NumPy float
    columns) is validated as floats. A DataFrame with any other column (integers, booleans, text,
    ``category``, datetimes, nullable or Arrow floats), or any input when ``categorical_features``
    is set, is read column by column: each column gets a kind (``impute.core.frame_column_kind``)
    and filled with values of its kind (categories with labels, datetimes with datetimes).
    ``set_output`` decides the container that comes back, as in scikit-learn: an ndarray by
    default, in which numbers are floats as the NumPy path gives them; a DataFrame with every
    column's dtype kept with ``transform="pandas"``, in which integer columns are filled with
    rounded numbers.

    Subclasses implement ``_fit_columns(columns, kinds, **fit_params)`` and
    ``_impute_columns(columns, as_floats)``, which see only the modelled columns (pandas Series,
    NaN or NA where missing) and return one Series per column, numbers as float64 with
    ``as_floats``; only the values at missing cells are used. Neither is called when no column
    can be modelled.
    """

    _parameter_constraints: dict = {
        "missing_values": [MissingValues(numeric_only=True)],
        "categorical_features": ["array-like", None],
        "add_indicator": ["boolean"],
        "keep_empty_features": ["boolean"],
    }

    def __init__(
        self,
        *,
        missing_values=np.nan,
        categorical_features=None,
        add_indicator=False,
        keep_empty_features=False,
    ):
        self.missing_values = missing_values
        self.categorical_features = categorical_features
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
            culprits = _infinite_columns(X)
            if not culprits:
                raise
            raise type(error)(
                f"{type(self).__name__} needs finite values; {culprits}. Replace them or mark them "
                "missing."
            ) from error
        missing = np.isnan(X) if nan_marker else self.missing_values == X
        return X, missing

    def _reads_columns(self, X):
        """Whether ``X`` takes the column-by-column path (see the class docstring)."""
        if self.categorical_features is not None:
            return True
        dtypes = getattr(X, "dtypes", None)
        # NumPy floats take the array path; nullable and Arrow floats keep their dtype column by
        # column.
        return isinstance(dtypes, pd.Series) and not all(
            isinstance(dtype, np.dtype) and is_float_dtype(dtype) for dtype in dtypes
        )

    def _as_frame(self, X, reset):
        """``X`` as a DataFrame, after the checks on its shape and column names."""
        if not is_nan_marker(self.missing_values):
            raise ValueError(
                f"{type(self).__name__} reads tables with text, integer, boolean or datetime "
                "columns "
                "with missing cells marked as NaN or None only; set missing_values=np.nan"
            )
        validate_data(self, X, reset=reset, skip_check_array=True)
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
        culprits = _infinite_columns(frame)
        if culprits:
            raise ValueError(
                f"{type(self).__name__} needs finite values; {culprits}. Replace them or mark them "
                "missing."
            )
        return frame

    def fit(self, X, y=None, **fit_params):
        """Learn how to fill the missing cells of ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric input, or a DataFrame with columns of any kind (see the class docstring);
            cells equal to ``missing_values`` (NaN, None, NA, NaT) are missing.
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
        if self._reads_columns(X):
            frame = self._as_frame(X, reset=True)
            forced = categorical_positions(self.categorical_features, frame.columns)
            self.kinds_ = [
                frame_column_kind(frame.iloc[:, j], j in forced) for j in range(frame.shape[1])
            ]
            for name, kind in zip(frame.columns, self.kinds_):
                if kind in ("identifier", "unsupported"):
                    warnings.warn(
                        f"column {name!r} is passed through unchanged, not imputed: "
                        + (
                            "almost every value is distinct, as in an ID or free text"
                            if kind == "identifier"
                            else f"its values ({frame[name].dtype}) are not real numbers, text "
                            "or dates"
                        ),
                        UserWarning,
                        stacklevel=2,
                    )
            missing = frame.isna().to_numpy()
            columns = [frame.iloc[:, j] for j in range(frame.shape[1])]
        else:
            X, missing = self._validate_input(X, reset=True)
            self.kinds_ = None
            columns = [
                pd.Series(np.where(missing[:, j], np.nan, X[:, j])) for j in range(X.shape[1])
            ]
        kinds = self.kinds_ or [
            "float" if observed else "empty" for observed in (~missing).any(axis=0)
        ]
        self.empty_features_ = np.array([kind == "empty" for kind in kinds], dtype=bool)
        self.indicator_ = None
        if self.add_indicator:
            self.indicator_ = MissingIndicator(error_on_new=False).fit(
                np.where(missing, np.nan, 0.0)
            )
        modelled = self._modelled()
        if modelled:
            self._fit_columns(
                [columns[j] for j in modelled], [kinds[j] for j in modelled], **fit_params
            )
        return self

    def _modelled(self):
        """Positions of the columns the imputer fills."""
        kinds = self.kinds_ or ["empty" if empty else "float" for empty in self.empty_features_]
        return [j for j, kind in enumerate(kinds) if kind in MODELLED_KINDS]

    def transform(self, X):
        """Fill the missing cells of ``X``; observed cells are returned unchanged.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Data with the same columns as during ``fit``.

        Returns
        -------
        X_filled : ndarray or DataFrame of shape (n_samples, n_features_out)
            ``X`` with every missing cell of a modelled column filled. Columns that were empty
            during ``fit`` are dropped, or kept and filled with 0 (numeric ones) when
            ``keep_empty_features=True``. With ``add_indicator=True`` the missing-value indicator
            columns are appended. Columns passed through (identifiers) keep their gaps.
            ``set_output`` decides the container, as in scikit-learn: by default an ndarray
            (of floats when every output column holds numbers or flags, else of objects); with
            ``set_output(transform="pandas")`` a DataFrame, every column's dtype kept. The fills
            are the same in both, but for integer columns: floats in the array, as the NumPy
            path gives them, rounded in the DataFrame, as its integer dtype holds them.
        """
        check_is_fitted(self)
        return self._complete(
            X, lambda columns, as_floats: [self._impute_columns(columns, as_floats)]
        )[0]

    def _complete(self, X, impute, n_tables=1):
        """``n_tables`` tables like ``transform``'s, one per list of fills that ``impute``
        returns.

        ``impute(columns, as_floats)`` sees the modelled columns as ``_impute_columns`` does and
        returns ``n_tables`` fills, each one Series per column; it is not called when no
        modelled cell is missing (the tables are then the input, ``n_tables`` times). The output
        container, the empty features and the indicator columns are handled as by
        ``transform``.
        """
        index = X.index if isinstance(X, pd.DataFrame) else None
        if self.kinds_ is not None:
            X = self._as_frame(X, reset=False)
            missing = X.isna().to_numpy()
            columns = [X.iloc[:, j] for j in range(X.shape[1])]
        else:
            X, missing = self._validate_input(X, reset=False)
            columns = [
                pd.Series(np.where(missing[:, j], np.nan, X[:, j])) for j in range(X.shape[1])
            ]
        modelled = self._modelled()
        as_floats = not wants_frame(self)
        fills = (
            impute([columns[j] for j in modelled], as_floats)
            if modelled and missing[:, modelled].any()
            else [None] * n_tables
        )
        indicator = (
            None
            if self.indicator_ is None
            else self.indicator_.transform(np.where(missing, np.nan, 0.0))
        )
        tables = [
            self._assemble(list(columns), decoded, modelled, missing, as_floats, indicator, X)
            for decoded in fills
        ]
        if self.kinds_ is None and wants_frame(self):
            # as scikit-learn's set_output wraps transform's array: named columns, X's index
            names = self.get_feature_names_out()
            tables = [pd.DataFrame(table, columns=names, index=index) for table in tables]
        return tables

    def _assemble(self, columns, decoded, modelled, missing, as_floats, indicator, X):
        """One output table: ``columns`` with the ``decoded`` fills (None: nothing to fill) put
        in the missing cells of the ``modelled`` ones; ``X`` is the validated input (an array, or
        a DataFrame on the column-by-column path)."""
        if self.kinds_ is None:
            return self._assemble_array(decoded, modelled, missing, indicator, X)
        for j, filled in zip(modelled, decoded or ()):
            if as_floats and is_numeric_dtype(filled.dtype):
                columns[j] = columns[j].astype(np.float64)
            columns[j] = columns[j].where(~missing[:, j], filled)
        if self.keep_empty_features:
            for j in np.flatnonzero(self.empty_features_):
                if is_numeric_dtype(columns[j].dtype):
                    columns[j] = columns[j].fillna(0)
        else:
            columns = [column for column, empty in zip(columns, self.empty_features_) if not empty]
        out = pd.concat(columns, axis=1) if columns else X.iloc[:, :0].copy()
        if indicator is not None:
            names = self.get_feature_names_out()[out.shape[1] :]
            out = pd.concat([out, pd.DataFrame(indicator, columns=names, index=out.index)], axis=1)
        return in_output_container(self, out)

    def _assemble_array(self, decoded, modelled, missing, indicator, X):
        """``_assemble`` on the array path, whole arrays at a time: ``X`` (N, F) of floats with
        its ``missing`` cells NaN, the ``decoded`` fills (numbers) in those of the ``modelled``
        columns, and the empty features dropped or set to 0."""
        filled = X.copy()
        filled[missing] = np.nan
        if decoded is not None:
            fills = np.column_stack([column.to_numpy(dtype=X.dtype) for column in decoded])
            filled[:, modelled] = np.where(missing[:, modelled], fills, filled[:, modelled])
        empty = self.empty_features_
        if self.keep_empty_features:
            filled[:, empty] = np.nan_to_num(filled[:, empty], nan=0.0)
        else:
            filled = filled[:, ~empty]
        if indicator is not None:
            filled = np.hstack([filled, indicator.astype(filled.dtype)])
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
        names = (
            input_features if self.keep_empty_features else input_features[~self.empty_features_]
        )
        if self.indicator_ is None:
            return names
        return np.concatenate([names, self.indicator_.get_feature_names_out(input_features)])

    def _export_state(self):
        """Fitted attributes as JSON values and arrays, so that model files never need pickle."""
        check_is_fitted(self)
        state = {
            "n_features_in_": self.n_features_in_,
            "empty_features_": self.empty_features_,
            "kinds_": self.kinds_,
        }
        if hasattr(self, "feature_names_in_"):
            state["feature_names_in_"] = self.feature_names_in_.tolist()
        if self.indicator_ is not None:
            state["indicator_features_"] = self.indicator_.features_
        if hasattr(self, "encoder_"):
            state.update(
                {f"encoder.{key}": value for key, value in self.encoder_.to_state().items()}
            )
        return state

    def _import_state(self, state):
        """Restore what ``_export_state`` returned; the inverse of it, for the same parameters."""
        self.n_features_in_ = int(state["n_features_in_"])
        self.empty_features_ = np.asarray(state["empty_features_"], dtype=bool)
        self.kinds_ = state["kinds_"]
        if self.n_features_in_ < 1 or self.empty_features_.shape != (self.n_features_in_,):
            raise ValueError("the number of columns does not match the empty-column flags")
        if self.kinds_ is not None and (
            not isinstance(self.kinds_, list)
            or len(self.kinds_) != self.n_features_in_
            or not set(self.kinds_) <= {*MODELLED_KINDS, *PASSED_THROUGH_KINDS}
        ):
            raise ValueError(f"unknown column kinds {self.kinds_!r}")
        names = state.get("feature_names_in_")
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        self.indicator_ = None
        if "indicator_features_" in state:
            # Refit on one row that is missing exactly where the saved indicator reported columns.
            row = np.zeros((1, self.n_features_in_))
            row[0, np.asarray(state["indicator_features_"], dtype=np.int64)] = np.nan
            self.indicator_ = MissingIndicator(error_on_new=False).fit(row)
        encoder = {
            key.removeprefix("encoder."): value
            for key, value in state.items()
            if key.startswith("encoder.")
        }
        if encoder:
            self.encoder_ = TableEncoder.from_state(encoder)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = is_nan_marker(self.missing_values)
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
