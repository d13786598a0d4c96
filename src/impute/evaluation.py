"""Scoring an imputer on cells hidden on purpose, as the benchmark protocol prescribes."""

import time

import numpy as np
from sklearn.base import clone

from .amputation import ampute


def minmax_scale(X):
    """Scale each column to [0, 1] by its observed minimum and maximum; constant columns become 0.

    Errors are measured in this space so that every column counts equally.
    """
    X = np.asarray(X, dtype=np.float64)
    low, high = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
    span = np.where(high > low, high - low, 1.0)
    return (X - low) / span


def rmse(truth, filled, cells):
    """Root mean squared error over the boolean mask ``cells``."""
    return float(np.sqrt(np.mean((filled[cells] - truth[cells]) ** 2)))


def mae(truth, filled, cells):
    """Mean absolute error over the boolean mask ``cells``."""
    return float(np.mean(np.abs(filled[cells] - truth[cells])))


def evaluate(imputer, X, mechanism="MCAR", rate=0.3, seed=0):
    """Hide cells of ``X``, impute them with a fresh clone of ``imputer`` and score the result.

    Parameters
    ----------
    imputer : estimator
        Any imputer with ``fit_transform``; it is cloned, so it may be reused.
    X : ndarray of shape (n_samples, n_features)
        Numeric data, already scaled (see ``minmax_scale``), NaN where naturally missing.
    mechanism : {"MCAR", "MAR", "MNAR"}, default="MCAR"
    rate : float, default=0.3
    seed : int, default=0
        Seeds the amputation only; the mask is the same for every imputer.

    Returns
    -------
    dict
        ``rmse`` and ``mae`` on the hidden cells, and ``seconds`` for fit plus transform.

    Examples
    --------
    >>> import numpy as np
    >>> from impute import MeanImputer
    >>> from impute.evaluation import evaluate
    >>> X = np.random.default_rng(0).random((200, 3))
    >>> sorted(evaluate(MeanImputer(), X))
    ['mae', 'rmse', 'seconds']
    """
    hidden = ampute(X, mechanism, rate, random_state=seed)
    if not hidden.any():
        raise ValueError("the amputation hid no cell; use more rows or a higher rate")
    start = time.perf_counter()
    filled = clone(imputer).fit_transform(np.where(hidden, np.nan, X))
    seconds = time.perf_counter() - start
    return {"rmse": rmse(X, filled, hidden), "mae": mae(X, filled, hidden), "seconds": seconds}
