"""Draws and intervals: observed cells never move, the spread follows what the row says, seeds
reproduce, and a model that cannot draw says so."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from impute import MeanImputer, TransformerImputer, evaluate, load_model, save_model
from impute.evaluation import draw_interval, fewest_draws
from impute.tabular._encoding import nearest_value, value_support
from impute.tabular._spread import (
    PredictiveSpread,
    _draw_categories,
    gap_odds,
    network_advantage,
    weighted_quantile,
)
from tests.support import fast_transformer, hide, structured_table

OLD_MODELS = Path(__file__).parents[1] / "io" / "data"


@pytest.fixture(scope="module")
def fitted():
    X, _ = hide(structured_table(300), 0.2)
    return fast_transformer().fit(X), X


def mixed_frame(n_rows=240, seed=0):
    """Floats, integers, booleans, categories and datetimes, with gaps in every column."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n_rows)
    frame = pd.DataFrame(
        {
            "a": a,
            "count": pd.array(np.round(5 + 2 * a).astype(int), dtype="Int64"),
            "flag": pd.array(a > 0, dtype="boolean"),
            "colour": np.where(a > 0.5, "red", np.where(a < -0.5, "blue", "green")).astype(object),
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.round(10 * a), unit="D"),
        }
    )
    return frame.mask(rng.random(frame.shape) < 0.15)


def test_observed_cells_are_identical_in_every_draw_and_gaps_vary(fitted):
    imputer, X = fitted
    draws = imputer.sample(X, n_draws=4, random_state=0)
    observed = ~np.isnan(X)
    assert len(draws) == 4
    for draw in draws:
        assert draw.shape == X.shape
        assert not np.isnan(draw).any()
        np.testing.assert_array_equal(draw[observed], X[observed])
    assert (draws[0][~observed] != draws[1][~observed]).mean() > 0.9


def test_draws_of_a_frame_keep_columns_dtypes_and_kinds():
    frame = mixed_frame()
    imputer = fast_transformer().set_output(transform="pandas").fit(frame)
    filled = imputer.transform(frame)
    for draw in imputer.sample(frame, n_draws=3, random_state=0):
        assert list(draw.columns) == list(frame.columns)
        pd.testing.assert_series_equal(draw.dtypes, filled.dtypes)
        assert not draw.isna().any().any()
        for name in frame.columns:
            seen = frame[name].notna()
            pd.testing.assert_series_equal(draw[name][seen], frame[name][seen])
        assert set(draw["colour"]) <= {"red", "green", "blue"}
        assert (draw["count"] == draw["count"].round()).all()


def test_draws_and_intervals_of_a_float_frame_come_in_the_container_transform_uses(fitted):
    imputer, X = fitted
    frame = pd.DataFrame(X, columns=[f"c{j}" for j in range(X.shape[1])], index=np.arange(300) + 7)
    pandas_out = clone(imputer).set_output(transform="pandas").fit(frame)
    filled = pandas_out.transform(frame)
    for table in [
        *pandas_out.sample(frame, n_draws=2, random_state=0),
        *pandas_out.interval(frame),
    ]:
        assert isinstance(table, pd.DataFrame)
        pd.testing.assert_index_equal(table.index, filled.index)
        pd.testing.assert_index_equal(table.columns, filled.columns)


def test_the_same_seed_gives_the_same_draws_and_another_seed_others(fitted):
    imputer, X = fitted
    first = imputer.sample(X, n_draws=2, random_state=7)
    again = imputer.sample(X, n_draws=2, random_state=7)
    other = imputer.sample(X, n_draws=2, random_state=8)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def test_a_near_copy_of_a_column_narrows_its_intervals():
    rng = np.random.default_rng(0)
    a = rng.normal(size=600)
    X = np.column_stack([a, a + 0.05 * rng.normal(size=600), rng.normal(size=600)])
    X[rng.random(X.shape) < 0.25] = np.nan
    imputer = TransformerImputer(random_state=0).fit(X)
    lower, upper = imputer.interval(X, level=0.9)
    width = upper - lower
    copy_shown = np.isnan(X[:, 0]) & ~np.isnan(X[:, 1])
    copy_hidden = np.isnan(X[:, 0]) & np.isnan(X[:, 1])
    unrelated = np.isnan(X[:, 2])
    assert np.median(width[copy_shown, 0]) < 0.3 * np.median(width[copy_hidden, 0])
    assert np.median(width[copy_shown, 0]) < 0.3 * np.median(width[unrelated, 2])


