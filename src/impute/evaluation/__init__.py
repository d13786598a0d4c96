"""Scoring imputers on cells hidden on purpose: the benchmark protocol (``docs/benchmarks.md``),
shared by the command line's ``impute evaluate`` and the benchmarks.

Tables: observed cells hidden by logistic amputation (``ampute``) in min-max scaled columns,
RMSE and MAE on them (``evaluate``, ``evaluate_frame``). Series: points or blocks hidden in
z-scored series (``hide``, ``zscore``), MAE, RMSE and MRE on them (``evaluate_series``).
"""

from ._amputation import MECHANISMS, ampute
from ._metrics import mae, minmax_scale, mre, rmse
from ._series import PATTERNS, evaluate_series, hide, zscore
from ._tables import evaluate, evaluate_frame

__all__ = [
    "MECHANISMS",
    "PATTERNS",
    "ampute",
    "evaluate",
    "evaluate_frame",
    "evaluate_series",
    "hide",
    "mae",
    "minmax_scale",
    "mre",
    "rmse",
    "zscore",
]
