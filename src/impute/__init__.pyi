# The names of impute, for type checkers and editors; ``__init__.py`` imports each
# from the module named here when it is first used (``impute._lazy``).

from . import datasets, plots
from .cli import (
    describe_file,
    evaluate_file,
    evaluate_series_file,
    fill_dataset,
    fill_file,
    fill_series_file,
    fit_file,
    fit_series_file,
)
from .core import DataError, ModelFileError
from .evaluation import (
    ampute,
    evaluate,
    evaluate_frame,
    evaluate_series,
    mae,
    minmax_scale,
    mre,
    rmse,
)
from .io import load_model, save_model
from .pooling import PooledEstimate, pool
from .series import SeriesBaselineImputer, SeriesLayout, TimeSeriesImputer, series_layout
from .tabular import MeanImputer, TransformerImputer

__all__ = [
    "DataError",
    "MeanImputer",
    "ModelFileError",
    "PooledEstimate",
    "SeriesBaselineImputer",
    "SeriesLayout",
    "TimeSeriesImputer",
    "TransformerImputer",
    "ampute",
    "datasets",
    "describe_file",
    "evaluate",
    "evaluate_file",
    "evaluate_frame",
    "evaluate_series",
    "evaluate_series_file",
    "fill_dataset",
    "fill_file",
    "fill_series_file",
    "fit_file",
    "fit_series_file",
    "load_model",
    "mae",
    "minmax_scale",
    "mre",
    "plots",
    "pool",
    "rmse",
    "save_model",
    "series_layout",
]
