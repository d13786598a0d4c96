"""Fitting a fresh clone of an imputer on a table with hidden cells, timed."""

import time

import pandas as pd
from sklearn import config_context
from sklearn.base import clone


def fit_transform_timed(imputer, gappy, **params):
    """Fill ``gappy`` with a fresh clone of ``imputer`` given ``params``.

    Returns ``(filled, cost)``, where ``cost`` holds ``seconds`` for fit plus transform and, for an
    imputer that trains in epochs, ``epochs``: how many it ran, which unlike seconds does not
    depend on what else the machine was doing. A DataFrame is filled as a DataFrame, every
    column's dtype kept."""
    fitted = clone(imputer).set_params(**params)
    output = "pandas" if isinstance(gappy, pd.DataFrame) else "default"
    start = time.perf_counter()
    with config_context(transform_output=output):
        filled = fitted.fit_transform(gappy)
    cost = {"seconds": time.perf_counter() - start}
    if hasattr(fitted, "n_epochs_"):
        cost["epochs"] = fitted.n_epochs_
    return filled, cost
