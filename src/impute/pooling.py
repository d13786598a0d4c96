"""Rubin's rules: one answer from an analysis repeated on every completed table.

Multiple imputation runs the same analysis (a regression, a mean) on each of M completed tables
and pools the M results. The pooled estimate is their mean; its variance adds the mean of the
analyses' own variances (within) and the spread of the estimates between the draws (between,
inflated by 1 + 1/M for the finite number of draws), so a parameter that depends much on what
was missing gets a wider interval. Degrees of freedom follow Barnard and Rubin (1999) when the
complete-data analysis' degrees of freedom are known, as R's ``mice::pool`` does.
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class PooledEstimate:
    """Pooled results for one or several parameters (arrays of shape (k,), or floats for one).

    Attributes
    ----------
    estimate : ndarray
        Mean of the draws' estimates.
    std_error : ndarray
        Square root of ``total``.
    df : ndarray
        Degrees of freedom of the t reference distribution (``inf`` where the draws agree
        exactly and the complete-data degrees of freedom are unknown).
    fmi : ndarray
        Fraction of missing information: the share of the parameter's information that the
        missing cells cost.
    within, between, total : ndarray
        Mean of the draws' variances, variance of their estimates across draws, and
        ``within + (1 + 1/M) between``.
    riv : ndarray
        Relative increase in variance due to the missing cells, ``(1 + 1/M) between / within``.
    n_draws : int
        M.

    Examples
    --------
    >>> from impute import pool
    >>> pooled = pool([[1.9, 0.5], [2.1, 0.4], [2.0, 0.6]], [[0.04, 0.01]] * 3)
    >>> pooled.estimate.round(2).tolist(), pooled.fmi.shape
    ([2.0, 0.5], (2,))
    """

    estimate: np.ndarray
    std_error: np.ndarray
    df: np.ndarray
    fmi: np.ndarray
    within: np.ndarray
    between: np.ndarray
    total: np.ndarray
    riv: np.ndarray
    n_draws: int

    def confidence_interval(self, level=0.95):
        """The pooled ``level`` confidence interval, from the t distribution with ``df``.

        Returns
        -------
        low, high : ndarray or float
            Shaped as ``estimate``.
        """
        if not 0 < level < 1:
            raise ValueError(f"level must be between 0 and 1, got {level!r}")
        half = stats.t.ppf((1 + level) / 2, self.df) * self.std_error
        return self.estimate - half, self.estimate + half


def pool(estimates, variances, *, n_obs=None, n_params=None):
    """Pool an analysis repeated on M completed tables by Rubin's rules.

    Parameters
    ----------
    estimates : array-like of shape (M,) or (M, k)
        Each draw's estimate of one parameter, or of k parameters.
    variances : array-like of shape (M,), (M, k) or (M, k, k)
        Each draw's squared standard errors, shaped as ``estimates``, or its covariance
        matrices, of which the diagonals are used.
    n_obs, n_params : int, optional
        Rows and estimated parameters of the complete-data analysis. Given both, the degrees
        of freedom are Barnard and Rubin's small-sample ones (at most ``n_obs - n_params``);
        otherwise Rubin's large-sample ones.

    Returns
    -------
    PooledEstimate
        Floats for a single parameter given as shape (M,), else arrays of shape (k,).

    Examples
    --------
    >>> from impute import pool
    >>> pooled = pool([1.9, 2.1, 2.0], [0.04, 0.05, 0.045], n_obs=100, n_params=2)
    >>> round(pooled.estimate, 3), round(pooled.std_error, 3)
    (2.0, 0.242)
    >>> low, high = pooled.confidence_interval(0.95)
    >>> bool(low < 2.0 < high)
    True
    """
    q = np.asarray(estimates, dtype=float)
    u = np.asarray(variances, dtype=float)
    scalar = q.ndim == 1
    q = q[:, None] if scalar else q
    if u.ndim == 3:
        u = np.diagonal(u, axis1=1, axis2=2)
    u = u[:, None] if u.ndim == 1 else u
    if q.ndim != 2 or u.shape != q.shape:
        raise ValueError(
            "estimates must have shape (M,) or (M, k) and variances the same shape (or "
            f"(M, k, k)); got {np.shape(estimates)} and {np.shape(variances)}"
        )
    m = len(q)
    if m < 2:
        raise ValueError(f"pooling needs the analyses of at least 2 draws, got {m}")
    if not (np.isfinite(q).all() and np.isfinite(u).all()) or (u < 0).any():
        raise ValueError("estimates must be finite and variances finite and not negative")
    if (n_obs is None) != (n_params is None):
        raise ValueError("give both n_obs and n_params, or neither")
    if n_obs is not None and n_obs - n_params < 1:
        raise ValueError(f"n_obs ({n_obs}) must exceed n_params ({n_params})")
    estimate = q.mean(0)
    within = u.mean(0)
    between = q.var(0, ddof=1)
    inflated = (1 + 1 / m) * between
    total = within + inflated
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.where(total > 0, inflated / total, 0.0)  # share of the variance due to gaps
        riv = np.where(within > 0, inflated / within, np.where(inflated > 0, np.inf, 0.0))
        df_old = np.where(lam > 0, (m - 1) / lam**2, np.inf)
        if n_obs is None:
            df = df_old
        else:
            complete = n_obs - n_params
            df_obs = (complete + 1) / (complete + 3) * complete * (1 - lam)
            df = np.where(np.isinf(df_old), df_obs, df_old * df_obs / (df_old + df_obs))
        fmi = np.where(np.isinf(riv), 1.0, (riv + 2 / (df + 3)) / (1 + riv))
    fields = {
        "estimate": estimate,
        "std_error": np.sqrt(total),
        "df": df,
        "fmi": fmi,
        "within": within,
        "between": between,
        "total": total,
        "riv": riv,
    }
    if scalar:
        fields = {name: float(value[0]) for name, value in fields.items()}
    return PooledEstimate(**fields, n_draws=m)
