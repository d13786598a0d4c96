"""TimeSeriesImputer: windows, stitching, masks, the estimator contract, model files, the CLI."""

import json

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn import config_context
from sklearn.base import clone
from support import coupled_series, invoke

from impute import (
    DataError,
    SeriesBaselineImputer,
    TimeSeriesImputer,
    datasets,
    evaluate_series,
    load_model,
    save_model,
)
from impute.core import draw_window_mask
from impute.series._network import interpolate
from impute.series._windows import SeriesData, stitching_plan, stitching_windows

FAST = {"max_epochs": 2, "window_length": 24, "d_model": 16, "random_state": 0}


@pytest.fixture(autouse=True)
def pandas_output():
    """These tests read filled columns by name, which the pandas container keeps."""
    with config_context(transform_output="pandas"):
        yield


def _data(lengths, n_features=2):
    n = sum(lengths)
    lengths = torch.tensor(lengths)
    return SeriesData(
        values=torch.zeros(n + 1, n_features),
        observed=torch.ones(n + 1, n_features, dtype=torch.bool),
        times=torch.zeros(n + 1),
        offsets=torch.cumsum(lengths, 0) - lengths,
        lengths=lengths,
    )


@pytest.mark.parametrize("window", [2, 3, 8, 24, 96])
@pytest.mark.parametrize("length", [1, 2, 7, 24, 25, 97, 500])
def test_stitching_plan_fills_each_step_once_from_a_window_that_holds_it(length, window):
    starts, own_from, own_to = stitching_plan(length, window)
    covered = np.zeros(length, dtype=int)
    for start, first, end in zip(starts.tolist(), own_from.tolist(), own_to.tolist()):
        assert start <= first and end <= start + window
        covered[first:end] += 1
    assert (covered == 1).all()


def test_stitching_windows_cover_every_row_of_series_of_different_lengths_once():
    data = _data([5, 130, 40, 1])
    _, _, index, owned = stitching_windows(data, 32)
    rows = index[owned].sort().values
    assert torch.equal(rows, torch.arange(data.padding))


def test_interpolate_is_linear_in_time_between_shown_values_and_flat_beyond_them():
    values = torch.tensor([[[0.0], [9.0], [9.0], [4.0], [9.0]]])  # (1, 5, 1)
    visible = torch.tensor([[[False], [True], [False], [True], [False]]])
    positions = torch.tensor(
        [[0.0, 1.0, 2.0, 5.0, 6.0]]
    )  # irregular: the third step is 1/4 of the way
    guess = interpolate(values, visible, positions)[0, :, 0].tolist()
    assert guess == pytest.approx([9.0, 9.0, 7.75, 4.0, 4.0])
    assert interpolate(values, torch.zeros_like(visible), positions).abs().sum() == 0


def test_training_masks_hide_observed_cells_only_at_about_the_rate():
    generator = torch.Generator().manual_seed(0)
    observed = torch.rand(400, 48, 5, generator=generator) > 0.2
    hidden = draw_window_mask(observed, 0.2, generator)
    assert not (hidden & ~observed).any()
    assert hidden.sum() / observed.sum() == pytest.approx(0.2, abs=0.04)


def _series(seed=0):
    """Three series of different lengths with irregular times, an integer column, a feature
    never observed in one series, and a text column that passes through."""
    rng = np.random.default_rng(seed)
    parts = []
    for name, length in (("a", 150), ("b", 60), ("c", 9)):
        hours = np.cumsum(rng.integers(1, 4, size=length))  # irregular steps of 1-3 hours
        x = np.sin(hours / 6.0) + rng.normal(0, 0.05, length)
        parts.append(
            pd.DataFrame(
                {
                    "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(hours, unit="h"),
                    "site": name,
                    "x": x,
                    "y": 2 * x + 1,
                    "count": np.round(10 + 4 * x).astype("int64"),
                    "note": "kept",
                }
            )
        )
    frame = (
        pd.concat(parts, ignore_index=True).sample(frac=1, random_state=seed).reset_index(drop=True)
    )
    frame["count"] = frame["count"].astype("Int64")
    for name in ("x", "y", "count"):
        frame.loc[rng.random(len(frame)) < 0.15, name] = np.nan if name != "count" else pd.NA
    frame.loc[frame["site"] == "b", "y"] = np.nan  # never observed in series b
    return frame


def test_gaps_are_filled_and_observed_cells_kept_for_irregular_series_of_different_lengths():
    frame = _series()
    before = frame.copy()
    filled = TimeSeriesImputer(time_column="when", id_column="site", **FAST).fit_transform(frame)
    pd.testing.assert_frame_equal(frame, before)  # the input is not modified
    assert not filled[["x", "y", "count"]].isna().any().any()
    assert filled["count"].dtype == "Int64"
    for name in ("x", "y", "count"):
        kept = before[name].notna()
        pd.testing.assert_series_equal(filled.loc[kept, name], before.loc[kept, name])
    pd.testing.assert_frame_equal(
        filled[["when", "site", "note"]], before[["when", "site", "note"]]
    )
    assert filled["x"].between(before["x"].min(), before["x"].max()).all()


