"""The shared core both model families (``tabular``, ``series``) are built on.

One home for each piece they share: the errors a user can act on, the device, the column-kind
authority, the mask samplers, the Transformer block, the training loop's shared parts (epochs,
weight averaging, early stopping, the budget of ``"auto"`` epochs and batches) and what a network
estimator keeps and saves. Nothing here imports from the rest of the package but the lazy exports
(``impute._lazy``). Users import from ``impute``; this package is the families' API.
"""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
