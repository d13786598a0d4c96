"""Bad input fails early, with a message that names the problem and what to do."""

import decimal

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn import config_context
from sklearn.exceptions import NotFittedError

from impute import MeanImputer, TransformerImputer


@pytest.fixture(autouse=True)
def pandas_output():
    """These tests read the filled columns' dtypes, which the pandas container keeps."""
    with config_context(transform_output="pandas"):
        yield


@pytest.mark.parametrize("make", [MeanImputer, lambda: TransformerImputer(max_epochs=2)])
def test_unsupported_column_is_named_and_passed_through(make):
    frame = pd.DataFrame(
        {"age": [31.0, np.nan, 45.0, 40.0], "tags": [{"a": 1}, None, {"b": 2}, {}]}
    )
    with pytest.warns(UserWarning, match="column 'tags' is passed through unchanged"):
        filled = make().fit_transform(frame)
    assert filled["tags"].isna().sum() == 1 and not filled["age"].isna().any()


@pytest.mark.parametrize("make", [MeanImputer, lambda: TransformerImputer(max_epochs=2)])
@pytest.mark.parametrize(
    "values", [np.array([1 + 2j, np.nan, 3 - 1j, 4 + 0j]), [1 + 2j, None, 3 - 1j, 4]]
)
def test_complex_numbers_pass_through_untouched(make, values):
    """A float conversion would keep the real parts only and fill from them."""
    frame = pd.DataFrame({"age": [31.0, np.nan, 45.0, 40.0], "z": pd.Series(values)})
    with pytest.warns(UserWarning, match="column 'z' is passed through unchanged"):
        filled = make().fit_transform(frame)
    pd.testing.assert_series_equal(filled["z"], frame["z"])
    assert not filled["age"].isna().any()


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"age": [31.0, np.inf, 45.0], "height": [1.0, 2.0, np.nan]}),
        pd.DataFrame({"age": [31.0, np.inf, 45.0], "city": ["Oslo", None, "Lima"]}),
        pd.DataFrame(
            {
                "age": pd.Series([31.0, float("inf"), None], dtype=object),
                "city": ["Oslo", None, "Lima"],
            }
        ),
        pd.DataFrame(
            {
                "age": [decimal.Decimal("31.5"), decimal.Decimal("-Infinity"), None],
                "city": ["Oslo", None, "Lima"],
            }
        ),
    ],
)
def test_infinite_values_are_named_in_the_error(frame):
    with pytest.raises(ValueError, match="column 'age' holds infinite values"):
        MeanImputer().fit(frame)


def test_transform_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError):
        TransformerImputer().transform(np.zeros((2, 2)))


def test_wrong_number_of_columns_at_transform():
    imputer = MeanImputer().fit(np.array([[1.0, 2.0], [np.nan, 3.0]]))
    with pytest.raises(ValueError, match="features"):
        imputer.transform(np.zeros((2, 3)))


def test_heads_must_divide_the_model_width():
    with pytest.raises(ValueError, match="d_model=30 must be a multiple of n_heads=4"):
        TransformerImputer(d_model=30).fit(np.array([[1.0, 2.0], [np.nan, 3.0]]))


@pytest.mark.parametrize(
    "params",
    [{"masking": "sometimes"}, {"mask_rate": 1.5}, {"scaling": "minmax"}, {"max_epochs": 0}],
)
def test_invalid_parameters_are_rejected_at_fit(params):
    with pytest.raises(ValueError, match=next(iter(params))):
        TransformerImputer(**params).fit(np.array([[1.0, 2.0], [np.nan, 3.0]]))


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_asking_for_a_missing_gpu_says_so():
    with pytest.raises(ValueError, match="asks for a CUDA GPU and none is available"):
        TransformerImputer(device="cuda").fit(np.array([[1.0, 2.0], [np.nan, 3.0], [2.0, 1.0]]))
