"""DataFrames with columns of every kind: dtypes kept, categories learned, odd columns passed."""

import datetime
import decimal
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import torch
from sklearn import config_context
from support import fast_transformer

from impute import MeanImputer, TransformerImputer, evaluate_frame, load_model, save_model


@pytest.fixture(autouse=True)
def pandas_output():
    """These tests read the filled columns' dtypes, which the pandas container keeps."""
    with config_context(transform_output="pandas"):
        yield


def mixed_frame(n_rows=300, seed=0):
    """Columns of every kind, all driven by one latent factor, so each can be told from others."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n_rows)
    return pd.DataFrame(
        {
            "x": a,
            "y": 2 * a + 0.1 * rng.normal(size=n_rows),
            "level": pd.Categorical(
                np.where(a > 0.5, "high", np.where(a < -0.5, "low", "mid")),
                categories=["low", "mid", "high"],
            ),
            "city": np.where(a > 0, "Oslo", "Lima").astype(object),
            "flag": pd.array(a > 0, dtype="boolean"),
            "count": pd.array(np.round(5 * a).astype(int) + 10, dtype="Int64"),
            "when": pd.Timestamp("2024-01-01", tz="Europe/Oslo")
            + pd.to_timedelta(a * 10, unit="D"),
        }
    )


def with_gaps(frame, rate=0.2, seed=1):
    rng = np.random.default_rng(seed)
    gappy = frame.copy()
    for name in gappy.columns:
        gappy.loc[rng.random(len(gappy)) < rate, name] = None
    return gappy


@pytest.mark.parametrize("make", [MeanImputer, lambda: fast_transformer(max_epochs=20)])
def test_every_dtype_survives_and_observed_cells_are_untouched(make):
    truth = mixed_frame()
    gappy = with_gaps(truth)
    filled = make().fit_transform(gappy)
    assert isinstance(filled, pd.DataFrame)
    assert list(filled.columns) == list(gappy.columns)
    assert filled.dtypes.to_dict() == gappy.dtypes.to_dict()
    assert list(filled["level"].cat.categories) == ["low", "mid", "high"]
    assert not filled.isna().any().any()
    observed = gappy.notna()
    for name in gappy.columns:
        assert (filled.loc[observed[name], name] == gappy.loc[observed[name], name]).all(), name
    assert set(filled["city"]) <= {"Oslo", "Lima"}


def arrow_frame(n_rows=300, seed=0):
    """The columns ``pd.read_parquet(..., dtype_backend="pyarrow")`` gives for a warehouse export:
    Arrow-backed numbers, text and flags, money as a decimal, dates, coarse timestamps."""
    frame = (
        mixed_frame(n_rows, seed)
        .drop(columns=["level", "when"])
        .convert_dtypes(dtype_backend="pyarrow")
    )
    a = mixed_frame(n_rows, seed)["x"].to_numpy()
    money = pa.array([decimal.Decimal(f"{10 + v:.2f}") for v in a], pa.decimal128(10, 2))
    days = pa.array(
        [datetime.date(2024, 1, 1) + datetime.timedelta(days=int(50 + 20 * v)) for v in a],
        pa.date32(),
    )
    stamps = pd.Timestamp("2024-01-01") + pd.to_timedelta(1000 * a, unit="s")
    return frame.assign(
        price=pd.Series(money, dtype=pd.ArrowDtype(money.type)),
        day=pd.Series(days, dtype=pd.ArrowDtype(days.type)),
        stamp_ms=pd.Series(
            pa.array(stamps.round("ms"), pa.timestamp("ms", tz="Europe/Oslo")),
            dtype=pd.ArrowDtype(pa.timestamp("ms", tz="Europe/Oslo")),
        ),
        stamp_s=pd.Series(stamps.round("s")).astype("datetime64[s]"),
    )


@pytest.mark.parametrize("make", [MeanImputer, lambda: fast_transformer(max_epochs=20)])
def test_arrow_backed_decimal_and_date_columns_keep_their_dtypes(make, tmp_path):
    gappy = with_gaps(arrow_frame())
    imputer = make().fit(gappy)
    filled = imputer.transform(gappy)
    assert filled.dtypes.to_dict() == gappy.dtypes.to_dict()
    assert not filled.isna().any().any()
    observed = gappy.notna()
    for name in gappy.columns:
        assert (filled.loc[observed[name], name] == gappy.loc[observed[name], name]).all(), name
    save_model(imputer, tmp_path / "m.impute")
    again = load_model(tmp_path / "m.impute").transform(gappy)
    assert again.equals(filled)


@pytest.mark.parametrize("make", [MeanImputer, lambda: fast_transformer(max_epochs=20)])
def test_python_decimals_are_filled_with_decimals_of_the_same_places(make, tmp_path):
    """Money read by pd.read_sql or a NumPy-backed pd.read_parquet comes as decimal.Decimals."""
    truth = mixed_frame()
    gappy = with_gaps(
        truth[["x", "y"]].assign(price=[decimal.Decimal(f"{10 + v:.2f}") for v in truth["x"]])
    )
    imputer = make().fit(gappy)
    filled = imputer.transform(gappy)
    gaps = gappy["price"].isna()
    assert filled["price"].map(type).eq(decimal.Decimal).all()
    assert filled["price"][gaps].map(lambda v: v.as_tuple().exponent == -2).all()
    assert filled["price"][~gaps].equals(gappy["price"][~gaps])
    save_model(imputer, tmp_path / "m.impute")
    assert load_model(tmp_path / "m.impute").transform(gappy).equals(filled)


@pytest.mark.parametrize("make", [MeanImputer, lambda: fast_transformer(max_epochs=5)])
def test_nullable_and_arrow_float_columns_keep_their_dtypes(make):
    """Only NumPy float frames take the array path; Float64 and double[pyarrow] keep their dtype."""
    truth = mixed_frame()
    gappy = with_gaps(
        pd.DataFrame(
            {"x": truth["x"].astype("Float64"), "y": truth["y"].astype("float64[pyarrow]")}
        )
    )
    filled = make().fit_transform(gappy)
    assert isinstance(filled, pd.DataFrame) and filled.dtypes.to_dict() == gappy.dtypes.to_dict()
    assert not filled.isna().any().any()
    observed = gappy.notna()
    assert all(
        (filled.loc[observed[name], name] == gappy.loc[observed[name], name]).all()
        for name in gappy.columns
    )


def test_same_random_state_gives_identical_output_with_categories_on_two_threads():
    """The category embeddings' gradients are summed in a fixed order: with two threads, the
    advanced-indexing lookup they replaced summed them in whichever order the threads finished."""
    gappy = with_gaps(
        mixed_frame(2000)
    )  # batches of 125 rows x 7 cells x 64: the lookup's backward runs on both threads
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        first, second = (
            TransformerImputer(max_epochs=2, random_state=3).fit(gappy) for _ in range(2)
        )
    finally:
        torch.set_num_threads(threads)
    assert first.validation_scores_ == second.validation_scores_
    assert first.transform(gappy).equals(second.transform(gappy))


def test_categories_are_learned_from_the_other_columns():
    truth = mixed_frame(400)
    gappy = with_gaps(truth, 0.25)
    learned = TransformerImputer(max_epochs=40, random_state=0).fit_transform(gappy)
    mode = MeanImputer().fit_transform(gappy)
    for name in ("level", "city", "flag"):
        hidden = gappy[name].isna()
        accuracy = (learned.loc[hidden, name] == truth.loc[hidden, name]).mean()
        baseline = (mode.loc[hidden, name] == truth.loc[hidden, name]).mean()
        assert accuracy > baseline + 0.2, (name, accuracy, baseline)


def test_integer_column_is_filled_with_integers_in_range():
    gappy = with_gaps(mixed_frame())
    filled = fast_transformer().fit_transform(gappy)
    count = filled["count"]
    assert str(count.dtype) == "Int64"
    assert count.min() >= gappy["count"].min() and count.max() <= gappy["count"].max()


def test_boolean_column_with_gaps_stays_boolean():
    frame = pd.DataFrame(
        {"a": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "ok": [True, None, False, True, None, False]}
    )
    filled = MeanImputer().fit_transform(frame)
    assert filled["ok"].map(type).eq(bool).all()
    assert filled.loc[[1, 4], "ok"].tolist() == [
        False,
        False,
    ]  # the mode; ties go to the first category


def test_unseen_category_passes_through_and_is_treated_as_unknown():
    gappy = with_gaps(mixed_frame())
    imputer = fast_transformer().fit(gappy)
    later = gappy.iloc[:5].copy()
    later.loc[later.index[0], "city"] = "Nairobi"
    later.loc[later.index[0], "x"] = np.nan
    filled = imputer.transform(later)
    assert filled.loc[later.index[0], "city"] == "Nairobi"
    assert np.isfinite(filled.loc[later.index[0], "x"])


def test_identifier_column_is_passed_through_with_a_warning():
    frame = mixed_frame(120)
    frame["customer"] = [f"C{i:05d}" for i in range(len(frame))]
    gappy = with_gaps(frame)
    with pytest.warns(
        UserWarning, match="column 'customer' is passed through unchanged.*ID or free text"
    ):
        imputer = MeanImputer().fit(gappy)
    assert imputer.kinds_[-1] == "identifier"
    filled = imputer.transform(gappy)
    pd.testing.assert_series_equal(filled["customer"], gappy["customer"])


def test_categorical_features_turns_codes_into_categories():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 3, 200).astype(float)
    X = np.column_stack([codes * 10 + rng.normal(size=200), codes])
    X[rng.random(200) < 0.2, 1] = np.nan
    filled = (
        fast_transformer(categorical_features=[1], max_epochs=30)
        .set_output(transform="default")
        .fit_transform(X)
    )
    assert isinstance(filled, np.ndarray)
    assert set(np.unique(filled[:, 1])) <= {0.0, 1.0, 2.0}


def test_categorical_features_must_name_columns():
    frame = mixed_frame(50)
    with pytest.raises(ValueError, match="categorical_features names 'nope'"):
        MeanImputer(categorical_features=["nope"]).fit(frame)


@pytest.mark.parametrize("make", [MeanImputer, fast_transformer])
def test_saved_table_imputers_give_the_same_output(tmp_path, make):
    gappy = with_gaps(mixed_frame())
    imputer = make().fit(gappy)
    save_model(imputer, tmp_path / "m.impute")
    loaded = load_model(tmp_path / "m.impute")
    pd.testing.assert_frame_equal(loaded.transform(gappy), imputer.transform(gappy))


def test_set_output_pandas_keeps_dtypes():
    gappy = with_gaps(mixed_frame())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        filled = MeanImputer(add_indicator=True).set_output(transform="pandas").fit_transform(gappy)
    assert str(filled["count"].dtype) == "Int64"
    assert "missingindicator_city" in filled.columns


def test_filled_numbers_stay_in_the_observed_range_unless_extrapolation_is_allowed():
    rng = np.random.default_rng(0)
    a = rng.normal(size=300)
    X = np.column_stack([a, 3 * a])
    X[a > 1.0, 1] = np.nan  # the largest values of the second column are never observed
    high = np.nanmax(X[:, 1])
    clipped = fast_transformer(max_epochs=40).set_output(transform="default").fit_transform(X)
    free = (
        fast_transformer(max_epochs=40, extrapolate=True)
        .set_output(transform="default")
        .fit_transform(X)
    )
    assert clipped[:, 1].max() <= high
    assert free[:, 1].max() > high


def test_mean_imputer_works_in_the_users_units():
    X = np.array([[1e5, 1.0], [3e5, np.nan], [np.nan, 2.0]])
    np.testing.assert_array_equal(MeanImputer().fit(X).statistics_, [2e5, 1.5])
    days = pd.DataFrame({"day": pd.to_datetime(["2024-01-01", None, "2024-01-03"]), "n": [1, 2, 3]})
    assert MeanImputer().fit_transform(days).loc[1, "day"] == pd.Timestamp("2024-01-02")


def test_evaluation_scores_each_column_as_it_is_modelled():
    """Dates are scored as numbers (RMSE), flags and categories by accuracy, and columns the
    imputers pass through (identifiers, complex numbers) are neither hidden nor scored."""
    frame = mixed_frame().assign(
        id=[f"row{i}" for i in range(300)],
        wave=np.exp(1j * np.arange(300.0)),
    )
    with pytest.warns(UserWarning, match="passed through"):
        scores = evaluate_frame(MeanImputer(), frame, rate=0.3, seed=0)
    columns = scores["columns"]
    assert set(columns) == {"x", "y", "level", "city", "flag", "count", "when"}
    assert set(columns["when"]) == {"rmse", "mae"} and 0 < columns["when"]["rmse"] < 0.5
    assert set(columns["flag"]) == set(columns["city"]) == {"accuracy"}


def test_evaluation_refuses_a_table_with_nothing_to_score():
    frame = pd.DataFrame(
        {"id": [f"row{i}" for i in range(100)], "wave": np.exp(1j * np.arange(100.0))}
    )
    with pytest.raises(ValueError, match="no column can be scored"):
        evaluate_frame(MeanImputer(), frame)
