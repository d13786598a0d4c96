"""Fitting a fresh clone of an imputer on a table with hidden cells, and drawing from it, timed."""

import time

import pandas as pd
from sklearn import config_context
from sklearn.base import clone


def draws_timed(imputer, fitted, gappy, n_draws, seed):
    """``n_draws`` completed tables of ``gappy`` and the seconds they took, or ``(None, {})`` for
    an imputer that cannot draw.

    ``fitted.sample`` draws them from one fit when the imputer has it; an imputer with a
    ``sample_posterior`` parameter (scikit-learn's ``IterativeImputer``) is fitted once per draw
    with it set and ``random_state`` 0 to M - 1, as scikit-learn advises for multiple
    imputation, and the seconds are then those of all the fits.
    """
    output = "pandas" if isinstance(gappy, pd.DataFrame) else "default"
    start = time.perf_counter()
    with config_context(transform_output=output):
        if hasattr(fitted, "sample"):
            draws = fitted.sample(gappy, n_draws, random_state=seed)
        elif "sample_posterior" in imputer.get_params():
            draws = [
                clone(imputer)
                .set_params(sample_posterior=True, random_state=i)
                .fit_transform(gappy)
                for i in range(n_draws)
            ]
        else:
            return None, {}
    return draws, {"draw_seconds": time.perf_counter() - start}


def fit_transform_timed(imputer, gappy, **params):
    """Fill ``gappy`` with a fresh clone of ``imputer`` given ``params``.

    Returns ``(filled, cost, fitted)``: the fill, the fitted clone, and ``cost``, which holds
    ``seconds`` for fit plus transform and, for an imputer that trains in epochs, ``epochs``:
    how many it ran, which unlike seconds does not depend on what else the machine was doing.
    A DataFrame is filled as a DataFrame, every column's dtype kept."""
    fitted = clone(imputer).set_params(**params)
    output = "pandas" if isinstance(gappy, pd.DataFrame) else "default"
    start = time.perf_counter()
    with config_context(transform_output=output):
        filled = fitted.fit_transform(gappy)
    cost = {"seconds": time.perf_counter() - start}
    if hasattr(fitted, "n_epochs_"):
        cost["epochs"] = fitted.n_epochs_
    return filled, cost, fitted