def test_intervals_cover_hidden_values_about_as_often_as_they_say():
    rng = np.random.default_rng(1)
    latent = rng.normal(size=(800, 2))
    X = latent @ rng.normal(size=(2, 6)) + 0.3 * rng.normal(size=(800, 6))
    gappy, hidden = hide(X, 0.3, seed=2)
    imputer = TransformerImputer(random_state=0).fit(gappy)
    lower, upper = imputer.interval(gappy, level=0.9)
    inside = (lower[hidden] <= X[hidden]) & (X[hidden] <= upper[hidden])
    assert 0.82 <= inside.mean() <= 0.97
    filled = imputer.transform(gappy)
    assert (lower <= upper).all()
    observed = ~hidden
    np.testing.assert_array_equal(lower[observed], X[observed])
    np.testing.assert_array_equal(upper[observed], X[observed])
    assert ((lower[hidden] <= filled[hidden]) & (filled[hidden] <= upper[hidden])).mean() > 0.95


def test_too_few_draws_for_an_interval_are_refused_not_read_as_a_narrower_one():
    # 18 draws' first and last make an interval of level 17 / 19, not 90%
    assert (fewest_draws(0.9), fewest_draws(0.95), fewest_draws(0.5)) == (19, 39, 3)
    lower, upper = draw_interval(np.arange(19.0)[:, None], level=0.9)
    assert (float(lower[0]), float(upper[0])) == (0.0, 18.0)
    with pytest.raises(ValueError, match=r"18 draws are too few.*at least 19"):
        draw_interval(np.arange(18.0)[:, None], level=0.9)
    X = np.random.default_rng(0).random((50, 3))
    # refused before anything is fitted or drawn
    with pytest.raises(ValueError, match="at least 19"):
        evaluate(MeanImputer(), X, n_draws=5)


def test_intervals_leave_filled_categories_missing():
    frame = mixed_frame()
    imputer = fast_transformer().set_output(transform="pandas").fit(frame)
    lower, upper = imputer.interval(frame)
    gaps = frame["colour"].isna()
    assert lower["colour"][gaps].isna().all() and upper["colour"][gaps].isna().all()
    assert (lower["a"][frame["a"].isna()] < upper["a"][frame["a"].isna()]).all()


def test_sample_posterior_makes_transform_draw(fitted):
    imputer, X = fitted
    drawing = clone(imputer).set_params(sample_posterior=True, random_state=3).fit(X)
    first, second = drawing.transform(X), drawing.transform(X)
    np.testing.assert_array_equal(first, second)  # seeded: the same draw on every call
    fresh = clone(drawing).set_params(random_state=None).fit(X)
    assert not np.array_equal(fresh.transform(X), fresh.transform(X))
    point = clone(drawing).set_params(sample_posterior=False).fit(X).transform(X)
    assert not np.array_equal(first, point)
    np.testing.assert_array_equal(first[~np.isnan(X)], X[~np.isnan(X)])
    pipeline = make_pipeline(clone(drawing), StandardScaler()).fit(X)
    assert np.isfinite(pipeline.transform(X)).all()


def test_draws_survive_a_model_file(fitted, tmp_path):
    imputer, X = fitted
    save_model(imputer, tmp_path / "model.impute")
    loaded = load_model(tmp_path / "model.impute")
    for a, b in zip(imputer.sample(X, 2, random_state=0), loaded.sample(X, 2, random_state=0)):
        np.testing.assert_array_equal(a, b)


def test_a_model_that_cannot_draw_says_what_to_do(fitted):
    _, X = fitted
    old = load_model(OLD_MODELS / "table.impute")
    frame = pd.read_csv(OLD_MODELS / "table.csv")
    with pytest.raises(ValueError, match="refit it"):
        old.sample(frame)
    unvalidated = fast_transformer(early_stopping=False).fit(X)
    with pytest.raises(ValueError, match="early_stopping=True"):
        unvalidated.interval(X)
    with pytest.raises(ValueError, match="early_stopping=True"):
        clone(unvalidated).set_params(sample_posterior=True).fit(X).transform(X)


@pytest.mark.parametrize("n_draws", [0, -1, 2.5])
def test_a_bad_number_of_draws_is_refused(fitted, n_draws):
    imputer, X = fitted
    with pytest.raises(ValueError, match="n_draws"):
        imputer.sample(X, n_draws=n_draws)


@pytest.mark.parametrize("level", [0, 1, 1.5, "high"])
def test_a_bad_level_is_refused(fitted, level):
    imputer, X = fitted
    with pytest.raises(ValueError, match="level"):
        imputer.interval(X, level=level)


