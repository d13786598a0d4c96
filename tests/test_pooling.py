"""Rubin's rules against a case worked by hand, and the errors pool gives for bad input."""

import numpy as np
import pytest
from scipy import stats

from impute import pool


def test_pooling_matches_rubins_rules_worked_by_hand():
    estimates = [1.9, 2.1, 2.0]
    variances = [0.04, 0.05, 0.045]
    pooled = pool(estimates, variances, n_obs=100, n_params=2)
    within, between = 0.045, 0.01  # mean of the variances; variance of the estimates
    total = within + (1 + 1 / 3) * between  # 0.058333...
    lam = (4 / 3) * between / total
    df_old = 2 / lam**2
    df_obs = 99 / 101 * 98 * (1 - lam)
    df = df_old * df_obs / (df_old + df_obs)
    riv = (4 / 3) * between / within
    assert pooled.estimate == pytest.approx(2.0)
    assert pooled.within == pytest.approx(within)
    assert pooled.between == pytest.approx(between)
    assert pooled.std_error == pytest.approx(np.sqrt(total))
    assert pooled.df == pytest.approx(df)
    assert pooled.df == pytest.approx(25.2416, abs=1e-3)
    assert pooled.riv == pytest.approx(riv)
    assert pooled.fmi == pytest.approx((riv + 2 / (df + 3)) / (1 + riv))
    low, high = pooled.confidence_interval(0.95)
    half = stats.t.ppf(0.975, df) * np.sqrt(total)
    assert (low, high) == pytest.approx((2.0 - half, 2.0 + half))


def test_large_sample_degrees_of_freedom_without_the_complete_data_ones():
    pooled = pool([1.0, 1.2, 0.8, 1.1], [0.01, 0.01, 0.01, 0.01])
    lam = (1 + 1 / 4) * np.var([1.0, 1.2, 0.8, 1.1], ddof=1) / pooled.total
    assert pooled.df == pytest.approx(3 / lam**2)


def test_several_parameters_and_covariance_matrices_pool_column_by_column():
    rng = np.random.default_rng(0)
    estimates = rng.normal(size=(5, 3))
    variances = rng.uniform(0.1, 0.2, size=(5, 3))
    pooled = pool(estimates, variances, n_obs=50, n_params=3)
    assert pooled.estimate.shape == (3,)
    matrices = np.stack([np.diag(v) + 0.01 * (1 - np.eye(3)) for v in variances])
    again = pool(estimates, matrices, n_obs=50, n_params=3)
    np.testing.assert_allclose(again.std_error, pooled.std_error)
    for k in range(3):
        one = pool(estimates[:, k], variances[:, k], n_obs=50, n_params=3)
        assert one.std_error == pytest.approx(pooled.std_error[k])
        assert one.df == pytest.approx(pooled.df[k])


def test_draws_that_agree_exactly_give_the_complete_data_answer():
    pooled = pool([2.0, 2.0, 2.0], [0.04, 0.04, 0.04], n_obs=30, n_params=2)
    assert pooled.std_error == pytest.approx(0.2)
    assert pooled.df == pytest.approx(29 / 31 * 28)
    assert pooled.fmi == pytest.approx(2 / (pooled.df + 3))


@pytest.mark.parametrize(
    ("estimates", "variances", "kwargs", "message"),
    [
        ([1.0], [0.1], {}, "at least 2 draws"),
        ([1.0, 2.0], [0.1], {}, "same shape"),
        ([1.0, np.nan], [0.1, 0.1], {}, "finite"),
        ([1.0, 2.0], [0.1, -0.1], {}, "not negative"),
        ([1.0, 2.0], [0.1, 0.1], {"n_obs": 10}, "both n_obs and n_params"),
        ([1.0, 2.0], [0.1, 0.1], {"n_obs": 3, "n_params": 3}, "must exceed"),
    ],
)
def test_bad_input_is_refused_with_a_reason(estimates, variances, kwargs, message):
    with pytest.raises(ValueError, match=message):
        pool(estimates, variances, **kwargs)


def test_a_bad_level_is_refused():
    with pytest.raises(ValueError, match="level"):
        pool([1.0, 2.0], [0.1, 0.1]).confidence_interval(1.5)
