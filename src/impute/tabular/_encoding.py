"""Columns of every kind into the model's space and back, with their dtypes kept.

The network sees one number per cell: a scaled value for numeric columns (floats, integers, and
datetimes as seconds), a category code for categorical ones (text, pandas ``category``,
booleans). ``TableEncoder`` learns the scaling and the categories from the observed cells in
``fit`` and turns predictions back into values of each column's own kind: integers rounded,
datetimes as datetimes, categories as the original labels, numbers within the range seen in
training unless extrapolation is allowed. A numeric column that takes few distinct values (whole
numbers, a rating scale, flags, a measurement recorded to a fixed precision) keeps them as its
*support*: draws and interval bounds are held to it, so that a column of answers 1 to 6 is drawn
as answers 1 to 6 (point fills, the predictive mean, are not).

Which columns are modelled, and as what, is ``impute.core``'s column-kind authority's to say.
"""

import datetime
import decimal
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.types import is_numeric_dtype
from sklearn.preprocessing import QuantileTransformer

from ..core import MODELLED_KINDS, NANOSECONDS, NUMERIC_KINDS, arrow_resolution, as_numbers

SCALINGS = ("robust", "quantile", "none")
MIN_IQR_SHARE_OF_STD = 0.1
MAX_SUPPORT = 1024  # at most this many distinct observed values make a column's support
MIN_REPEATS = 5  # observed cells per distinct value, on average, for a column to have one
SUPPORT_KINDS = ("float", "integer")
SUPPORT_PROBE = 20_000  # first cells that tell a column of many values from one of few


class NumericScaler:
    """Invertible per-column scaling of a float matrix whose missing cells are NaN.

    ``"robust"``: subtract the median and divide by the interquartile range (the standard
    deviation where the IQR is under a tenth of it); linear, so a squared error in model space is
    a squared error in the user's units. ``"quantile"``: map each column through its empirical
    CDF onto a standard normal; tames heavy tails at the price of a non-linear inverse.
    ``"none"``: identity, for imputers that work in the user's units.

    Parameters
    ----------
    method : {"robust", "quantile", "none"}
        Which encoding to learn.
    random_state : int or None
        Seed for the subsample the quantile encoding draws on very tall tables.
    """

    def __init__(self, method, random_state):
        if method not in SCALINGS:
            raise ValueError(f"scaling must be one of {SCALINGS}, got {method!r}")
        self.method = method
        self.random_state = random_state

    def fit(self, X):
        self.low_, self.high_ = (
            np.nanmin(X, axis=0, initial=np.inf),
            np.nanmax(X, axis=0, initial=-np.inf),
        )
        if self.method == "quantile":
            n_observed = int(np.min(np.sum(~np.isnan(X), axis=0), initial=len(X)))
            self.quantiles_ = QuantileTransformer(
                n_quantiles=max(2, min(1000, n_observed)),
                output_distribution="normal",
                random_state=self.random_state,
            ).fit(X)
            return self
        if self.method == "none":
            self.center_, self.scale_ = np.zeros(X.shape[1]), np.ones(X.shape[1])
            return self
        q25, median, q75 = (
            np.nanpercentile(X, [25, 50, 75], axis=0) if X.shape[1] else np.zeros((3, 0))
        )
        with np.errstate(over="ignore", invalid="ignore"):
            iqr = q75 - q25
            # inf when values near the float limit overflow their squares
            spread = np.nanstd(X, axis=0)
        # A column piled up on one value has an IQR near 0 however wide its tails; dividing by it
        # would blow the tails up past float32 range, so such columns use their standard deviation.
        piled_up = np.isfinite(spread) & (iqr <= MIN_IQR_SHARE_OF_STD * spread)
        scale = np.where(piled_up, spread, iqr)
        self.center_ = median
        self.scale_ = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
        return self

    def to_state(self):
        """The learned encoding as arrays and plain values (see ``modelfile``)."""
        state = {"method": self.method, "low": self.low_, "high": self.high_}
        if self.method == "quantile":
            return {
                **state,
                "quantiles": self.quantiles_.quantiles_,
                "references": self.quantiles_.references_,
            }
        return {**state, "center": self.center_, "scale": self.scale_}

    @classmethod
    def from_state(cls, state, random_state=None):
        scaler = cls(state["method"], random_state)
        scaler.low_ = np.asarray(state["low"], dtype=np.float64)
        scaler.high_ = np.asarray(state["high"], dtype=np.float64)
        if scaler.method == "quantile":
            quantiles = np.asarray(state["quantiles"], dtype=np.float64)
            fitted = QuantileTransformer(n_quantiles=len(quantiles), output_distribution="normal")
            fitted.quantiles_ = quantiles
            fitted.references_ = np.asarray(state["references"], dtype=np.float64)
            fitted.n_quantiles_ = len(quantiles)
            fitted.n_features_in_ = quantiles.shape[1]
            scaler.quantiles_ = fitted
        else:
            scaler.center_ = np.asarray(state["center"], dtype=np.float64)
            scaler.scale_ = np.asarray(state["scale"], dtype=np.float64)
        return scaler

    def transform(self, X):
        if self.method == "quantile":
            return self.quantiles_.transform(X)
        with np.errstate(over="ignore"):
            return (X - self.center_) / self.scale_

    def inverse_transform(self, Z, extrapolate=False):
        """Decode ``Z``; unless ``extrapolate``, within each column's observed range."""
        if self.method == "quantile":
            decoded = self.quantiles_.inverse_transform(Z)
        else:
            with np.errstate(over="ignore"):
                decoded = Z * self.scale_ + self.center_
        return decoded if extrapolate else np.clip(decoded, self.low_, self.high_)


