"""Hiding observed cells on purpose, to score imputers against known values.

Implements the three mechanisms of the benchmark protocol (logistic amputation, as in HyperImpute
and ReMasker, with masks over all columns). A mask depends only on the data, the mechanism, the
rate and the seed, so every method is scored on the same hidden cells. Natural gaps are never
hidden again and never scored.
"""

import numpy as np
from sklearn.utils import check_random_state

MECHANISMS = ("MCAR", "MAR", "MNAR")


def _logistic_rates(inputs, observed, rate, rng):
    """Per-cell probabilities for the non-input columns, each column averaging ``rate`` over its
    observed cells."""
    n_targets = observed.shape[1]
    # positive weights, one column per target
    weights = rng.uniform(size=(inputs.shape[1], n_targets))
    logits = inputs @ weights  # (N, T)
    spread = logits.std(axis=0)
    logits = (logits - logits.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    probabilities = np.empty_like(logits)
    for j in range(n_targets):
        rows = observed[:, j]
        low, high = -50.0, 50.0
        for _ in range(60):
            bias = (low + high) / 2
            if np.mean(1 / (1 + np.exp(-(logits[rows, j] + bias)))) > rate:
                high = bias
            else:
                low = bias
        probabilities[:, j] = 1 / (1 + np.exp(-(logits[:, j] + (low + high) / 2)))
    return probabilities


def ampute(X, mechanism="MCAR", rate=0.3, random_state=None):
    """Choose observed cells to hide.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Numeric data, NaN where a value is naturally missing. Scale it first (the protocol uses
        min-max scaling) so that MAR and MNAR weigh columns alike.
    mechanism : {"MCAR", "MAR", "MNAR"}, default="MCAR"
        ``"MCAR"`` hides each observed cell with probability ``rate``. ``"MAR"`` keeps a random
        half of the columns fully observed and hides each other column's cells with a logistic
        probability of the kept columns, calibrated to ``rate``. ``"MNAR"`` does the same and
        then hides the kept half MCAR at ``rate``, so hiding depends on values that are hidden.
    rate : float, default=0.3
        Fraction of observed cells to hide (per column for MAR/MNAR).
    random_state : int, RandomState instance or None, default=None
        Seed; the same seed gives the same mask.

    Returns
    -------
    hidden : ndarray of shape (n_samples, n_features), dtype=bool
        Cells to hide; always a subset of the observed cells.

    Examples
    --------
    >>> import numpy as np
    >>> from impute import ampute
    >>> X = np.random.default_rng(0).random((1000, 4))
    >>> hidden = ampute(X, "MAR", 0.3, random_state=0)
    >>> round(float(hidden.mean()), 2)
    0.15
    """
    if mechanism not in MECHANISMS:
        raise ValueError(f"mechanism must be one of {MECHANISMS}, got {mechanism!r}")
    if not 0 < rate < 1:
        raise ValueError(f"rate must be strictly between 0 and 1, got {rate!r}")
    X = np.asarray(X, dtype=np.float64)
    rng = check_random_state(random_state)
    observed = ~np.isnan(X)
    n_features = X.shape[1]
    if mechanism == "MCAR" or n_features < 2:
        return observed & (rng.uniform(size=X.shape) < rate)
    inputs = rng.permutation(n_features)[: n_features // 2]
    targets = np.setdiff1d(np.arange(n_features), inputs)
    filled = np.where(observed, X, np.nanmean(np.where(observed, X, np.nan), axis=0))
    hidden = np.zeros(X.shape, dtype=bool)
    probabilities = _logistic_rates(filled[:, inputs], observed[:, targets], rate, rng)
    hidden[:, targets] = rng.uniform(size=probabilities.shape) < probabilities
    if mechanism == "MNAR":
        hidden[:, inputs] = rng.uniform(size=(len(X), len(inputs))) < rate
    return hidden & observed
