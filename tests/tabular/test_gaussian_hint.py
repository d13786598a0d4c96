"""The Gaussian hint: each gap's conditional mean under a normal fitted to the training rows."""

import numpy as np
import torch
from support import hide

from impute import TransformerImputer
from impute.tabular import GaussianHint, _normal
from impute.tabular._hints import best_mix
from impute.tabular._normal import conditional, fit_normal


def correlated_sample(n_rows, seed=0):
    rng = np.random.default_rng(seed)
    mean = np.array([1.0, -2.0, 0.5, 3.0])
    root = rng.normal(size=(4, 4))
    covariance = root @ root.T + 0.1 * np.eye(4)
    return rng.multivariate_normal(mean, covariance, size=n_rows), mean, covariance


def test_the_fill_is_the_textbook_conditional_mean_and_visible_cells_are_kept():
    _, mean, covariance = correlated_sample(1)
    x = np.array([[0.3, np.nan, 2.0, np.nan], [np.nan, np.nan, np.nan, 1.0]])
    visible = ~np.isnan(x)
    filled = conditional(
        torch.tensor(np.nan_to_num(x)),
        torch.tensor(visible),
        torch.tensor(mean),
        torch.tensor(covariance),
    ).numpy()
    for row, shown in zip(range(len(x)), visible):
        o, m = shown, ~shown
        expected = mean[m] + covariance[np.ix_(m, o)] @ np.linalg.solve(
            covariance[np.ix_(o, o)], x[row, o] - mean[o]
        )
        np.testing.assert_allclose(filled[row, m], expected, rtol=1e-10)
        np.testing.assert_array_equal(filled[row, o], x[row, o])


def test_the_spread_is_the_textbook_conditional_covariance_summed_over_rows():
    _, mean, covariance = correlated_sample(1)
    x = np.array(
        [[0.3, np.nan, 2.0, np.nan], [np.nan, np.nan, np.nan, 1.0], [1, 2, 3, 4.0], [np.nan] * 4]
    )
    visible = ~np.isnan(x)
    _, spread = conditional(
        torch.tensor(np.nan_to_num(x)),
        torch.tensor(visible),
        torch.tensor(mean),
        torch.tensor(covariance),
        with_spread=True,
    )
    expected = np.zeros_like(covariance)
    for o in visible:
        m = ~o
        block = covariance[np.ix_(m, m)]
        if o.any():
            block = block - covariance[np.ix_(m, o)] @ np.linalg.solve(
                covariance[np.ix_(o, o)], covariance[np.ix_(o, m)]
            )
        expected[np.ix_(m, m)] += block
    np.testing.assert_allclose(spread.numpy(), expected, rtol=1e-9, atol=1e-12)


def test_em_started_from_an_earlier_fit_ends_where_a_fresh_start_does():
    X, _, covariance = correlated_sample(2000)
    X_missing, _ = hide(X, 0.3, seed=1)
    values, observed = torch.tensor(np.nan_to_num(X_missing)), torch.tensor(~np.isnan(X_missing))
    fresh = fit_normal(values, observed)
    part = fit_normal(values[:1500], observed[:1500])
    warm = fit_normal(values, observed, start=part)
    np.testing.assert_allclose(warm[0].numpy(), fresh[0].numpy(), atol=1e-3)
    np.testing.assert_allclose(
        warm[1].numpy(), fresh[1].numpy(), atol=1e-3 * np.abs(covariance).max()
    )


def test_accelerated_em_ends_at_the_fixed_point_of_plain_em_in_fewer_iterations(monkeypatch):
    # nearly collinear columns with many gaps: where plain EM crawls
    rng = np.random.default_rng(3)
    z = rng.normal(size=(600, 2))
    X = np.column_stack([z, z @ [1.0, 0.5] + 0.05 * rng.normal(size=600), z.sum(1)])
    X_missing, _ = hide(X, 0.5, seed=4)
    values, observed = torch.tensor(np.nan_to_num(X_missing)), torch.tensor(~np.isnan(X_missing))
    steps = []
    step = _normal._em_step
    monkeypatch.setattr(_normal, "_em_step", lambda *args: steps.append(1) or step(*args))
    mean, covariance = fit_normal(values, observed, max_iterations=1000)
    accelerated = len(steps)

    plain, iterations = fit_normal(values, observed, max_iterations=1), 1  # one EM iteration
    while True:
        previous, plain = plain, step(values, observed, *plain)
        iterations += 1
        if _normal._settled(plain, previous):
            break
    assert accelerated < 0.75 * iterations  # 17 against 36 when written
    after = step(values, observed, mean, covariance)  # one more EM iteration barely moves it
    scale = float(covariance.diagonal().max())
    assert float((after[1] - covariance).abs().max()) <= _normal.TOLERANCE * scale
    tolerance = 20 * _normal.TOLERANCE * scale
    np.testing.assert_allclose(covariance.numpy(), plain[1].numpy(), atol=tolerance)
    np.testing.assert_allclose(mean.numpy(), plain[0].numpy(), atol=tolerance)