def test_a_table_without_gaps_gives_itself_in_every_draw(fitted):
    imputer, _ = fitted
    complete = structured_table(20, seed=5)
    draws = imputer.sample(complete, n_draws=3)
    assert len(draws) == 3
    for draw in draws:
        np.testing.assert_array_equal(draw, complete)
    lower, upper = imputer.interval(complete)
    np.testing.assert_array_equal(lower, complete)
    np.testing.assert_array_equal(upper, complete)


def test_categories_are_drawn_in_proportion_to_what_the_row_says():
    rng = np.random.default_rng(0)
    a = rng.normal(size=600)
    frame = pd.DataFrame({"a": a, "b": a + 0.1 * rng.normal(size=600)})
    frame["sign"] = np.where(a > 0, "up", "down").astype(object)
    gappy = frame.copy()
    hidden = rng.random(600) < 0.3
    gappy.loc[hidden, "sign"] = None
    imputer = TransformerImputer(random_state=0).set_output(transform="pandas").fit(gappy)
    draws = imputer.sample(gappy, n_draws=10, random_state=0)
    agree = np.mean([(d["sign"][hidden] == frame["sign"][hidden]).mean() for d in draws])
    assert agree > 0.85
    clear = hidden & (np.abs(a) > 1)  # far from the boundary: the row leaves no doubt
    assert np.mean([(d["sign"][clear] == frame["sign"][clear]).mean() for d in draws]) > 0.95


def test_each_categorical_column_is_drawn_from_its_own_softmax_independently_of_the_others():
    class Scores:
        """Stands in for the network: fixed scores of 2 + 3 categories of columns 1 and 2."""

        categorical_columns = torch.tensor([1, 2])
        starts = torch.tensor([0, 0, 2])
        logits = torch.tensor(
            [[0.0, 1.0, -math.inf, -math.inf, -math.inf], [-math.inf, -math.inf, 2.0, 0.0, -1.0]]
        )

        def __call__(self, rows, shown, wanted):
            return None, self.logits.expand(len(rows), -1, -1)

    network, temperature = Scores(), torch.tensor([[1.0], [2.0]])
    n_draws, n_rows = 50, 800
    drawn = torch.zeros(n_draws, n_rows, 3)
    categories = torch.tensor([False, True, True]).expand(n_rows, 3)
    given = ~categories
    generator = torch.Generator().manual_seed(0)
    codes = _draw_categories(network, drawn, given, categories, temperature, generator)
    first, second = codes[..., 1].flatten().long(), codes[..., 2].flatten().long()
    expected = [
        torch.softmax(torch.tensor([0.0, 1.0]), 0),
        torch.softmax(torch.tensor([2.0, 0.0, -1.0]) / 2.0, 0),
    ]
    for column, probabilities in zip((first, second), expected):
        seen = torch.bincount(column, minlength=len(probabilities)) / len(column)
        torch.testing.assert_close(seen, probabilities, atol=0.01, rtol=0)
    joint = torch.bincount(first * 3 + second, minlength=6).view(2, 3) / len(first)
    torch.testing.assert_close(joint, expected[0][:, None] * expected[1], atol=0.01, rtol=0)
    assert (codes[..., 0] == 0).all()  # a numeric column is left as it was


def test_weighted_quantiles_count_each_value_by_its_weight():
    values = torch.tensor([0.0, 1.0, 2.0, 3.0], dtype=torch.float64)
    levels = torch.tensor([0.5], dtype=torch.float64)
    assert weighted_quantile(values, torch.ones(4, dtype=torch.float64), levels).item() == 1.5
    heavy = torch.tensor([1.0, 1.0, 1.0, 97.0], dtype=torch.float64)
    assert weighted_quantile(values, heavy, levels).item() > 2.9


def test_gap_odds_follow_what_the_row_shows_when_gaps_depend_on_it():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 3))
    observed = np.ones_like(x, dtype=bool)
    observed[:, 1] = ~((x[:, 0] > 0) & (rng.random(2000) < 0.6))  # missing at random given x0
    observed[:, 2] = rng.random(2000) > 0.3  # missing completely at random
    values = torch.tensor(np.where(observed, x, 0.0), dtype=torch.float32)
    rows = torch.arange(2000)
    odds = gap_odds(values, torch.tensor(observed), torch.ones(3, dtype=torch.bool), rows)
    high = torch.tensor(x[:, 0] > 0.5)
    low = torch.tensor(x[:, 0] < -0.5)
    assert odds[high, 1].mean() > 5 * odds[low, 1].mean()
    assert 0.8 < odds[high, 2].mean() / odds[low, 2].mean() < 1.25
    assert (odds[:, 0] == 1).all()  # never missing: nothing to weigh