class TableEncoder:
    """Encode a table's modelled columns into model space, and predictions back.

    Parameters
    ----------
    kinds : list of str
        The kind of each column (see ``impute.core.frame_column_kind``); all must be modelled kinds.
    scaling : {"robust", "quantile", "none"}
        How numeric columns are scaled.
    random_state : int or None
        Seed for the quantile scaling's subsample.
    """

    def __init__(self, kinds, scaling, random_state=None):
        self.kinds = list(kinds)
        self.scaling = scaling
        self.random_state = random_state

    @property
    def numeric(self):
        return [j for j, kind in enumerate(self.kinds) if kind in NUMERIC_KINDS]

    @property
    def cardinalities(self):
        """Categories per column (0 for numeric columns), as the model needs them."""
        return [0 if categories is None else len(categories) for categories in self.categories_]

    def fit(self, columns):
        """Learn from ``columns``: a list of pandas Series, one per kind."""
        self.categories_ = []
        for column, kind in zip(columns, self.kinds):
            if kind == "boolean":
                self.categories_.append([False, True])
            elif kind == "categorical":
                declared = (
                    column.cat.categories if isinstance(column.dtype, pd.CategoricalDtype) else None
                )
                self.categories_.append(
                    list(declared if declared is not None else pd.unique(column.dropna()))
                )
            else:
                self.categories_.append(None)
        self.timezones_ = [
            _timezone(column) if kind == "datetime" else None
            for column, kind in zip(columns, self.kinds)
        ]
        self.decimal_places_ = [
            _decimal_places(column) if kind == "float" else None
            for column, kind in zip(columns, self.kinds)
        ]
        numbers = np.column_stack(
            [as_numbers(columns[j], self.kinds[j]) for j in self.numeric]
            or [np.empty((len(columns[0]), 0))]
        )
        self.scaler_ = NumericScaler(self.scaling, self.random_state).fit(numbers)
        self.supports_ = [None] * len(self.kinds)
        for position, j in enumerate(self.numeric):
            if self.kinds[j] in SUPPORT_KINDS:
                self.supports_[j] = value_support(numbers[:, position])
        return self

    def transform(self, columns):
        """``(values, visible)``: model-space values (N, F), 0 where not visible, and the cells
        the model may read. Categories not seen in ``fit`` are not visible."""
        n_rows = len(columns[0])
        values = np.zeros((n_rows, len(self.kinds)))
        visible = np.zeros((n_rows, len(self.kinds)), dtype=bool)
        numeric = self.numeric
        if numeric:
            numbers = np.column_stack([as_numbers(columns[j], self.kinds[j]) for j in numeric])
            present = ~np.isnan(numbers)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                scaled = self.scaler_.transform(numbers)
            values[:, numeric] = np.where(present, scaled, 0.0)
            visible[:, numeric] = present
        for j, categories in enumerate(self.categories_):
            if categories is not None:
                # -1: missing or unseen
                codes = pd.Index(categories, dtype=object).get_indexer(columns[j].astype(object))
                values[:, j] = np.maximum(codes, 0)
                visible[:, j] = codes >= 0
        return values, visible

    def inverse_transform(
        self, predicted, like, extrapolate=False, as_floats=False, on_support=False
    ):
        """Predictions (N, F) in model space as Series of each column's kind and dtype.

        ``like`` are the input columns: their dtype, index and time zone are kept, so integer
        columns are filled with rounded numbers. With ``as_floats``, columns of a numeric dtype
        are filled with the numbers as predicted, as float64, for an array of floats. With
        ``on_support`` (draws and interval bounds), the numbers of a column with a support are
        moved to the nearest of its values, unless ``extrapolate``.
        """
        decoded = list(like)
        numeric = self.numeric
        if numeric:
            numbers = self.scaler_.inverse_transform(predicted[:, numeric], extrapolate)
            for position, j in enumerate(numeric):
                column = numbers[:, position]
                if on_support and not extrapolate and self.supports_[j] is not None:
                    column = nearest_value(column, self.supports_[j])
                if as_floats and is_numeric_dtype(like[j].dtype):
                    decoded[j] = pd.Series(column, index=like[j].index)
                else:
                    decoded[j] = self._numeric_series(column, j, like[j])
        for j, categories in enumerate(self.categories_):
            if categories is not None:
                labels = np.asarray(categories, dtype=object)[predicted[:, j].astype(np.int64)]
                decoded[j] = _with_dtype(pd.Series(labels, index=like[j].index), like[j].dtype)
        return decoded

    def _numeric_series(self, numbers, j, like):
        kind = self.kinds[j]
        if kind == "datetime":
            stamps = pd.to_datetime(np.rint(numbers * NANOSECONDS).astype(np.int64), unit="ns")
            if self.timezones_[j] is not None:
                stamps = stamps.tz_localize("UTC").tz_convert(self.timezones_[j])
            return pd.Series(stamps.round(_resolution(like.dtype)), index=like.index).astype(
                like.dtype
            )
        places = self.decimal_places_[j]
        # Python decimals (pd.read_sql, pd.read_parquet): filled as decimals too
        if places is not None:
            return pd.Series(
                [decimal.Decimal(f"{number:.{places}f}") for number in numbers],
                index=like.index,
                dtype=object,
            )
        return numbers_like(numbers, kind, like)

    def to_state(self):
        """Kinds, categories, time zones, decimal places and the scaler, as JSON values, arrays."""
        return {
            "kinds": self.kinds,
            "categories": [None if c is None else [_plain(v) for v in c] for c in self.categories_],
            "timezones": self.timezones_,
            "decimal_places": self.decimal_places_,
            "support_sizes": np.array([0 if v is None else len(v) for v in self.supports_]),
            "support_values": np.concatenate([v for v in self.supports_ if v is not None] or [[]]),
            **{f"scaler.{key}": value for key, value in self.scaler_.to_state().items()},
        }

    @classmethod
    def from_state(cls, state):
        encoder = cls(state["kinds"], state["scaler.method"])
        encoder.categories_ = [None if c is None else list(c) for c in state["categories"]]
        encoder.timezones_ = list(state["timezones"])
        # older files: none
        encoder.decimal_places_ = list(state.get("decimal_places", [None] * len(encoder.kinds)))
        columns = len(encoder.kinds)
        # older files: no supports (draws as predicted)
        sizes = np.asarray(state.get("support_sizes", np.zeros(columns)), dtype=np.int64)
        values = np.asarray(state.get("support_values", []), dtype=np.float64)
        if not (
            isinstance(encoder.kinds, list)
            and set(encoder.kinds) <= set(MODELLED_KINDS)
            and len(encoder.categories_) == len(encoder.timezones_) == columns
            and len(encoder.decimal_places_) == columns
            and sizes.shape == (columns,)
            and (sizes >= 0).all()
            and sizes.sum() == len(values)
        ):
            raise ValueError("the column encoding is damaged")
        parts = np.split(values, np.cumsum(sizes)[:-1]) if columns else []
        encoder.supports_ = [part if len(part) else None for part in parts]
        encoder.scaler_ = NumericScaler.from_state(
            {
                key.removeprefix("scaler."): value
                for key, value in state.items()
                if key.startswith("scaler.")
            }
        )
        return encoder


