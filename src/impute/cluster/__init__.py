"""Scale-out on Dask: a client for a local cluster or an existing scheduler, and filling a
``dask.dataframe.DataFrame`` lazily with a fitted imputer.

Dask is an optional extra (``pip install "impute[dask]"``); importing this package does not
import Dask, and every function that needs it says which extra to install when it is missing.
"""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
