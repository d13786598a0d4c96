"""Draws and intervals of time series: observed cells never move, the spread grows with the
distance from observed steps, a drawn block moves together, and seeds reproduce."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn import config_context
from support import coupled_series

from impute import TimeSeriesImputer, load_model, save_model
from impute.series._spread import step_distances
from impute.series._windows import SeriesData

OLD_MODELS = Path(__file__).parents[1] / "io" / "data"


@pytest.fixture(scope="module")
def gappy():
    """Three features over 600 steps (x, a near copy y, an unrelated z): scattered points
    missing, and a 40-step block of z, which nothing else tells."""
    values = coupled_series(600)
    rng = np.random.default_rng(3)
    values[rng.random(values.shape) < 0.05] = np.nan
    values[300:340, 2] = np.nan
    return pd.DataFrame(values, columns=["x", "y", "z"])


@pytest.fixture(scope="module")
def fitted(gappy):
    return TimeSeriesImputer(max_epochs=3, window_length=48, d_model=16, random_state=0).fit(gappy)


def test_step_distances_count_to_the_nearest_observed_step_within_each_series():
    visible = torch.tensor([[1], [0], [0], [0], [1], [0], [1], [0], [0]], dtype=torch.bool)
    lengths = torch.tensor([6, 3])
    data = SeriesData(
        values=torch.zeros(10, 1),
        observed=torch.cat([visible, torch.zeros(1, 1, dtype=torch.bool)]),
        times=torch.zeros(10),
        offsets=torch.cumsum(lengths, 0) - lengths,
        lengths=lengths,
    )
    distance = step_distances(data, data.observed)[:-1, 0]
    assert distance[:6].tolist() == [0, 1, 2, 1, 0, 1]
    assert distance[6] == 0 and distance[7:].tolist() == [1, 2]


def test_observed_cells_are_identical_in_every_draw_and_seeds_reproduce(fitted, gappy):
    with config_context(transform_output="pandas"):
        draws = fitted.sample(gappy, n_draws=3, random_state=0)
        again = fitted.sample(gappy, n_draws=3, random_state=0)
        other = fitted.sample(gappy, n_draws=1, random_state=1)
    observed = gappy.notna()
    for draw, same in zip(draws, again):
        assert not draw.isna().any().any()
        pd.testing.assert_frame_equal(draw[observed], gappy[observed])
        pd.testing.assert_frame_equal(draw, same)
    gaps = ~observed.to_numpy()
    assert (draws[0].to_numpy()[gaps] != draws[1].to_numpy()[gaps]).mean() > 0.8  # some clipped
    assert not draws[0].equals(other[0])


def test_intervals_widen_with_the_distance_from_observed_steps(fitted, gappy):
    lower, upper = fitted.interval(gappy, level=0.9)
    width = np.asarray(upper) - np.asarray(lower)
    middle = width[315:325, 2]  # 15 or more steps from the block's observed edges
    z = gappy["z"].to_numpy()
    single = width[
        [i for i in range(1, 599) if np.isnan(z[i]) and not np.isnan(z[[i - 1, i + 1]]).any()], 2
    ]
    assert np.median(middle) > 1.5 * np.median(single)
    observed = gappy.notna().to_numpy()
    np.testing.assert_array_equal(np.asarray(lower)[observed], gappy.to_numpy()[observed])


def test_a_drawn_block_moves_together(fitted, gappy):
    assert float(fitted.spread_.correlation) > 0.2
    filled = np.asarray(fitted.transform(gappy))[300:340, 2]
    deviations = np.stack(
        [np.asarray(d)[300:340, 2] - filled for d in fitted.sample(gappy, 30, random_state=0)]
    )
    neighbours = np.corrcoef(deviations[:, 10:29].ravel(), deviations[:, 11:30].ravel())[0, 1]
    assert neighbours > 0.2


def test_draws_survive_a_model_file(fitted, gappy, tmp_path):
    save_model(fitted, tmp_path / "series.impute")
    loaded = load_model(tmp_path / "series.impute")
    for a, b in zip(
        fitted.sample(gappy, 2, random_state=0), loaded.sample(gappy, 2, random_state=0)
    ):
        np.testing.assert_array_equal(a, b)


def test_a_series_model_that_cannot_draw_says_what_to_do(gappy):
    old = load_model(OLD_MODELS / "series.impute")
    with pytest.raises(ValueError, match="refit it"):
        old.sample(pd.read_csv(OLD_MODELS / "series.csv"))
    unvalidated = TimeSeriesImputer(
        max_epochs=1, window_length=48, d_model=16, early_stopping=False, random_state=0
    ).fit(gappy)
    with pytest.raises(ValueError, match="early_stopping=True"):
        unvalidated.interval(gappy)
    with pytest.raises(ValueError, match="n_draws"):
        unvalidated.sample(gappy, n_draws=0)
