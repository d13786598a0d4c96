"""Scoring an imputer on cells hidden on purpose, as the benchmark protocol prescribes."""

import time

import numpy as np
import pandas as pd
from sklearn.base import clone

from .amputation import ampute
from .base import categorical_positions
from .encoding import as_numbers, column_kind

__all__ = ["evaluate", "evaluate_frame", "mae", "minmax_scale", "rmse"]


def minmax_scale(X):
    """Scale each column to [0, 1] by its observed minimum and maximum; constant columns become 0.

    Errors are measured in this space so that every column counts equally.

    Examples
    --------
    >>> import numpy as np
    >>> from impute.evaluation import minmax_scale
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
    >>> from impute.evaluation import rmse
    >>> rmse(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.5, 9.0]), np.array([False, True, False]))
    0.5
    """
    return float(np.sqrt(np.mean((filled[cells] - truth[cells]) ** 2)))


def mae(truth, filled, cells):
    """Mean absolute error over the boolean mask ``cells``.

    Examples
    --------
    >>> import numpy as np
    >>> from impute.evaluation import mae
    >>> mae(np.array([1.0, 2.0, 3.0]), np.array([0.0, 2.5, 9.0]), np.array([True, True, False]))
    0.75
    """
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
        ``rmse`` and ``mae`` on the hidden cells, ``seconds`` for fit plus transform, and for an
        imputer that trains in epochs, ``epochs``: how many it ran, which unlike seconds does not
        depend on what else the machine was doing.

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
    filled, cost = _fit_transform_timed(imputer, np.where(hidden, np.nan, X))
    return {"rmse": rmse(X, filled, hidden), "mae": mae(X, filled, hidden), **cost}


def _fit_transform_timed(imputer, gappy, **params):
    """Fill ``gappy`` with a fresh clone of ``imputer`` given ``params``; returns ``(filled, cost)``,
    where ``cost`` holds ``seconds`` for fit plus transform and, for an imputer that trains in
    epochs, ``epochs``: how many it ran, which unlike seconds does not depend on what else the
    machine was doing."""
    fitted = clone(imputer).set_params(**params)
    start = time.perf_counter()
    filled = fitted.fit_transform(gappy)
    cost = {"seconds": time.perf_counter() - start}
    if hasattr(fitted, "n_epochs_"):
        cost["epochs"] = fitted.n_epochs_
    return filled, cost


def evaluate_frame(imputer, frame, mechanism="MCAR", rate=0.3, seed=0):
    """Score ``imputer`` on a table with numeric and categorical columns (``../shared/BENCHMARK.md``).

    Columns are scored as the imputers model them (``encoding.column_kind``, with the imputer's
    ``categorical_features`` if it has them): numeric columns
    (floats, integers, datetimes as seconds) are min-max scaled and hidden under ``mechanism``;
    categorical columns (text, ``category``, booleans) are hidden MCAR at ``rate``, as the protocol
    prescribes. Columns that are passed through (identifiers, empty, complex numbers and other
    unsupported values) are left as they are and not scored.

    Parameters
    ----------
    imputer : estimator
        Cloned before fitting, so it may be reused.
    frame : DataFrame
        The table, NaN or None where naturally missing.
    mechanism : {"MCAR", "MAR", "MNAR"}, default="MCAR"
    rate : float, default=0.3
    seed : int, default=0
        Seeds the amputation only; the hidden cells are the same for every imputer.

    Returns
    -------
    dict
        ``rmse`` and ``mae`` on the hidden numeric cells (None without numeric columns),
        ``accuracy`` on the hidden categorical cells (None without categorical columns),
        ``seconds`` for fit plus transform, ``epochs`` for an imputer that trains in epochs (as
        in ``evaluate``), and ``columns``: the same scores for each column with hidden cells, in
        table order.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from impute import MeanImputer
    >>> from impute.evaluation import evaluate_frame
    >>> rng = np.random.default_rng(0)
    >>> frame = pd.DataFrame({"x": rng.random(200), "colour": rng.choice(["red", "blue"], 200).astype(object)})
    >>> scores = evaluate_frame(MeanImputer(), frame)
    >>> sorted(scores)
    ['accuracy', 'columns', 'mae', 'rmse', 'seconds']
    >>> {name: sorted(column) for name, column in scores["columns"].items()}
    {'x': ['mae', 'rmse'], 'colour': ['accuracy']}
    """
    forced = categorical_positions(imputer.get_params().get("categorical_features"), frame.columns)
    kinds = {name: column_kind(frame[name], categorical=j in forced) for j, name in enumerate(frame.columns)}
    numeric = [name for name in frame.columns if kinds[name] in ("float", "integer", "datetime")]
    categorical = [name for name in frame.columns if kinds[name] in ("categorical", "boolean")]
    if not (numeric or categorical):
        raise ValueError(f"no column can be scored: every column is passed through ({kinds}); pass numeric, text or date columns")
    gappy = frame.copy()
    numbers = np.column_stack([as_numbers(frame[name], kinds[name]) for name in numeric]) if numeric else None
    truth = minmax_scale(numbers) if numeric else None
    if numeric:
        hidden = ampute(truth, mechanism, rate, random_state=seed)
        for j, name in enumerate(numeric):
            gappy[name] = np.where(hidden[:, j], np.nan, truth[:, j])
    rng = np.random.default_rng(seed)
    hidden_labels = frame[categorical].notna().to_numpy(dtype=bool) & (rng.random((len(frame), len(categorical))) < rate)
    gappy[categorical] = gappy[categorical].mask(hidden_labels)
    if not ((numeric and hidden.any()) or hidden_labels.any()):
        raise ValueError("the amputation hid no cell; use more rows or a higher rate")
    filled, cost = _fit_transform_timed(imputer, gappy)
    filled = filled if isinstance(filled, pd.DataFrame) else pd.DataFrame(filled, columns=frame.columns)
    scores = {"rmse": None, "mae": None, "accuracy": None, **cost, "columns": {}}
    if numeric and hidden.any():
        values = filled[numeric].to_numpy(dtype=np.float64)
        scores.update(rmse=rmse(truth, values, hidden), mae=mae(truth, values, hidden))
        for j, name in enumerate(numeric):
            if hidden[:, j].any():
                column = (truth[:, j], values[:, j], hidden[:, j])
                scores["columns"][name] = {"rmse": rmse(*column), "mae": mae(*column)}
    if hidden_labels.any():
        matches = filled[categorical].to_numpy(dtype=object) == frame[categorical].to_numpy(dtype=object)
        scores["accuracy"] = float(matches[hidden_labels].mean())
        for j, name in enumerate(categorical):
            if hidden_labels[:, j].any():
                scores["columns"][name] = {"accuracy": float(matches[hidden_labels[:, j], j].mean())}
    return {**scores, "columns": {name: scores["columns"][name] for name in frame.columns if name in scores["columns"]}}
