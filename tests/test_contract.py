"""The scikit-learn contract: estimator checks and composition with the rest of scikit-learn."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from impute import MeanImputer
from tables import fast_transformer



@parametrize_with_checks([MeanImputer(), fast_transformer()])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


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
    columns = ColumnTransformer([("impute", fast_transformer(), ["a", "b", "c", "d"])], remainder="passthrough")
    columns.set_output(transform="pandas")
    out = columns.fit_transform(frame)
    assert list(out.columns) == ["impute__a", "impute__b", "impute__c", "impute__d", "remainder__label"]
    assert not out.drop(columns="remainder__label").isna().any().any()


def test_set_output_pandas_keeps_names_and_index(table_with_gaps):
    _, X_missing, _ = table_with_gaps
    frame = pd.DataFrame(X_missing, columns=[f"f{i}" for i in range(X_missing.shape[1])], index=np.arange(len(X_missing)) + 100)
    out = fast_transformer().set_output(transform="pandas").fit_transform(frame)
    assert list(out.columns) == list(frame.columns)
    assert out.index.equals(frame.index)


def test_add_indicator_appends_named_columns():
    X = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0], [np.nan, 8.0, 9.0], [1.0, 2.0, 3.0]])
    imputer = fast_transformer(add_indicator=True).fit(X)
    out = imputer.transform(X)
    assert list(imputer.get_feature_names_out()) == ["x0", "x1", "x2", "missingindicator_x0", "missingindicator_x1"]
    np.testing.assert_array_equal(out[:, 3:], np.isnan(X[:, :2]).astype(float))


def test_clone_keeps_parameters_and_drops_fitted_state(table_with_gaps):
    _, X_missing, _ = table_with_gaps
    imputer = fast_transformer(masking="static", mask_rate=0.2).fit(X_missing)
    copy = clone(imputer)
    assert copy.get_params() == imputer.get_params()
    assert not hasattr(copy, "model_")
