"""The nearest-neighbour hint: the network's errors on the training rows nearest to a gap's row."""

import numpy as np
import torch
from sklearn.impute import KNNImputer
from support import hide

from impute import TransformerImputer
from impute.tabular import NeighbourHint, _hints
from impute.tabular._hints import ERROR_PASSES


def remembering_hint(X, n_neighbors, capacity=None, cardinalities=()):
    """A NeighbourHint that has kept the rows of ``X`` (NaN: not observed), with errors equal to
    the kept values, so that the correction is the neighbours' mean of a column."""
    values = torch.as_tensor(np.nan_to_num(X), dtype=torch.float32)
    observed = torch.as_tensor(~np.isnan(X))
    numeric = torch.tensor([c == 0 for c in cardinalities or [0] * X.shape[1]])
    hint = NeighbourHint(n_neighbors, numeric, capacity or len(X))
    positions = hint.remember(values, observed, torch.Generator().manual_seed(0))
    hint.errors.copy_(hint.values)
    return hint, values, observed, positions


def test_hint_is_the_mean_of_the_k_nearest_rows_that_observe_the_cell_as_knn_imputer_fills_it():
    X, _ = hide(np.random.default_rng(0).normal(size=(60, 5)), 0.2, seed=3)
    hint, values, observed, _ = remembering_hint(X, n_neighbors=3)
    correction = hint(values, observed)
    expected = KNNImputer(n_neighbors=3).fit_transform(X)
    gaps = np.isnan(X)
    np.testing.assert_allclose(correction.numpy()[gaps], expected[gaps], rtol=1e-4, atol=1e-5)


def test_a_training_row_never_reads_its_own_hidden_cells_through_the_hint():
    X = np.array([[0.0, 100.0], [0.5, 1.0], [0.7, 3.0], [10.0, -50.0]])
    hint, values, observed, positions = remembering_hint(X, n_neighbors=1)
    visible = observed.clone()
    visible[0, 1] = False  # row 0 hides its second cell, as a training mask would
    correction = hint(values[:1], visible[:1], positions[:1])
    assert correction[0, 1].item() == 1.0  # the nearest row other than itself
    hint_with_self = hint(values[:1], visible[:1])
    assert hint_with_self[0, 1].item() == 100.0  # without the exclusion it would leak


def test_the_hint_does_not_depend_on_how_many_rows_are_searched_at_once(monkeypatch):
    X, _ = hide(np.random.default_rng(2).normal(size=(60, 4)), 0.3, seed=1)
    hint, values, observed, positions = remembering_hint(X, n_neighbors=3)
    whole = hint(values, observed, positions)
    monkeypatch.setattr(
        "impute.tabular._hints.DISTANCE_CHUNK_CELLS", 7 * len(X)
    )  # chunks of 7 rows, the last one short
    chunked = hint(values, observed, positions)
    torch.testing.assert_close(chunked, whole)


def test_categorical_columns_get_no_hint_and_do_not_count_in_distances():
    X = np.array([[0.0, 1.0, 5.0], [0.0, 0.0, 7.0], [9.0, 1.0, 2.0]])
    hint, values, observed, positions = remembering_hint(X, n_neighbors=1, cardinalities=(0, 2, 0))
    hint.errors[:, 1] = 1.0  # would show through if the categorical column got a correction
    visible = observed.clone()
    visible[0, 2] = False
    correction = hint(values[:1], visible[:1], positions[:1])
    assert correction[0, 1].item() == 0.0
    assert (
        correction[0, 2].item() == 7.0
    )  # row 1 matches on the numeric column though its category differs


def test_reference_is_a_sample_of_the_training_rows_when_the_table_is_large():
    X = np.arange(40.0).reshape(20, 2)
    hint, _, _, positions = remembering_hint(X, n_neighbors=2, capacity=8)
    kept = (positions >= 0).nonzero().squeeze(1)
    assert len(kept) == 8
    np.testing.assert_array_equal(hint.values.numpy(), X[kept.numpy()])
    assert sorted(positions[kept].tolist()) == list(range(8))


def test_rows_with_nothing_to_compare_get_no_hint_and_are_still_filled():
    X = np.random.default_rng(1).normal(size=(50, 3))
    X[:5] = np.nan
    hint, values, observed, _ = remembering_hint(X, n_neighbors=3)
    assert (hint(values[:5], observed[:5]) == 0).all()  # the fill is the network's own
    filled = TransformerImputer(d_model=16, n_heads=2, max_epochs=3, random_state=0).fit_transform(
        X
    )
    assert np.isfinite(filled).all()