def test_em_recovers_the_mean_and_covariance_from_rows_with_gaps():
    X, mean, covariance = correlated_sample(4000)
    X_missing, _ = hide(X, 0.3, seed=0)
    fitted_mean, fitted_covariance = fit_normal(
        torch.tensor(np.nan_to_num(X_missing)), torch.tensor(~np.isnan(X_missing))
    )
    np.testing.assert_allclose(fitted_mean.numpy(), mean, atol=0.1)
    np.testing.assert_allclose(
        fitted_covariance.numpy(), covariance, atol=0.1 * np.abs(covariance).max()
    )


def test_the_fill_does_not_depend_on_how_many_rows_are_solved_at_once(monkeypatch):
    X, mean, covariance = correlated_sample(50)
    X_missing, _ = hide(X, 0.4, seed=2)
    args = (
        torch.tensor(np.nan_to_num(X_missing)),
        torch.tensor(~np.isnan(X_missing)),
        torch.tensor(mean),
        torch.tensor(covariance),
    )
    whole = conditional(*args)
    monkeypatch.setattr(
        "impute.tabular._normal.SOLVE_CELLS", 7 * 16
    )  # chunks of 7 rows, the last one short
    torch.testing.assert_close(conditional(*args), whole)


def test_several_normals_conditioned_on_together_give_each_ones_own_fills(monkeypatch):
    X, mean, covariance = correlated_sample(60)
    X_missing, _ = hide(X, 0.4, seed=3)
    values, visible = torch.tensor(np.nan_to_num(X_missing)), torch.tensor(~np.isnan(X_missing))
    rng = np.random.default_rng(4)
    means = torch.tensor(mean + 0.3 * rng.normal(size=(3, 4)))
    covariances = []
    for _ in range(3):
        root = rng.normal(size=(4, 4))
        covariances.append(covariance + root @ root.T)
    covariances = torch.tensor(np.stack(covariances))
    monkeypatch.setattr("impute.tabular._normal.SOLVE_CELLS", 3 * 16 * 5)  # several batches
    together = conditional(values, visible, means, covariances)
    assert together.shape == (3, *values.shape)
    for drawn, m, c in zip(together, means, covariances):
        torch.testing.assert_close(drawn, conditional(values, visible, m, c), rtol=1e-12, atol=0)


def test_the_shares_are_the_best_blend_within_the_triangle():
    rng = np.random.default_rng(0)
    first, second = torch.tensor(rng.normal(size=(2, 200, 5)))
    truth = torch.tensor(
        [[0.3, 0.6], [1.2, -0.4], [-0.5, -0.5], [0.0, 0.0], [0.5, 0.9]]
    )  # (F, 2), some outside it
    error = (
        first * truth[:, 0] + second * truth[:, 1] + 0.1 * torch.tensor(rng.normal(size=(200, 5)))
    )
    a, b = best_mix(error, first, second)
    grid = torch.linspace(0, 1, 201, dtype=torch.float64)
    ga, gb = torch.meshgrid(grid, grid, indexing="ij")
    inside = ga + gb <= 1
    for j in range(5):
        assert a[j] >= 0 and b[j] >= 0 and a[j] + b[j] <= 1 + 1e-9
        cost = ((error[:, j] - a[j] * first[:, j] - b[j] * second[:, j]) ** 2).sum()
        residuals = (
            error[:, j, None, None] - ga * first[:, j, None, None] - gb * second[:, j, None, None]
        )
        grid_best = (residuals**2).sum(0)[inside].min()
        assert cost <= grid_best + 1e-9
    np.testing.assert_allclose([a[0], b[0]], [0.3, 0.6], atol=0.05)  # inside: found as is