def test_under_missing_at_random_the_intervals_still_cover_the_gaps():
    rng = np.random.default_rng(2)
    latent = rng.normal(size=(1000, 2))
    X = latent @ rng.normal(size=(2, 5)) + 0.4 * rng.normal(size=(1000, 5))
    X[:, 4] += np.where(X[:, 0] > 0, 0.8 * X[:, 0] ** 2, 0.0)  # harder where x0 is large
    hidden = (X[:, [0]] > 0.3) & (rng.random((1000, 5)) < 0.5)
    hidden[:, 0] = False
    gappy = np.where(hidden, np.nan, X)
    imputer = TransformerImputer(random_state=0).fit(gappy)
    lower, upper = imputer.interval(gappy, level=0.9)
    inside = (lower[hidden] <= X[hidden]) & (X[hidden] <= upper[hidden])
    assert inside.mean() > 0.8


@pytest.mark.parametrize("n_cells, nearer", [(30, "normal"), (3000, "errors")])
def test_with_few_held_out_cells_the_spread_stays_near_the_normal_distributions(n_cells, nearer):
    # standardised errors three times as wide as the normal says: believed when there are many
    errors = 3.0 * torch.tensor(np.random.default_rng(0).normal(size=(n_cells, 1)))
    cells = torch.ones(n_cells, 1, dtype=torch.bool)
    spread = PredictiveSpread(torch.ones(1, dtype=torch.bool))
    spread.fit(errors, torch.ones(n_cells, 1), cells, normal_scale=torch.ones(n_cells, 1))
    _, upper = spread.bounds(torch.ones(1, 1), 0.9)
    normal, widened = 1.645, 3 * 1.645
    closer_to_normal = abs(float(upper) - normal) < abs(float(upper) - widened)
    assert closer_to_normal == (nearer == "normal")
    unpulled = PredictiveSpread(torch.ones(1, dtype=torch.bool))
    _, own = unpulled.fit(errors, torch.ones(n_cells, 1), cells).bounds(torch.ones(1, 1), 0.9)
    assert float(upper) < float(own)  # the normal's pull only narrows errors this wide


def test_columns_count_in_the_pooled_spread_as_often_as_they_have_gaps():
    # column 0 has gaps and errors three times as wide; column 1 has none and many narrow errors
    rng = np.random.default_rng(1)
    errors = torch.tensor(np.column_stack([3.0 * rng.normal(size=3000), rng.normal(size=3000)]))
    cells = torch.zeros(3000, 2, dtype=torch.bool)
    cells[:40, 0] = True
    cells[:, 1] = True

    def upper(gaps):
        spread = PredictiveSpread(torch.ones(2, dtype=torch.bool))
        spread.fit(errors, torch.ones(3000, 2), cells, gaps=gaps)
        return float(spread.bounds(torch.ones(1, 2), 0.9)[1][0, 0])

    pooled_over_all, pooled_over_gaps = upper(None), upper(torch.tensor([500, 0]))
    assert pooled_over_all < 2.5  # column 1's narrow errors dominate the pool
    assert pooled_over_gaps > 3.5  # the pool is column 0's own: 3 x 1.645 in expectation


def test_few_held_out_cells_are_drawn_towards_the_normals_own_spread():
    # the normal says the gaps spread twice as wide as ``std``: with 30 cells, the draws follow it
    errors = torch.tensor(np.random.default_rng(2).normal(size=(30, 1)))
    cells = torch.ones(30, 1, dtype=torch.bool)
    spread = PredictiveSpread(torch.ones(1, dtype=torch.bool))
    spread.fit(errors, torch.ones(30, 1), cells, normal_scale=torch.full((30, 1), 2.0))
    upper = float(spread.bounds(torch.ones(1, 1), 0.9)[1])
    assert 2.6 < upper < 3.6  # near 2 x 1.645, far from the errors' own 1.645


