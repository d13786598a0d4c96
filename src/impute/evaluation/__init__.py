"""Scoring imputers on cells hidden on purpose: the benchmark protocol (``docs/benchmarks.md``),
shared by the command line's ``impute evaluate`` and the benchmarks.

Tables: observed cells hidden by logistic amputation (``ampute``) in min-max scaled columns,
RMSE and MAE on them (``evaluate``, ``evaluate_frame``), and with ``n_draws`` the coverage and
width of the draws' intervals and their CRPS (``score_draws``). Series: points or blocks hidden in
z-scored series (``hide``, ``zscore``), MAE, RMSE and MRE on them (``evaluate_series``).
"""

from ._amputation import MECHANISMS, ampute
from ._metrics import (
    check_draws,
    crps,
    draw_interval,
    fewest_draws,
    mae,
    minmax_scale,
    mre,
    rmse,
    score_draws,
)
from ._series import PATTERNS, evaluate_series, hide, zscore
from ._tables import DRAW_LEVEL, evaluate, evaluate_frame
from ._timing import draws_timed

__all__ = [
    "DRAW_LEVEL",
    "MECHANISMS",
    "PATTERNS",
    "ampute",
    "check_draws",
    "crps",
    "draw_interval",
    "draws_timed",
    "evaluate",
    "evaluate_frame",
    "evaluate_series",
    "fewest_draws",
    "hide",
    "mae",
    "minmax_scale",
    "mre",
    "rmse",
    "score_draws",
    "zscore",
]
