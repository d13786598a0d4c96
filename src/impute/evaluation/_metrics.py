"""The errors an imputer is scored by, on cells hidden on purpose."""

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
