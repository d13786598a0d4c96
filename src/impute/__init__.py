"""Missing-data imputation with a dynamically masked Transformer."""

from .baselines import MeanImputer
from .errors import DataError, ModelFileError
from .estimator import TransformerImputer
from .modelfile import load_model, save_model
from .series_estimator import TimeSeriesImputer

__all__ = ["DataError", "MeanImputer", "ModelFileError", "TimeSeriesImputer", "TransformerImputer", "load_model", "save_model"]