def test_a_wide_table_with_a_datetime_index_is_one_series():
    index = pd.date_range("2024-01-01", periods=80, freq="D")
    frame = pd.DataFrame(
        {"a": np.sin(np.arange(80) / 5), "b": np.cos(np.arange(80) / 5)}, index=index
    )
    frame.iloc[::9, 0] = np.nan
    filled = TimeSeriesImputer(**FAST).fit_transform(frame)
    assert filled.index.equals(index) and not filled.isna().any().any()


def test_same_seed_same_output_and_clone_keeps_parameters():
    frame = _series()
    imputer = TimeSeriesImputer(time_column="when", id_column="site", **FAST)
    first = clone(imputer).fit_transform(frame)
    pd.testing.assert_frame_equal(first, clone(imputer).fit_transform(frame))
    assert clone(imputer).get_params() == imputer.get_params()


def test_model_file_round_trip_gives_the_same_fill(tmp_path):
    frame = _series()
    fitted = TimeSeriesImputer(time_column="when", id_column="site", **FAST).fit(frame)
    save_model(fitted, tmp_path / "series.impute")
    loaded = load_model(tmp_path / "series.impute")
    pd.testing.assert_frame_equal(loaded.transform(frame), fitted.transform(frame))
    assert loaded.window_ == fitted.window_ and loaded.get_params() == fitted.get_params()


def test_transform_refuses_other_columns_and_duplicate_times():
    frame = _series()
    fitted = TimeSeriesImputer(time_column="when", id_column="site", **FAST).fit(frame)
    with pytest.raises(DataError, match="columns seen in fit"):
        fitted.transform(frame.drop(columns="note"))
    doubled = pd.concat([frame, frame.iloc[:1]], ignore_index=True)
    with pytest.raises(DataError, match="same time"):
        fitted.transform(doubled)


def test_learns_what_interpolation_cannot_see_across_features():
    """Blocks of x are hidden while y = x + noise stays observed: interpolation in time cannot
    recover them and the network, which also attends over features, must."""
    x, y, z = coupled_series(1000).T
    frame = pd.DataFrame({"t": np.arange(1000), "x": x, "y": y, "z": z})
    # 16 epochs: the averaged weights lag the learning ones; after 8 they had not caught up (0.57)
    settings = {"max_epochs": 16, "window_length": 48, "d_model": 32, "random_state": 0}
    model = evaluate_series(
        TimeSeriesImputer(**settings), frame, time_column="t", pattern="blocks", seed=0
    )
    linear = evaluate_series(
        SeriesBaselineImputer(), frame, time_column="t", pattern="blocks", seed=0
    )
    assert model["mae"] < 0.6 * linear["mae"]  # measured: 0.43 against 0.90
    assert model["epochs"] == 16 and "epochs" not in linear


def test_a_wide_table_of_many_short_series_is_modelled_feature_by_feature(tmp_path):
    """One 30-step window of 12 columns is fewer windows than features: each column becomes a
    series of its own, scaled and bounded with the others; a table of many windows is not."""
    rng = np.random.default_rng(0)
    levels = rng.uniform(1, 7, 12)
    frame = pd.DataFrame(
        levels - np.outer(np.arange(30) / 10, rng.uniform(0, 1, 12)),
        columns=[f"u{j}" for j in range(12)],
    )
    frame.insert(0, "year", np.arange(1990, 2020))
    frame.iloc[:, 1:] = frame.iloc[:, 1:].mask(rng.random((30, 12)) < 0.2)
    fitted = TimeSeriesImputer(time_column="year", **FAST).fit(frame)
    assert fitted.independent_features_ and fitted.model_.config.n_features == 1
    filled = fitted.transform(frame)
    observed = frame.notna()
    pd.testing.assert_frame_equal(filled[observed], frame[observed])
    values = frame.iloc[:, 1:].to_numpy()
    assert filled.iloc[:, 1:].stack().between(np.nanmin(values), np.nanmax(values)).all()
    save_model(fitted, tmp_path / "wide.impute")
    loaded = load_model(tmp_path / "wide.impute")
    assert loaded.independent_features_
    pd.testing.assert_frame_equal(loaded.transform(frame), filled)
    assert (
        not TimeSeriesImputer(time_column="when", id_column="site", **FAST)
        .fit(_series())
        .independent_features_
    )