def value_support(numbers):
    """The distinct observed values of a numeric column (N,), sorted, when it takes few of them:
    at most ``MAX_SUPPORT``, each seen ``MIN_REPEATS`` times on average; else None."""
    # a column with few values has few in any part of it: on a tall table a continuous one is
    # told from its first cells without sorting them all
    if len(numbers) > SUPPORT_PROBE:
        head = numbers[:SUPPORT_PROBE]
        if len(np.unique(head[~np.isnan(head)])) > MAX_SUPPORT:
            return None
    seen = numbers[~np.isnan(numbers)]
    distinct = np.unique(seen)
    if not len(distinct) or len(distinct) > MAX_SUPPORT or len(seen) < MIN_REPEATS * len(distinct):
        return None
    return distinct


def nearest_value(numbers, support):
    """Each number (N,) moved to the nearest value of ``support`` (sorted, not empty), the lower
    one on a tie; NaN stays NaN."""
    index = np.clip(np.searchsorted(support, numbers), 1, max(1, len(support) - 1))
    low, high = support[index - 1], support[np.minimum(index, len(support) - 1)]
    nearest = np.where(numbers - low <= high - numbers, low, high)
    return np.where(np.isnan(numbers), numbers, nearest)


def numbers_like(numbers, kind, like):
    """Numbers as a Series of ``like``'s dtype: rounded for an integer column, to its scale for
    an Arrow decimal one; as floats where ``like`` holds no numeric dtype."""
    if kind == "integer":
        numbers = np.rint(numbers)
    elif isinstance(like.dtype, pd.ArrowDtype) and pa.types.is_decimal(like.dtype.pyarrow_dtype):
        numbers = np.round(numbers, like.dtype.pyarrow_dtype.scale)
    series = pd.Series(numbers, index=like.index)
    return series.astype(like.dtype) if is_numeric_dtype(like.dtype) else series


