"""Scoring time-series imputers on points hidden on purpose, as ``docs/benchmarks.md`` prescribes.

SAITS's protocol: each series is z-scored per feature on its observed values, 10% of the observed
points are hidden, and MAE, RMSE and MRE are measured on them in z-scored units. Real gaps come
in blocks (a sensor goes down for hours), so blocks are hidden as a second pattern: runs of 6 to
48 consecutive steps of one feature, until the same share of observed points is hidden.
"""

import warnings

import numpy as np

from ..series import series_layout
from ._metrics import mae, mre, rmse
from ._timing import fit_transform_timed

PATTERNS = ("points", "blocks")
BLOCK_LENGTHS = (6, 48)


def zscore(values, rows):
    """``values`` (N, F) with each series (``rows``: its row positions) z-scored per feature on
    its observed values; a feature constant within a series is only centred.

    Examples
    --------
    >>> import numpy as np
    >>> from impute.evaluation import zscore
    >>> zscore(np.array([[1.0], [3.0], [np.nan]]), [np.array([0, 1, 2])]).ravel().tolist()
    [-1.0, 1.0, nan]
    """
    scaled = np.array(values, dtype=np.float64)
    for series_rows in rows:
        part = scaled[series_rows]
        with np.errstate(all="ignore"), warnings.catch_warnings():
            # a feature never observed in this series
            warnings.simplefilter("ignore", RuntimeWarning)
            centre, spread = np.nanmean(part, axis=0), np.nanstd(part, axis=0)
        spread = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)
        scaled[series_rows] = (part - np.nan_to_num(centre)) / spread
    return scaled


def hide(observed, rows, pattern="points", rate=0.1, seed=0):
    """Choose observed points to hide: each at random (``"points"``), or in ``"blocks"`` of 6 to
    48 consecutive steps of one feature of one series until ``rate`` of the observed points are
    hidden. The choice depends only on the data's layout, the pattern, the rate and the seed.

    Parameters
    ----------
    observed : ndarray of bool, shape (N, F)
    rows : list of ndarray of int
        Each series' row positions in time order (``SeriesLayout.rows``).
    pattern : {"points", "blocks"}
    rate : float
    seed : int

    Returns
    -------
    ndarray of bool, shape (N, F)
        A subset of ``observed``.

    Examples
    --------
    >>> import numpy as np
    >>> from impute.evaluation import hide
    >>> observed = np.ones((1000, 2), dtype=bool)
    >>> hidden = hide(observed, [np.arange(1000)], "blocks", rate=0.1)
    >>> 200 <= int(hidden.sum()) < 200 + 48
    True
    """
    rng = np.random.default_rng(seed)
    if pattern == "points":
        return observed & (rng.random(observed.shape) < rate)
    if pattern != "blocks":
        raise ValueError(f"pattern={pattern!r}; choose one of {PATTERNS}")
    hidden = np.zeros_like(observed)
    target = int(np.round(rate * observed.sum()))
    lengths = np.array([len(r) for r in rows])
    if target == 0 or not lengths.sum():
        return hidden
    count = 0
    while count < target:
        series = rng.choice(len(rows), p=lengths / lengths.sum())  # longer series get more blocks
        feature = rng.integers(observed.shape[1])
        length = rng.integers(BLOCK_LENGTHS[0], BLOCK_LENGTHS[1] + 1)
        start = rng.integers(max(1, lengths[series] - length + 1))
        steps = rows[series][start : start + length]
        newly = observed[steps, feature] & ~hidden[steps, feature]
        hidden[steps, feature] |= newly
        count += int(newly.sum())
    return hidden


def evaluate_series(
    imputer, frame, *, time_column=None, id_column=None, pattern="points", rate=0.1, seed=0
):
    """Hide observed points of time series, fill them with a clone of ``imputer``, and score it.

    Parameters
    ----------
    imputer : estimator
        A time-series imputer taking ``time_column`` and ``id_column`` as parameters; they are
        set to the values given here.
    frame : DataFrame
        The series, long or wide (see ``impute.series_layout``).
    time_column, id_column : str, optional
    pattern : {"points", "blocks"}, default="points"
    rate : float, default=0.1
    seed : int, default=0
        Seeds the hiding only: every imputer is scored on the same points.

    Returns
    -------
    dict
        ``mae``, ``rmse`` and ``mre`` on the hidden points in z-scored units, ``hidden`` (their
        number), ``seconds`` for fit plus transform and, for an imputer that trains in epochs,
        ``epochs``: how many it ran.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from impute import SeriesBaselineImputer, evaluate_series
    >>> t = np.arange(500)
    >>> frame = pd.DataFrame({"t": t, "a": np.sin(t / 20), "b": np.cos(t / 20)})
    >>> scores = evaluate_series(SeriesBaselineImputer(), frame, time_column="t")
    >>> scores["mae"] < 0.01, scores["hidden"]
    (True, 89)
    """
    layout = series_layout(frame, time_column, id_column)
    truth = zscore(frame[layout.features].to_numpy(dtype=np.float64, na_value=np.nan), layout.rows)
    hidden = hide(~np.isnan(truth), layout.rows, pattern, rate, seed)
    gappy = frame.copy()
    for j, name in enumerate(layout.features):
        gappy[name] = np.where(hidden[:, j], np.nan, truth[:, j])
    filled, cost, _ = fit_transform_timed(
        imputer, gappy, time_column=time_column, id_column=id_column
    )
    values = filled[layout.features].to_numpy(dtype=np.float64, na_value=np.nan)
    return {
        "mae": mae(truth, values, hidden),
        "rmse": rmse(truth, values, hidden),
        "mre": mre(truth, values, hidden),
        "hidden": int(hidden.sum()),
        **cost,
    }
