"""Missing-data imputation with a dynamically masked Transformer.

Everything a user needs is named here (``__all__``): the estimators, the model files, the file
jobs behind the command line, and the evaluation protocol; ``impute.datasets`` holds the bundled
sample tables and ``impute.plots`` the figures. The subpackages behind them:

- ``core``: what both model families share (errors, device, column kinds, masks, training loop);
- ``tabular`` and ``series``: the two families, each a network, its training and its estimators;
- ``evaluation``: hiding cells on purpose and scoring the fills (and the draws);
- ``pooling``: Rubin's rules, for an analysis repeated on every draw;
- ``io``: data files and datasets (folders of files), their column schema, and model files;
- ``cluster``: Dask, an optional extra: clusters, and filling a Dask DataFrame;
- ``cli``: the command line and the file jobs.
"""

from . import _compat, datasets, plots
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

_compat.install()

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
