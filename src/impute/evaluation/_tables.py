"""Scoring a table imputer on cells hidden on purpose, as the benchmark protocol prescribes
(``docs/benchmarks.md``): numeric columns min-max scaled on their observed values and hidden by
logistic amputation, categorical cells hidden at random, errors measured on the hidden cells.
"""

import numpy as np
import pandas as pd

from ..core import (
    CATEGORICAL_KINDS,
    NUMERIC_KINDS,
    as_numbers,
    categorical_positions,
    frame_column_kind,
)
from ._amputation import ampute
from ._metrics import check_draws, mae, minmax_scale, rmse, score_draws
from ._timing import draws_timed, fit_transform_timed

DRAW_LEVEL = 0.9  # the central interval ``evaluate`` and ``evaluate_frame`` score draws by


def evaluate(imputer, X, mechanism="MCAR", rate=0.3, seed=0, n_draws=0):
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
        Seeds the amputation (the mask is the same for every imputer) and the draws.
    n_draws : int, default=0
        Also draw this many completed tables (``impute.evaluation.draws_timed`` says how) and
        score them on the hidden cells: at least 19, the fewest a central 90% interval can be
        read off (``impute.evaluation.fewest_draws``), or ValueError before anything is fitted.

    Returns
    -------
    dict
        ``rmse`` and ``mae`` on the hidden cells, ``seconds`` for fit plus transform, and for an
        imputer that trains in epochs, ``epochs``: how many it ran, which unlike seconds does not
        depend on what else the machine was doing. With draws from an imputer that can draw,
        also the coverage and mean width of their central 90% interval
        (``impute.evaluation.draw_interval``), their ``crps`` and ``draw_seconds``.

    Examples
    --------
    >>> import numpy as np
    >>> from impute import MeanImputer
    >>> from impute import evaluate
    >>> X = np.random.default_rng(0).random((200, 3))
    >>> sorted(evaluate(MeanImputer(), X))
    ['mae', 'rmse', 'seconds']
    """
    if n_draws:
        check_draws(n_draws, DRAW_LEVEL)
    hidden = ampute(X, mechanism, rate, random_state=seed)
    if not hidden.any():
        raise ValueError("the amputation hid no cell; use more rows or a higher rate")
    gappy = np.where(hidden, np.nan, X)
    filled, cost, fitted = fit_transform_timed(imputer, gappy)
    scores = {"rmse": rmse(X, filled, hidden), "mae": mae(X, filled, hidden), **cost}
    if n_draws:
        draws, draw_cost = draws_timed(imputer, fitted, gappy, n_draws, seed)
        if draws is not None:
            scores.update(score_draws(X, np.stack(draws), hidden, DRAW_LEVEL), **draw_cost)
    return scores


def evaluate_frame(imputer, frame, mechanism="MCAR", rate=0.3, seed=0, n_draws=0):
    """Score ``imputer`` on a table with numeric and categorical columns (``docs/benchmarks.md``).

    Columns are scored as the imputers model them (``impute.core.frame_column_kind``, with the
    imputer's ``categorical_features`` if it has them): numeric columns (floats, integers,
    datetimes as seconds) are min-max scaled and hidden under ``mechanism``;
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
        Seeds the amputation (the hidden cells are the same for every imputer) and the draws.
    n_draws : int, default=0
        Also draw this many completed tables, as ``evaluate`` does (at least 19), and score
        their numeric cells.

    Returns
    -------
    dict
        ``rmse`` and ``mae`` on the hidden numeric cells (None without numeric columns),
        ``accuracy`` on the hidden categorical cells (None without categorical columns),
        ``seconds`` for fit plus transform, ``epochs`` for an imputer that trains in epochs (as
        in ``evaluate``), and ``columns``: the same scores for each column with hidden cells, in
        table order. With draws from an imputer that can draw and hidden numeric cells, also
        ``coverage``, ``width``, ``crps`` and ``draw_seconds`` (as in ``evaluate``), overall and
        per numeric column.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from impute import MeanImputer
    >>> from impute import evaluate_frame
    >>> rng = np.random.default_rng(0)
    >>> colours = rng.choice(["red", "blue"], 200).astype(object)
    >>> frame = pd.DataFrame({"x": rng.random(200), "colour": colours})
    >>> scores = evaluate_frame(MeanImputer(), frame)
    >>> sorted(scores)
    ['accuracy', 'columns', 'mae', 'rmse', 'seconds']
    >>> {name: sorted(column) for name, column in scores["columns"].items()}
    {'x': ['mae', 'rmse'], 'colour': ['accuracy']}
    """
    if n_draws:
        check_draws(n_draws, DRAW_LEVEL)
    forced = categorical_positions(imputer.get_params().get("categorical_features"), frame.columns)
    kinds = {
        name: frame_column_kind(frame[name], categorical=j in forced)
        for j, name in enumerate(frame.columns)
    }
    numeric = [name for name in frame.columns if kinds[name] in NUMERIC_KINDS]
    categorical = [name for name in frame.columns if kinds[name] in CATEGORICAL_KINDS]
    if not (numeric or categorical):
        raise ValueError(
            f"no column can be scored: every column is passed through ({kinds}); pass numeric, "
            "text or date columns"
        )
    gappy = frame.copy()
    numbers = (
        np.column_stack([as_numbers(frame[name], kinds[name]) for name in numeric])
        if numeric
        else None
    )
    truth = minmax_scale(numbers) if numeric else None
    if numeric:
        hidden = ampute(truth, mechanism, rate, random_state=seed)
        for j, name in enumerate(numeric):
            gappy[name] = np.where(hidden[:, j], np.nan, truth[:, j])
    rng = np.random.default_rng(seed)
    hidden_labels = frame[categorical].notna().to_numpy(dtype=bool) & (
        rng.random((len(frame), len(categorical))) < rate
    )
    gappy[categorical] = gappy[categorical].mask(hidden_labels)
    if not ((numeric and hidden.any()) or hidden_labels.any()):
        raise ValueError("the amputation hid no cell; use more rows or a higher rate")
    filled, cost, fitted = fit_transform_timed(imputer, gappy)
    filled = _as_frame(filled, frame.columns)
    scores = {"rmse": None, "mae": None, "accuracy": None, **cost, "columns": {}}
    if numeric and hidden.any():
        values = filled[numeric].to_numpy(dtype=np.float64)
        scores.update(rmse=rmse(truth, values, hidden), mae=mae(truth, values, hidden))
        for j, name in enumerate(numeric):
            if hidden[:, j].any():
                column = (truth[:, j], values[:, j], hidden[:, j])
                scores["columns"][name] = {"rmse": rmse(*column), "mae": mae(*column)}
        if n_draws:
            draws, draw_cost = draws_timed(imputer, fitted, gappy, n_draws, seed)
            if draws is not None:
                drawn = np.stack(
                    [_as_frame(one, frame.columns)[numeric].to_numpy(np.float64) for one in draws]
                )  # (M, rows, numeric columns), scaled as the truth
                scores.update(score_draws(truth, drawn, hidden, DRAW_LEVEL), **draw_cost)
                for j, name in enumerate(numeric):
                    if hidden[:, j].any():
                        scores["columns"][name].update(
                            score_draws(truth[:, j], drawn[:, :, j], hidden[:, j], DRAW_LEVEL)
                        )
    if hidden_labels.any():
        matches = filled[categorical].to_numpy(dtype=object) == frame[categorical].to_numpy(
            dtype=object
        )
        scores["accuracy"] = float(matches[hidden_labels].mean())
        for j, name in enumerate(categorical):
            if hidden_labels[:, j].any():
                scores["columns"][name] = {
                    "accuracy": float(matches[hidden_labels[:, j], j].mean())
                }
    return {
        **scores,
        "columns": {
            name: scores["columns"][name] for name in frame.columns if name in scores["columns"]
        },
    }


def _as_frame(filled, columns):
    """A filled table as a DataFrame with the input's column names."""
    return filled if isinstance(filled, pd.DataFrame) else pd.DataFrame(filled, columns=columns)
