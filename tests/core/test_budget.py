"""The training budget: how many optimizer steps a fit gets, and the one parameter that sets it."""

import numpy as np
import pytest

from impute import TimeSeriesImputer, TransformerImputer
from impute.core import series_budget, table_budget


def steps(n_rows, budget="fast", n_features=8):
    epochs, per_epoch, _ = table_budget(n_rows, budget, n_features=n_features)
    return epochs * per_epoch


def test_a_fit_costs_the_same_beyond_twenty_thousand_rows():
    assert steps(500) < steps(2_000) < steps(20_000)
    assert steps(20_000) == steps(1_000_000) == steps(50_000_000)


def test_steps_grow_slower_than_rows_beyond_two_thousand():
    assert steps(20_000) / steps(2_000) == pytest.approx(np.sqrt(10), rel=0.02)


def test_thorough_is_six_times_fast_and_a_number_scales_fast():
    assert steps(2_000, "thorough") == pytest.approx(6 * steps(2_000), rel=0.02)
    assert steps(2_000, 2) == pytest.approx(2 * steps(2_000), rel=0.02)
    assert steps(2_000, 0.5) == pytest.approx(steps(2_000) / 2, rel=0.05)


def test_wide_tables_take_fewer_steps_beyond_64_columns():
    assert steps(2_000, n_features=64) == steps(2_000, n_features=20)
    assert steps(2_000, n_features=128) == pytest.approx(steps(2_000, n_features=64) / 2, rel=0.05)


def test_max_epochs_and_batch_size_override_the_split():
    assert table_budget(2_000, max_epochs=3, batch_size=32)[0::2] == (3, 32)


def test_the_series_budget_scales_its_steps():
    fast, thorough = (series_budget(17_420, 96, 7, budget) for budget in ("fast", "thorough"))
    assert thorough[0] == pytest.approx(6 * fast[0], abs=1) and thorough[1:] == fast[1:]


@pytest.mark.parametrize("make", [TransformerImputer, TimeSeriesImputer])
@pytest.mark.parametrize("budget", ["slow", 0, -1.0])
def test_a_budget_that_is_not_one_is_refused(make, budget):
    X = np.random.default_rng(0).normal(size=(40, 3))
    X[::5, 1] = np.nan
    with pytest.raises(ValueError, match="budget"):
        make(budget=budget).fit(X)


def test_a_larger_budget_trains_longer_and_keeps_observed_cells():
    X = np.random.default_rng(0).normal(size=(200, 4))
    X[:, 3] = X[:, 0] + X[:, 1]
    gappy = np.where(np.random.default_rng(1).random(X.shape) < 0.2, np.nan, X)
    short, longer = (
        TransformerImputer(budget=budget, early_stopping=False, random_state=0).fit(gappy)
        for budget in (0.1, 0.3)
    )
    assert short.n_epochs_ == longer.n_epochs_ == 30
    filled = longer.transform(gappy)
    observed = ~np.isnan(gappy)
    np.testing.assert_array_equal(filled[observed], gappy[observed])
    assert not np.isnan(filled).any()