def tight_clusters(n_rows=800, seed=0):
    """Rows near one of 40 centres: the rows like a row say more than its other columns do."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, 6))
    return centres[rng.integers(40, size=n_rows)] + 0.05 * rng.normal(size=(n_rows, 6))


def test_the_hint_takes_most_of_the_fill_on_tight_clusters_and_lowers_the_error():
    X = tight_clusters()
    X_missing, hidden = hide(X, 0.3, seed=0)

    def fitted(n_neighbors):
        imputer = TransformerImputer(
            d_model=32, max_epochs=40, n_neighbors=n_neighbors, random_state=0
        )
        return imputer, np.sqrt(np.mean((imputer.fit_transform(X_missing) - X)[hidden] ** 2))

    with_hint, error = fitted(5)
    assert (with_hint.neighbour_hint_.share > 0.5).all()
    assert error < 0.8 * fitted(0)[1]


def test_without_held_out_cells_no_hint_is_used_and_no_rows_are_kept():
    X_missing, _ = hide(tight_clusters(200), 0.3, seed=0)
    imputer = TransformerImputer(
        d_model=16, n_heads=2, max_epochs=3, early_stopping=False, random_state=0
    )
    imputer.fit(X_missing)
    assert imputer.neighbour_hint_ is None and imputer.gaussian_hint_ is None
    assert not any("reference" in key or "share" in key for key in imputer._export_state())


def test_kept_errors_are_each_values_miss_by_the_network_with_that_cell_hidden():
    X_missing, _ = hide(tight_clusters(200), 0.3, seed=0)
    X_missing = np.column_stack(
        [X_missing, np.where(np.arange(200) % 3 == 0, np.nan, np.arange(200) % 2)]
    )
    imputer = TransformerImputer(
        d_model=16, n_heads=2, max_epochs=3, categorical_features=[6], random_state=0
    )
    imputer.fit(X_missing)
    network, hint = imputer.model_, imputer.neighbour_hint_
    values, observed = hint.values, hint.observed
    with torch.inference_mode():
        for j in range(6):
            visible = observed.clone()
            visible[:, j] = False
            missed = torch.where(
                observed[:, j], values[:, j] - network(values, visible)[0][:, j], 0.0
            )
            torch.testing.assert_close(hint.errors[:, j], missed, rtol=1e-4, atol=1e-5)
    assert (hint.errors[:, 6] == 0).all()  # categories are never blended


def test_a_wide_table_gets_an_error_for_every_observed_numeric_cell_in_a_few_passes(monkeypatch):
    X_missing, _ = hide(np.random.default_rng(3).normal(size=(120, 40)), 0.2, seed=2)
    calls = []
    imputer = TransformerImputer(d_model=16, n_heads=2, max_epochs=2, random_state=0).fit(X_missing)
    network, hint = imputer.model_, imputer.neighbour_hint_
    forward = network.forward
    monkeypatch.setattr(
        network, "forward", lambda *args: calls.append(args[2].sum(1)) or forward(*args)
    )
    hint.measure_errors(network)
    assert len(calls) == ERROR_PASSES  # not one pass per column
    assert max(int(hidden.max()) for hidden in calls) <= -(
        -40 // ERROR_PASSES
    )  # a few cells of a row at a time
    errors, observed = hint.errors, hint.observed
    assert (errors[observed] != 0).all() and (errors[~observed] == 0).all()


def test_a_fill_searches_neighbours_only_for_rows_with_a_gap_in_a_column_that_takes_them(
    monkeypatch,
):
    X_missing, _ = hide(tight_clusters(200), 0.3, seed=0)
    imputer = TransformerImputer(d_model=16, n_heads=2, max_epochs=3, random_state=0)
    imputer.fit(X_missing)
    share = imputer.neighbour_hint_.share
    share.zero_()
    share[0] = 0.5  # only the first column takes the neighbours' correction
    searched = []
    search = NeighbourHint.__call__

    def counted(hint, values, *args, **kwargs):
        searched.append(len(values))
        return search(hint, values, *args, **kwargs)

    monkeypatch.setattr(NeighbourHint, "__call__", counted)
    filled = imputer.transform(X_missing)
    assert sum(searched) == np.isnan(X_missing[:, 0]).sum()

    def every_row(hint, values, visible, exclude):
        return search(hint, values, visible, exclude)

    monkeypatch.setattr(_hints, "_corrections_used", every_row)
    np.testing.assert_array_equal(imputer.transform(X_missing), filled)