def rating_table(n_rows=800, seed=0):
    """A rating from 1 to 6 (stored as floats, as a CSV reads it), driven by two continuous
    columns, with 30% of every column hidden: the complete table, the gappy one, its gaps."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n_rows)
    rating = np.clip(np.round(3.5 + 1.2 * a + 0.6 * rng.normal(size=n_rows)), 1, 6)
    X = np.column_stack([rating, a + 0.3 * rng.normal(size=n_rows), rng.normal(size=n_rows)])
    gappy, hidden = hide(X, 0.3, seed=seed + 1)
    return X, gappy, hidden


def test_a_column_of_few_values_is_drawn_and_bounded_on_them(tmp_path):
    _, gappy, hidden = rating_table()
    imputer = fast_transformer().fit(gappy)
    gaps = hidden[:, 0]
    draws = imputer.sample(gappy, n_draws=5, random_state=0)
    lower, upper = imputer.interval(gappy)
    for table in (*draws, lower, upper):
        assert set(np.unique(table[gaps, 0])) <= {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}
    assert len(np.unique(np.concatenate([d[gaps, 0] for d in draws]))) >= 4
    # a continuous column is drawn as predicted: on its observed values only where clipped to
    # its range
    seen = np.unique(gappy[~hidden[:, 1], 1])
    assert np.isin(draws[0][hidden[:, 1], 1], seen).mean() < 0.05
    # the point fills are predictive means, not held to the scale
    filled = imputer.transform(gappy)
    assert (filled[gaps, 0] != np.round(filled[gaps, 0])).mean() > 0.9
    save_model(imputer, tmp_path / "model.impute")
    loaded = load_model(tmp_path / "model.impute")
    for a, b in zip(draws, loaded.sample(gappy, n_draws=5, random_state=0)):
        np.testing.assert_array_equal(a, b)


def test_with_extrapolate_a_column_of_few_values_is_drawn_as_predicted():
    _, gappy, hidden = rating_table()
    imputer = fast_transformer(extrapolate=True).fit(gappy)
    drawn = imputer.sample(gappy, n_draws=1, random_state=0)[0][hidden[:, 0], 0]
    assert (drawn != np.round(drawn)).mean() > 0.9


def test_draws_of_a_rating_cover_the_hidden_answers_about_as_often_as_they_say():
    X, gappy, hidden = rating_table(seed=3)
    imputer = TransformerImputer(random_state=0).fit(gappy)
    draws = np.stack(imputer.sample(gappy, n_draws=20, random_state=0))
    lower, upper = draw_interval(draws[:, hidden[:, 0], 0], level=0.9)
    truth = X[hidden[:, 0], 0]
    assert 0.87 <= ((lower <= truth) & (truth <= upper)).mean() <= 0.97


def test_the_support_is_kept_only_for_columns_of_few_repeated_values():
    rng = np.random.default_rng(0)
    assert value_support(rng.normal(size=2000)) is None  # continuous
    assert value_support(np.arange(100.0)) is None  # whole numbers, but each seen once
    support = value_support(np.array([2.0, 1.0, np.nan, 2.0, 1.0, 2.0, 1.0, 1.0, 2.0, 2.0, 1.0]))
    np.testing.assert_array_equal(support, [1.0, 2.0])
    many = np.repeat(np.arange(2000.0), 10)  # repeated, but more values than a support holds
    assert value_support(many) is None


def test_numbers_move_to_the_nearest_value_of_the_support():
    support = np.array([1.0, 2.0, 4.0])
    numbers = np.array([-3.0, 1.4, 1.5, 1.6, 3.1, 9.0, np.nan])
    np.testing.assert_array_equal(
        nearest_value(numbers, support), [1.0, 1.0, 1.0, 2.0, 4.0, 4.0, np.nan]
    )
    np.testing.assert_array_equal(nearest_value(numbers[:2], np.array([5.0])), [5.0, 5.0])


def test_the_normals_spread_is_narrowed_only_where_the_network_errs_less_than_its_means():
    counts = torch.tensor([100.0, 100.0], dtype=torch.float64)
    # squared errors summed over each column's cells: network first, the normal's means second
    better = torch.tensor([[25.0, 25.0], [100.0, 100.0]], dtype=torch.float64)
    assert network_advantage(better, counts) == pytest.approx(0.5)
    worse = torch.tensor([[150.0, 150.0], [100.0, 100.0]], dtype=torch.float64)
    assert network_advantage(worse, counts) == 1.0  # the normal's spread kept as it is
    # a column without gaps does not count: only column 1, where the network does no better
    mixed = torch.tensor([[1.0, 100.0], [100.0, 100.0]], dtype=torch.float64)
    assert network_advantage(mixed, counts, torch.tensor([0, 50])) == 1.0
    assert network_advantage(mixed, counts) < 0.75
