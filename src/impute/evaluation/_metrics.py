"""The errors an imputer is scored by, on cells hidden on purpose."""

import math

import numpy as np


def minmax_scale(X):
    """Scale each column to [0, 1] by its observed minimum and maximum; constant columns become 0.

    Errors are measured in this space so that every column counts equally.

    Examples
    --------
    >>> import numpy as np
    >>> from impute import minmax_scale
    >>> minmax_scale([[10.0, 5.0], [20.0, np.nan], [30.0, 5.0]])
    array([[0. , 0. ],
           [0.5, nan],
           [1. , 0. ]])
    """
    X = np.asarray(X, dtype=np.float64)
    low, high = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
    span = np.where(high > low, high - low, 1.0)
    return (X - low) / span


def rmse(truth, filled, cells):
    """Root mean squared error over the boolean mask ``cells``.

    Examples
    --------
    >>> import numpy as np
    >>> from impute import rmse
    >>> rmse(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.5, 9.0]), np.array([False, True, False]))
    0.5
    """
    return float(np.sqrt(np.mean((filled[cells] - truth[cells]) ** 2)))


def mae(truth, filled, cells):
    """Mean absolute error over the boolean mask ``cells``.

    Examples
    --------
    >>> import numpy as np
    >>> from impute import mae
    >>> mae(np.array([1.0, 2.0, 3.0]), np.array([0.0, 2.5, 9.0]), np.array([True, True, False]))
    0.75
    """
    return float(np.mean(np.abs(filled[cells] - truth[cells])))


def mre(truth, filled, cells):
    """Mean relative error: the sum of absolute errors over the sum of absolute true values.

    Examples
    --------
    >>> import numpy as np
    >>> from impute import mre
    >>> mre(np.array([1.0, -3.0]), np.array([2.0, -3.0]), np.array([True, True]))
    0.25
    """
    return float(np.abs(filled[cells] - truth[cells]).sum() / np.abs(truth[cells]).sum())


def fewest_draws(level):
    """The fewest draws a central ``level`` interval can be read off (``draw_interval``): its
    ends sit at the plotting positions p (M + 1), p = (1 - level) / 2 and 1 - p, which must fall
    on or within the first and last of the M draws. 19 for a 90% interval, 39 for 95%.

    Examples
    --------
    >>> from impute.evaluation import fewest_draws
    >>> fewest_draws(0.9), fewest_draws(0.95)
    (19, 39)
    """
    return max(1, math.ceil(round(2 / (1 - level) - 1, 9)))


def check_draws(n_draws, level):
    """Raise ValueError, saying why, if ``n_draws`` are too few for a central ``level``
    interval (``fewest_draws``)."""
    needed = fewest_draws(level)
    if n_draws < needed:
        raise ValueError(
            f"{n_draws} draws are too few for a central {level:.0%} interval: its ends are the "
            f"draws' {(1 - level) / 2:.1%} and {(1 + level) / 2:.1%} quantiles at the plotting "
            f"positions p (M + 1), which fall beyond the first and last draw unless M is at "
            f"least {needed}; use {needed} draws or more (20 is usual for 90%)"
        )


def draw_interval(draws, level=0.9):
    """The central ``level`` interval of each cell from M draws (M, ...): lower and upper (...).

    The bounds are the draws' ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles at the
    plotting positions p (M + 1) (Hyndman and Fan's type 6), for which an interval from M draws
    of the true distribution holds a new value with probability ``level`` on average; NumPy's
    default positions, p (M - 1) + 1, give 20 draws' 90% interval an 81% chance. Fewer draws
    than ``fewest_draws(level)`` raise ValueError: their first and last would be an interval of
    a lower level, (M - 1) / (M + 1), and report it as ``level``.

    Examples
    --------
    >>> import numpy as np
    >>> from impute.evaluation import draw_interval
    >>> lower, upper = draw_interval(np.arange(1.0, 20.0)[:, None], level=0.9)
    >>> float(lower[0]), float(upper[0])
    (1.0, 19.0)
    """
    draws = np.asarray(draws)
    check_draws(len(draws), level)
    tail = (1 - level) / 2
    lower, upper = np.quantile(draws, [tail, 1 - tail], axis=0, method="weibull")
    return lower, upper


def crps(truth, draws, cells):
    """Mean continuous ranked probability score of M draws (M, ...) over the boolean mask
    ``cells``: per cell, mean |x_i - y| - sum |x_i - x_j| / (2 M²), with y the true value. Lower
    is better; for a single draw it is the absolute error.

    Examples
    --------
    >>> import numpy as np
    >>> from impute.evaluation import crps
    >>> crps(np.array([0.0]), np.array([[-1.0], [1.0]]), np.array([True]))
    0.5
    """
    x = np.asarray(draws)[:, cells]  # (M, cells)
    y = np.asarray(truth)[cells]
    accuracy = np.abs(x - y).mean(0)
    m = len(x)
    # sum over all pairs of |x_i - x_j| from the sorted draws, without the (M, M, cells) array
    weights = 2 * np.arange(1, m + 1) - m - 1  # (M,)
    pairs = 2 * (weights[:, None] * np.sort(x, axis=0)).sum(0)  # (cells,)
    spread = pairs / (2 * m**2)
    return float(np.mean(accuracy - spread))


def score_draws(truth, draws, cells, level=0.9):
    """Coverage, mean width of the draws' central ``level`` interval (``draw_interval``) and
    CRPS over ``cells``, as a dict: ``coverage``, ``width``, ``crps``."""
    lower, upper = draw_interval(draws, level)
    y = np.asarray(truth)[cells]
    inside = (lower[cells] <= y) & (y <= upper[cells])
    return {
        "coverage": float(inside.mean()),
        "width": float(np.mean(upper[cells] - lower[cells])),
        "crps": crps(truth, draws, cells),
    }