def _decimal_places(column):
    """The most digits after the point among a column's observed values when they are all
    Python decimals (money read from a database or Parquet), else None."""
    values = column.dropna()
    if column.dtype != object or not values.map(lambda v: isinstance(v, decimal.Decimal)).all():
        return None
    return max(0, -min(value.as_tuple().exponent for value in values))


def _timezone(column):
    """The time zone of a datetime column (numpy- or Arrow-backed), as text, or None."""
    zone = pd.to_datetime(column).dt.tz
    return None if zone is None else str(zone)


def _resolution(dtype):
    """The finest step a datetime dtype holds, as a pandas frequency: filled datetimes are
    rounded to it, since a cast that would drop a fraction is refused (Arrow) or truncates."""
    if isinstance(dtype, pd.ArrowDtype):
        return arrow_resolution(dtype.pyarrow_dtype)
    return getattr(dtype, "unit", None) or np.datetime_data(dtype)[0]


def _with_dtype(series, dtype):
    """``series`` as ``dtype`` where the labels fit it (a category, bool, string), else as is."""
    try:
        return series.astype(dtype)
    except (TypeError, ValueError):
        return series


def _plain(value):
    """A label or statistic as a JSON value: numpy scalars as Python ones, timestamps, dates and
    decimals as text (exact; a numeric column's statistic read back as text is a decimal)."""
    if isinstance(value, datetime.date):  # pd.Timestamp included
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value.item() if isinstance(value, np.generic) else value
