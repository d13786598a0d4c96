"""What the tests share: small tables with known structure, fast estimators, and the command line
run in-process."""

from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from impute import TransformerImputer
from impute.cli._app import app

SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"


def structured_table(n_rows=400, seed=0):
    """Eight columns driven by two latent factors, with non-linear links between them."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(2, n_rows))
    columns = [
        a,
        b,
        a + b,
        a - 2 * b,
        np.sin(2 * a),
        b**2,
        np.tanh(a * b),
        3 * a + 0.1 * rng.normal(size=n_rows),
    ]
    return np.column_stack(columns)


def coupled_series(n_steps, seed=0):
    """Three features over ``n_steps`` steps: x, y = x + noise, and an unrelated z. A block of x
    hidden while y shows is what interpolation in time cannot recover and attention over
    features can."""
    t = np.arange(n_steps)
    x = np.sin(t / 7.0) + 0.5 * np.sin(t / 2.3)
    y = x + np.random.default_rng(seed).normal(0, 0.05, n_steps)
    return np.column_stack([x, y, np.cos(t / 11.0)])  # (n_steps, 3)


def hide(X, rate, seed=1):
    """A copy of ``X`` with a random ``rate`` of cells set to NaN, and the mask of those cells."""
    hidden = np.random.default_rng(seed).random(X.shape) < rate
    return np.where(hidden, np.nan, X), hidden


def fast_transformer(**params):
    """A small, seeded TransformerImputer that fits in a fraction of a second."""
    return TransformerImputer(
        **{"d_model": 16, "n_heads": 2, "max_epochs": 4, "random_state": 0, **params}
    )


def invoke(*args):
    """Run ``impute ARGS...`` through Typer's runner; arguments may be paths."""
    return CliRunner().invoke(app, [str(arg) for arg in args])
