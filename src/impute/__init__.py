"""Missing-data imputation with a dynamically masked Transformer."""

from .baselines import MeanImputer
from .estimator import TransformerImputer

__all__ = ["MeanImputer", "TransformerImputer"]
