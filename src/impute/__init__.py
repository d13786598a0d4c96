"""Missing-data imputation with a dynamically masked Transformer."""

from .baselines import MeanImputer
from .errors import DataError, ModelFileError
from .estimator import TransformerImputer
from .modelfile import load_model, save_model

__all__ = ["DataError", "MeanImputer", "ModelFileError", "TransformerImputer", "load_model", "save_model"]