def test_a_column_with_few_cells_leans_towards_the_whole_tables_blend_whatever_the_units():
    rng = np.random.default_rng(0)
    first, second = torch.tensor(rng.normal(size=(2, 2000, 3)))
    noise = 0.1 * torch.tensor(rng.normal(size=(2000, 3)))
    error = first + noise  # columns 1 and 2: all first
    error[:, 0] = second[:, 0] + noise[:, 0]  # column 0: all second; together about half each
    cells = torch.ones(2000, 3, dtype=torch.bool)
    cells[20:, 2] = False  # column 2: 20 cells
    alone = best_mix(error, first, second, cells)
    joined = best_mix(error, first, second, cells, prior_cells=50)
    np.testing.assert_allclose([alone[0][2], alone[1][2]], [1.0, 0.0], atol=0.05)
    assert 0.55 < joined[0][2] < 0.75 and 0.25 < joined[1][2] < 0.45  # 20 own cells, 50 pooled
    for j, own in ((0, [0.0, 1.0]), (1, [1.0, 0.0])):  # thousands of cells keep their own blend
        np.testing.assert_allclose([joined[0][j], joined[1][j]], own, atol=0.05)
    loud = torch.tensor([1000.0, 1.0, 1.0])  # column 0 in other units counts no more
    rescaled = best_mix(error * loud, first * loud, second * loud, cells, prior_cells=50)
    torch.testing.assert_close(rescaled, joined, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(best_mix(error, first, second, cells, 0.0), alone)


def test_categorical_columns_neither_shape_the_normal_nor_are_conditioned_on():
    hint = GaussianHint(numeric=torch.tensor([True, False, True]))
    rng = np.random.default_rng(0)
    a = rng.normal(size=300)
    values = torch.tensor(
        np.column_stack([a, rng.integers(3, size=300), 2 * a]), dtype=torch.float32
    )
    observed = torch.ones_like(values, dtype=torch.bool)
    hint.fit(values, observed, torch.Generator().manual_seed(0))
    assert hint.covariance[1, 0] == 0 and hint.covariance[1, 2] == 0
    visible = observed.clone()
    visible[:, 2] = False
    changed = values.clone()
    changed[:, 1] = 2 - changed[:, 1]  # other categories, same numbers
    torch.testing.assert_close(hint(values, visible), hint(changed, visible))
    np.testing.assert_allclose(hint(values, visible)[:, 2].numpy(), 2 * a, rtol=1e-3, atol=1e-3)


def test_on_a_linear_table_the_conditional_mean_takes_most_of_the_fill_and_lowers_the_error():
    rng = np.random.default_rng(0)
    factors = rng.normal(size=(400, 2))
    X = factors @ rng.normal(size=(2, 6)) + 0.05 * rng.normal(size=(400, 6))
    X_missing, hidden = hide(X, 0.3, seed=0)

    def fitted(gaussian_hint):
        imputer = TransformerImputer(
            d_model=16, n_heads=2, max_epochs=10, gaussian_hint=gaussian_hint, random_state=0
        )
        return imputer, np.sqrt(np.mean((imputer.fit_transform(X_missing) - X)[hidden] ** 2))

    with_hint, error = fitted(True)
    neighbours, gaussian = with_hint.neighbour_hint_, with_hint.gaussian_hint_
    assert (gaussian.share > 0.5).all()
    assert (neighbours.share + gaussian.share <= 1 + 1e-6).all()
    assert error < 0.8 * fitted(False)[1]


def test_without_held_out_cells_no_normal_is_fitted():
    X_missing, _ = hide(correlated_sample(200)[0], 0.3, seed=0)
    imputer = TransformerImputer(
        d_model=16, n_heads=2, max_epochs=3, early_stopping=False, random_state=0
    )
    imputer.fit(X_missing)
    assert imputer.gaussian_hint_ is None
    assert not any("normal" in key for key in imputer._export_state())


def test_the_kept_inverse_follows_the_covariance_through_refits_and_loading():
    """The hint inverts its covariance once, not once per batch of rows, and the inverse it
    keeps is always that of the covariance it holds: after a fit, a refit and a load."""
    X, _, _ = correlated_sample(300)
    X_missing, _ = hide(X, 0.3, seed=0)
    values, observed = torch.tensor(np.nan_to_num(X_missing)), torch.tensor(~np.isnan(X_missing))
    numeric = torch.ones(4, dtype=torch.bool)
    hint = GaussianHint(numeric)
    for refit in (False, True):
        hint.fit(values[: 150 + 150 * refit], observed[: 150 + 150 * refit], None, refit)
        assert hint.precision is hint.precision  # kept, not recomputed
        torch.testing.assert_close(hint.precision, _normal.precision_of(hint.covariance))
        expected = conditional(values, observed, hint.mean, hint.covariance)
        torch.testing.assert_close(hint(values, observed), expected)
    loaded = GaussianHint.from_state(numeric, hint.state())
    torch.testing.assert_close(loaded.precision, hint.precision)
    other = GaussianHint.from_state(numeric, {**hint.state(), "normal_covariance": np.eye(4)})
    hint._load(other.state())
    torch.testing.assert_close(hint.precision, torch.eye(4, dtype=torch.float64))
