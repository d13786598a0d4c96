"""Time series: reading a table's layout, the baselines, and hiding points and blocks."""

import numpy as np
import pandas as pd
import pytest
from sklearn import config_context

from impute import DataError, SeriesBaselineImputer, evaluate_series, series_layout
from impute.evaluation import hide


@pytest.fixture(autouse=True)
def pandas_output():
    """These tests read filled columns by name, which the pandas container keeps."""
    with config_context(transform_output="pandas"):
        yield


@pytest.fixture
def long_table():
    """Three series of different lengths, rows shuffled, irregular ISO times, gaps, text."""
    rng = np.random.default_rng(0)
    parts = []
    for station, length in [("a", 40), ("b", 7), ("c", 1)]:
        hours = np.sort(rng.choice(200, size=length, replace=False))
        parts.append(
            pd.DataFrame(
                {
                    "station": station,
                    "time": (
                        pd.Timestamp("2024-01-01") + pd.to_timedelta(hours, unit="h")
                    ).strftime("%Y-%m-%dT%H:%M"),
                    "pm": np.sin(hours / 10.0) * 50 + 60,
                    "count": pd.array(np.arange(length), dtype="Int64"),
                    "wind": rng.choice(["N", "S"], size=length),
                }
            )
        )
    table = (
        pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=0).reset_index(drop=True)
    )
    gaps = rng.random(len(table)) < 0.3
    table.loc[gaps, "pm"] = np.nan
    table.loc[rng.random(len(table)) < 0.2, "count"] = pd.NA
    return table


def test_the_layout_orders_each_series_by_time(long_table):
    layout = series_layout(long_table, time_column="time", id_column="station")
    assert layout.features == ["pm", "count"]
    assert [len(rows) for rows in layout.rows] == [40, 7, 1]
    for rows, times in zip(layout.rows, layout.times):
        assert (long_table["station"].iloc[rows].nunique()) == 1
        assert np.all(np.diff(times) > 0)


def test_flags_and_complex_numbers_are_not_features_and_pass_through(long_table):
    frame = long_table.assign(
        flag=long_table["pm"].isna(), phase=np.exp(1j * np.arange(len(long_table)))
    )
    frame.loc[3, "phase"] = np.nan
    assert series_layout(frame, time_column="time", id_column="station").features == ["pm", "count"]
    filled = (
        SeriesBaselineImputer()
        .set_params(time_column="time", id_column="station")
        .fit_transform(frame)
    )
    pd.testing.assert_series_equal(filled["phase"], frame["phase"])
    pd.testing.assert_series_equal(filled["flag"], frame["flag"])


def test_a_datetime_index_gives_the_times_of_a_wide_table():
    frame = pd.DataFrame(
        {"x": [1.0, np.nan, 3.0]}, index=pd.to_datetime(["2024-01-01", "2024-01-04", "2024-01-02"])
    )
    filled = SeriesBaselineImputer().fit_transform(frame)
    assert filled["x"].iloc[1] == 3.0, (
        "after the last observation (Jan 2) the nearest one is repeated"
    )


@pytest.mark.parametrize("strategy", ["linear", "locf", "mean"])
def test_baselines_fill_every_gap_and_change_no_observed_point(long_table, strategy):
    filled = SeriesBaselineImputer(strategy, time_column="time", id_column="station").fit_transform(
        long_table
    )
    assert not filled[["pm", "count"]].isna().any().any()
    observed = long_table["pm"].notna()
    assert filled.loc[observed, "pm"].equals(long_table.loc[observed, "pm"])
    assert filled["count"].dtype == "Int64", "an integer column is filled with integers"
    assert filled["wind"].equals(long_table["wind"]) and filled["time"].equals(long_table["time"])


def test_linear_interpolation_follows_irregular_time():
    frame = pd.DataFrame({"t": [0.0, 1.0, 10.0], "x": [0.0, np.nan, 10.0]})
    assert SeriesBaselineImputer(time_column="t").fit_transform(frame)["x"].tolist() == [
        0.0,
        1.0,
        10.0,
    ]


def test_locf_carries_forward_and_the_start_takes_the_first_observation():
    frame = pd.DataFrame({"x": [np.nan, 2.0, np.nan, np.nan, 5.0, np.nan]})
    assert SeriesBaselineImputer("locf").fit_transform(frame)["x"].tolist() == [
        2.0,
        2.0,
        2.0,
        2.0,
        5.0,
        5.0,
    ]


def test_a_series_where_a_feature_is_never_observed_gets_its_mean():
    frame = pd.DataFrame({"id": ["a", "a", "b", "b"], "x": [1.0, 3.0, np.nan, np.nan]})
    filled = SeriesBaselineImputer(id_column="id").fit_transform(frame)
    assert filled["x"].tolist() == [1.0, 3.0, 2.0, 2.0]


@pytest.mark.parametrize(
    "frame, kwargs, message",
    [
        (
            pd.DataFrame({"t": ["2024-01-01", None], "x": [1.0, 2.0]}),
            {"time_column": "t"},
            "row 2: the time is missing",
        ),
        (
            pd.DataFrame({"t": ["2024-01-01", "soon"], "x": [1.0, 2.0]}),
            {"time_column": "t"},
            "row 2: 'soon' is neither",
        ),
        (
            pd.DataFrame({"t": [1, 1], "x": [1.0, 2.0]}),
            {"time_column": "t"},
            "rows 1 and 2 of the table have the same time",
        ),
        (
            pd.DataFrame({"t": [1, 2], "x": [1.0, 2.0]}),
            {"time_column": "when"},
            "time_column='when' is not a column",
        ),
        (
            pd.DataFrame({"id": ["a", None], "x": [1.0, 2.0]}),
            {"id_column": "id"},
            "row 2: the series id is missing",
        ),
        (
            pd.DataFrame({"t": [1, 2], "x": [1.0, 2.0]}),
            {"time_column": "t", "id_column": "t"},
            "time_column and id_column are both 't'",
        ),
    ],
)
def test_bad_time_and_id_columns_are_named(frame, kwargs, message):
    with pytest.raises(DataError, match=message):
        SeriesBaselineImputer(**kwargs).fit(frame)


def test_blocks_are_runs_of_one_feature_inside_one_series_and_depend_only_on_the_seed():
    observed = np.ones((300, 3), dtype=bool)
    rows = [np.arange(0, 100), np.arange(100, 300)]
    hidden = hide(observed, rows, "blocks", rate=0.1, seed=4)
    assert np.array_equal(hidden, hide(observed, rows, "blocks", rate=0.1, seed=4))
    assert 90 <= hidden.sum() < 90 + 48
    for feature in range(3):
        for series_rows in rows:
            runs = np.diff(np.concatenate([[0], hidden[series_rows, feature].astype(int), [0]]))
            lengths = np.flatnonzero(runs == -1) - np.flatnonzero(runs == 1)
            assert np.all(lengths >= 1)
    assert not np.array_equal(hide(observed, rows, "blocks", rate=0.1, seed=5), hidden)


def test_interpolation_beats_the_mean_on_smooth_series():
    t = np.arange(2000)
    frame = pd.DataFrame({"t": t, "a": np.sin(t / 30), "b": np.cos(t / 50) + 0.05 * np.sin(t)})
    for pattern in ("points", "blocks"):
        linear = evaluate_series(
            SeriesBaselineImputer("linear"), frame, time_column="t", pattern=pattern
        )
        mean = evaluate_series(
            SeriesBaselineImputer("mean"), frame, time_column="t", pattern=pattern
        )
        assert linear["mae"] < 0.5 * mean["mae"], pattern
