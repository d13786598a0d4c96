"""The scikit-learn contract: the estimator checks over every estimator, scikit-learn's own imputer
tests with ours in place of its imputers, and composition with the rest of scikit-learn."""

import inspect
import re

import numpy as np
import pandas as pd
import pytest
import sklearn.impute.tests.test_common as sklearn_imputer_tests
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks
from support import fast_transformer

from impute import MeanImputer, SeriesBaselineImputer, TimeSeriesImputer


def fast_series_imputer():
    """A small, seeded TimeSeriesImputer that fits in a fraction of a second."""
    return TimeSeriesImputer(
        max_epochs=2, window_length=8, d_model=8, n_heads=2, batch_size=4, random_state=0
    )


ESTIMATORS = [MeanImputer(), fast_transformer(), SeriesBaselineImputer(), fast_series_imputer()]


@parametrize_with_checks(ESTIMATORS)
def test_scikit_learn_estimator_checks(estimator, check):
    """Every check applies to every estimator: the series imputers read an array as one wide
    series, its rows in time order, and refuse sparse input as the checks expect."""
    check(estimator)


def _scikit_learns_imputer_tests():
    """The tests of ``sklearn/impute/tests/test_common.py`` as shipped in scikit-learn's wheel,
    with our table imputers where it lists its own. Its sparse tests list ``SimpleImputer``
    alone; ours refuse sparse input (as the estimator checks above verify), so they get none."""
    source = inspect.getsource(sklearn_imputer_tests)
    ours = "def imputers():\n    return [MeanImputer(), fast_transformer()]\n"
    source, found = re.subn(r"def imputers\(\):\n    return \[[^\]]*\]\n", ours, source)
    source, found_sparse = re.subn(
        r"def sparse_imputers\(\):\n    return \[[^\]]*\]\n",
        "def sparse_imputers():\n    return []\n",
        source,
    )
    assert found == found_sparse == 1, (
        "scikit-learn's test_common.py no longer lists its imputers as this test reads"
    )
    namespace = {"MeanImputer": MeanImputer, "fast_transformer": fast_transformer}
    exec(compile(source, sklearn_imputer_tests.__file__, "exec"), namespace)
    return {name: test for name, test in namespace.items() if name.startswith("test_")}


globals().update(
    {f"{name}_from_scikit_learn": test for name, test in _scikit_learns_imputer_tests().items()}
)


@pytest.mark.parametrize("make", [MeanImputer, fast_transformer])
def test_works_in_pipeline_with_gridsearch(make, table_with_gaps):
    X, X_missing, _ = table_with_gaps
    y = X[:, 0] + X[:, 1]
    pipeline = make_pipeline(make(), LinearRegression())
    search = GridSearchCV(pipeline, {"linearregression__fit_intercept": [True, False]}, cv=2)
    search.fit(X_missing, y)
    assert search.predict(X_missing).shape == y.shape


def test_column_transformer_and_pandas_output(table_with_gaps):
    _, X_missing, _ = table_with_gaps
    frame = pd.DataFrame(X_missing[:, :4], columns=["a", "b", "c", "d"])
    frame["label"] = np.where(np.arange(len(frame)) % 2, "odd", "even")
    columns = ColumnTransformer(
        [("impute", fast_transformer(), ["a", "b", "c", "d"])], remainder="passthrough"
    )
    columns.set_output(transform="pandas")
    out = columns.fit_transform(frame)
    assert list(out.columns) == [
        "impute__a",
        "impute__b",
        "impute__c",
        "impute__d",
        "remainder__label",
    ]
    assert not out.drop(columns="remainder__label").isna().any().any()


def test_set_output_pandas_keeps_names_and_index(table_with_gaps):
    _, X_missing, _ = table_with_gaps
    frame = pd.DataFrame(
        X_missing,
        columns=[f"f{i}" for i in range(X_missing.shape[1])],
        index=np.arange(len(X_missing)) + 100,
    )
    out = fast_transformer().set_output(transform="pandas").fit_transform(frame)
    assert list(out.columns) == list(frame.columns)
    assert out.index.equals(frame.index)


@pytest.mark.parametrize("make", [MeanImputer, fast_transformer])
def test_set_output_decides_the_container_and_only_integers_are_rounded_in_a_frame(make):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "count": pd.array(rng.integers(0, 9, 60), dtype="Int16"),
            "x": rng.normal(size=60),
            "colour": rng.choice(["red", "blue"], 60).astype(object),
        }
    )
    gappy = frame.mask(rng.random(frame.shape) < 0.2)
    as_array = make().fit_transform(gappy)
    as_frame = make().set_output(transform="pandas").fit_transform(gappy)
    assert isinstance(as_array, np.ndarray) and as_array.dtype == object
    assert list(as_frame.dtypes) == list(gappy.dtypes)
    np.testing.assert_array_equal(as_array[:, 1:], as_frame.iloc[:, 1:].to_numpy(dtype=object))
    counts = as_array[:, 0].astype(float)
    np.testing.assert_array_equal(np.rint(counts), as_frame["count"].to_numpy(dtype=float))
    numbers = gappy[["count", "x"]]
    numeric = make().fit_transform(numbers)
    assert numeric.dtype == np.float64
    np.testing.assert_array_equal(numeric, make().fit_transform(numbers.to_numpy(dtype=float)))


@pytest.mark.parametrize("make", [SeriesBaselineImputer, fast_series_imputer])
def test_series_imputers_read_an_array_as_one_wide_series_and_follow_set_output(make):
    t = np.arange(40.0)
    X = np.column_stack([np.sin(t / 5), np.cos(t / 5)])
    X[::6, 0] = np.nan
    filled = make().fit_transform(X)
    assert isinstance(filled, np.ndarray) and not np.isnan(filled).any()
    np.testing.assert_array_equal(filled[~np.isnan(X)], X[~np.isnan(X)])
    frame = make().set_output(transform="pandas").fit_transform(pd.DataFrame(X, columns=["a", "b"]))
    assert list(frame.columns) == ["a", "b"] and np.allclose(frame.to_numpy(), filled)


def test_add_indicator_appends_named_columns():
    X = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0], [np.nan, 8.0, 9.0], [1.0, 2.0, 3.0]])
    imputer = fast_transformer(add_indicator=True).fit(X)
    out = imputer.transform(X)
    assert list(imputer.get_feature_names_out()) == [
        "x0",
        "x1",
        "x2",
        "missingindicator_x0",
        "missingindicator_x1",
    ]
    np.testing.assert_array_equal(out[:, 3:], np.isnan(X[:, :2]).astype(float))


def test_clone_keeps_parameters_and_drops_fitted_state(table_with_gaps):
    _, X_missing, _ = table_with_gaps
    imputer = fast_transformer(masking="static", mask_rate=0.2).fit(X_missing)
    copy = clone(imputer)
    assert copy.get_params() == imputer.get_params()
    assert not hasattr(copy, "model_")