@pytest.mark.filterwarnings(
    "ignore:columns .* have no observed value"
)  # nine territories with no figures
def test_feature_by_feature_learns_how_fertility_moves_where_interpolation_draws_lines():
    """World Bank fertility (shipped) is 219 countries over 54 years, one window: taken one by
    one the countries teach how fertility moves, and hidden blocks are filled far better than
    by interpolation, which draws a line across a gap and a flat one beyond the last value."""
    frame = datasets.load("worldbank_fertility")
    settings = {"max_epochs": 20, "d_model": 32, "random_state": 0}
    model = evaluate_series(
        TimeSeriesImputer(**settings), frame, time_column="year", pattern="blocks", seed=0
    )
    linear = evaluate_series(
        SeriesBaselineImputer(), frame, time_column="year", pattern="blocks", seed=0
    )
    assert model["mae"] < 0.75 * linear["mae"]  # measured: 0.39 against 0.67


def test_cli_fits_and_fills_a_long_file_of_several_series(tmp_path):
    frame = _series()
    frame.to_csv(tmp_path / "s.csv", index=False)
    fitted = invoke(
        "fit",
        str(tmp_path / "s.csv"),
        "--time-col",
        "when",
        "--id-col",
        "site",
        "--max-epochs",
        "2",
        "-q",
    )
    assert fitted.exit_code == 0, fitted.output
    filled = invoke(
        "fill",
        str(tmp_path / "s.csv"),
        "-m",
        str(tmp_path / "s.impute"),
        "-o",
        str(tmp_path / "f.csv"),
    )
    assert filled.exit_code == 0, filled.output
    out = pd.read_csv(tmp_path / "f.csv")
    source = pd.read_csv(tmp_path / "s.csv")
    assert not out[["x", "y", "count"]].isna().any().any()
    assert out["count"].dtype == np.int64
    kept = source["x"].notna()
    assert (out.loc[kept, "x"] == source.loc[kept, "x"]).all()


def test_cli_evaluate_with_time_col_scores_points_and_blocks(tmp_path):
    _series().to_csv(tmp_path / "s.csv", index=False)
    options = ("--time-col", "when", "--id-col", "site", "-q")
    result = invoke("evaluate", tmp_path / "s.csv", *options, "--methods", "linear,locf", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    assert set(summary["methods"]) == {"points", "blocks"}
    assert set(summary["methods"]["points"]["linear"]) == {
        "mae",
        "rmse",
        "mre",
        "seconds",
        "epochs",
    }
    assert summary["methods"]["points"]["linear"]["epochs"] is None


def test_cli_evaluate_with_time_col_shows_the_epochs_a_model_ran(tmp_path):
    _series().to_csv(tmp_path / "s.csv", index=False)
    result = invoke(
        "evaluate",
        tmp_path / "s.csv",
        "--time-col",
        "when",
        "--id-col",
        "site",
        "-q",
        "--methods",
        "dynamic,linear",
        "--max-epochs",
        "1",
    )
    assert result.exit_code == 0, result.output
    rows = [line.replace("│", " ").split() for line in result.stdout.splitlines()]
    assert any("epochs" in row for row in rows)
    assert [row[-1] for row in rows if "dynamic" in row] == ["1", "1"]  # points, then blocks
    assert [row[-1] for row in rows if "linear" in row] == ["-", "-"]


def test_cli_param_can_model_a_wide_file_jointly(tmp_path):
    """World Bank fertility is modelled country by country ("auto"); --param turns that off."""
    source = datasets.path("worldbank_fertility")
    result = invoke(
        "fit",
        source,
        "--time-col",
        "year",
        "--max-epochs",
        "1",
        "-o",
        tmp_path / "m.impute",
        "-q",
        "--param",
        "independent_features=false",
        "--param",
        "window_length=27",
    )
    assert result.exit_code == 0, result.output
    model = load_model(tmp_path / "m.impute")
    assert model.independent_features_ is False and model.window_ == 27
    result = invoke(
        "evaluate", source, "--time-col", "year", "--methods", "linear", "--param", "d_model=32"
    )
    assert result.exit_code == 2 and "linear trains none" in " ".join(
        result.output.replace("│", " ").split()
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["fill", "{data}", "--method", "linear"], "give --time-col"),
        (["fill", "{data}", "--id-col", "site"], "give --time-col too"),
        (["fit", "{data}", "--time-col", "when", "--categorical", "site"], "numeric columns only"),
    ],
)
def test_cli_refuses_series_options_that_do_not_fit_together(tmp_path, arguments, message):
    _series().to_csv(tmp_path / "s.csv", index=False)
    result = invoke(*(a.format(data=tmp_path / "s.csv") for a in arguments))
    assert result.exit_code == 2
    assert message in " ".join(result.output.replace("│", " ").split())


def test_cli_names_a_missing_time_column(tmp_path):
    _series().to_csv(tmp_path / "s.csv", index=False)
    result = invoke("fit", str(tmp_path / "s.csv"), "--time-col", "nope")
    assert result.exit_code == 1 and "nope" in result.output
    assert not (tmp_path / "s.impute").exists()
