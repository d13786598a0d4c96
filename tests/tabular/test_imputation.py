"""What a user relies on when imputing: filled gaps, untouched observations, repeatable results."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from support import SAMPLE_DATA, fast_transformer, hide, structured_table

from impute import MeanImputer, TransformerImputer, evaluate, minmax_scale, rmse


@pytest.mark.parametrize("make", [MeanImputer, fast_transformer])
def test_observed_cells_come_back_bit_identical_and_no_nan_is_left(make, table_with_gaps):
    _, X_missing, hidden = table_with_gaps
    filled = make().fit_transform(X_missing)
    assert not np.isnan(filled).any()
    np.testing.assert_array_equal(filled[~hidden], X_missing[~hidden])


@settings(max_examples=15, deadline=None)
@given(
    arrays(
        np.float64, st.tuples(st.integers(2, 30), st.integers(1, 5)), elements=st.floats(-1e6, 1e6)
    ),
    st.integers(0, 2**16),
)
def test_any_table_keeps_observed_cells_and_fills_every_gap(X, seed):
    X_missing, _ = hide(X, 0.3, seed)
    observed = ~np.isnan(X_missing)
    imputer = TransformerImputer(
        d_model=8, n_heads=2, max_epochs=2, random_state=0, keep_empty_features=True
    )
    filled = imputer.fit_transform(X_missing)
    assert filled.shape == X.shape
    assert np.isfinite(filled).all()
    np.testing.assert_array_equal(filled[observed], X_missing[observed])


def test_rows_with_every_cell_missing_are_filled(table_with_gaps):
    _, X_missing, _ = table_with_gaps
    X_missing[:5] = np.nan
    filled = fast_transformer().fit_transform(X_missing)
    assert np.isfinite(filled[:5]).all()


@pytest.mark.parametrize("make", [MeanImputer, fast_transformer])
def test_empty_columns_are_dropped_or_kept_as_zero(make, table_with_gaps):
    _, X_missing, _ = table_with_gaps
    X_missing[:, 2] = np.nan
    dropped = make().fit(X_missing)
    assert dropped.transform(X_missing).shape[1] == X_missing.shape[1] - 1
    assert "x2" not in dropped.get_feature_names_out()
    kept = make(keep_empty_features=True).fit_transform(X_missing)
    assert kept.shape == X_missing.shape
    np.testing.assert_array_equal(kept[:, 2], 0.0)


@pytest.mark.parametrize("scaling", ["robust", "quantile"])
def test_constant_columns_are_filled_with_their_constant(scaling, table_with_gaps):
    _, X_missing, _ = table_with_gaps
    X_missing[:, 3] = 7.5
    X_missing[::4, 3] = np.nan
    filled = fast_transformer(scaling=scaling).fit_transform(X_missing)
    np.testing.assert_allclose(filled[:, 3], 7.5, atol=0.5)


def test_same_random_state_gives_identical_output(table_with_gaps):
    _, X_missing, _ = table_with_gaps
    first = fast_transformer(random_state=3).fit_transform(X_missing)
    second = fast_transformer(random_state=3).fit_transform(X_missing)
    np.testing.assert_array_equal(first, second)


def test_fit_leaves_the_global_torch_random_state_alone(table_with_gaps):
    import torch

    _, X_missing, _ = table_with_gaps
    before = torch.random.get_rng_state()
    fast_transformer().fit(X_missing)
    assert torch.equal(before, torch.random.get_rng_state())


def test_custom_missing_value_marker():
    X, hidden = hide(structured_table(200), 0.2)
    X = np.where(hidden, -999.0, X)
    filled = fast_transformer(missing_values=-999.0).fit_transform(X)
    assert not (filled == -999.0).any()
    np.testing.assert_array_equal(filled[~hidden], X[~hidden])


def test_float32_input_gives_float32_output(table_with_gaps):
    _, X_missing, hidden = table_with_gaps
    X32 = X_missing.astype(np.float32)
    filled = fast_transformer().fit_transform(X32)
    assert filled.dtype == np.float32
    np.testing.assert_array_equal(filled[~hidden], X32[~hidden])


def test_dataframe_input_with_integer_and_boolean_columns():
    frame = pd.DataFrame(
        {"x": [1.0, 2.0, np.nan, 4.0, 5.0, 6.0], "n": [1, 2, 3, 4, 5, 6], "flag": [True, False] * 3}
    )
    filled = MeanImputer().set_output(transform="pandas").fit_transform(frame)
    assert filled.loc[2, "x"] == pytest.approx(18 / 5)


def test_input_is_not_modified(table_with_gaps):
    _, X_missing, _ = table_with_gaps
    original = X_missing.copy()
    fast_transformer().fit(X_missing).transform(X_missing)
    np.testing.assert_array_equal(X_missing, original)


def test_training_history_and_early_stopping_restore_the_best_epoch(table_with_gaps):
    _, X_missing, _ = table_with_gaps
    imputer = TransformerImputer(
        d_model=16, n_heads=2, max_epochs=200, n_iter_no_change=3, random_state=0
    )
    imputer.fit(X_missing)
    assert imputer.n_epochs_ == len(imputer.loss_curve_) == len(imputer.validation_scores_)
    assert imputer.n_epochs_ < 200
    assert imputer.n_epochs_ == imputer.best_epoch_ + 1 + 3
    assert imputer.validation_scores_[imputer.best_epoch_] == min(imputer.validation_scores_)


def test_evaluate_reports_the_epochs_a_trained_imputer_ran(table_with_gaps):
    X, _, _ = table_with_gaps
    scores = evaluate(
        TransformerImputer(
            d_model=16, n_heads=2, max_epochs=200, n_iter_no_change=3, random_state=0
        ),
        X,
    )
    assert 3 < scores["epochs"] < 200  # stopped early, as the fitted clone did
    assert "epochs" not in evaluate(MeanImputer(), X)


def test_transformer_beats_the_mean_on_the_bundled_sample():
    frame = pd.read_csv(SAMPLE_DATA / "breast_cancer.csv").drop(columns="diagnosis")
    X = minmax_scale(frame.to_numpy(dtype=np.float64))
    X_missing, hidden = hide(X, 0.3, seed=0)

    def error(imputer):
        return rmse(X, imputer.fit_transform(X_missing), hidden)

    assert error(TransformerImputer(max_epochs=30, random_state=0)) < 0.8 * error(MeanImputer())


def test_dynamic_masking_beats_static_masking_on_a_structured_table():
    X = structured_table(n_rows=600, seed=0)
    X_missing, hidden = hide(X, 0.3, seed=0)

    def error(masking):
        imputer = TransformerImputer(masking=masking, d_model=32, max_epochs=60, random_state=0)
        filled = imputer.fit_transform(X_missing)
        return np.sqrt(np.mean((filled - X)[hidden] ** 2))

    assert error("dynamic") < 0.9 * error("static")


def test_column_piled_on_one_value_with_a_far_tail_is_filled_with_finite_values():
    X = np.zeros((8, 3))
    X[0, 0], X[7, 0] = -4.98e-181, -1.0
    X_missing, _ = hide(X, 0.3, seed=13)
    filled = TransformerImputer(
        d_model=8, n_heads=2, max_epochs=2, random_state=0, keep_empty_features=True
    ).fit_transform(X_missing)
    assert np.isfinite(filled).all()


@pytest.mark.parametrize("make", [MeanImputer, fast_transformer])
def test_table_with_no_observed_value_gives_no_columns_or_zeros(make):
    X = np.full((4, 2), np.nan)
    assert make().fit_transform(X).shape == (4, 0)
    np.testing.assert_array_equal(make(keep_empty_features=True).fit_transform(X), np.zeros((4, 2)))
