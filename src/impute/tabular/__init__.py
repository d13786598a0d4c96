"""Imputers of tables: the masked Transformer (``TransformerImputer``) and ``MeanImputer``.

The estimators share ``BaseImputer``, the scikit-learn contract for tables. A table's columns are
encoded into the network's space (``_encoding``), the network attends across the columns of a row
(``_network``), training hides observed cells and learns to recover them (``_training``), and
two fitted hints correct the network's numeric fills (``_hints``, with the normal of ``_normal``).
"""

from ._base import BaseImputer
from ._baselines import MeanImputer
from ._estimator import TransformerImputer
from ._hints import GaussianHint, NeighbourHint

__all__ = ["BaseImputer", "GaussianHint", "MeanImputer", "NeighbourHint", "TransformerImputer"]
