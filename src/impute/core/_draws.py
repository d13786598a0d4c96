"""What the draws of both families share: checking what is asked of them, and their seed."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state


def check_draw_request(estimator, method, n_draws=None, level=None):
    """Refuse, with what to do, a draw or interval the fitted ``estimator`` cannot give: a bad
    ``n_draws`` or ``level``, or no ``spread_`` (fitted without early stopping, whose held-out
    cells measure the spread, or loaded from a model file written before draws existed)."""
    if n_draws is not None and (not isinstance(n_draws, Integral) or n_draws < 1):
        raise ValueError(f"n_draws must be a positive integer, got {n_draws!r}")
    if level is not None and (not isinstance(level, Real) or not 0 < level < 1):
        raise ValueError(f"level must be a number between 0 and 1, got {level!r}")
    if getattr(estimator, "spread_", None) is None:
        raise ValueError(
            f"{method} needs the predictive spread that fit measures on held-out cells; "
            + (
                "this imputer was fitted with early_stopping=False: refit it with "
                "early_stopping=True"
                if not estimator.early_stopping
                else "this model was saved before draws existed: refit it"
            )
        )


def draw_seed(random_state):
    """The seed of one call's draws: the same for an int, a fresh one for None, the next one of
    a ``RandomState``."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
