"""The container a filled table comes back in: the one rule both families follow.

As in scikit-learn, ``set_output`` decides: by default an ndarray, with
``set_output(transform="pandas")`` (or scikit-learn's global ``transform_output``) a DataFrame,
every column's dtype kept. The filled values are the same in both; only the container differs.
"""

import numpy as np
from pandas.api.types import is_bool_dtype
from sklearn.utils._set_output import _get_output_config

from ._kinds import holds_real_numbers


def as_array(frame):
    """A filled table as scikit-learn's default container: floats when every column holds real
    numbers or flags (nullable and Arrow ones included, gaps as NaN), objects otherwise."""
    columns = [frame.iloc[:, j] for j in range(frame.shape[1])]
    if all(is_bool_dtype(column.dtype) or holds_real_numbers(column) for column in columns):
        return frame.to_numpy(dtype=np.float64, na_value=np.nan)
    return frame.to_numpy(dtype=object)


def wants_frame(estimator):
    """Whether ``estimator``'s ``set_output`` (or scikit-learn's configuration) asks for a
    DataFrame rather than the default ndarray."""
    return _get_output_config("transform", estimator)["dense"] != "default"


def in_output_container(estimator, frame):
    """``frame`` (a filled DataFrame) in the container ``estimator``'s ``set_output`` asks for."""
    return frame if wants_frame(estimator) else as_array(frame)
