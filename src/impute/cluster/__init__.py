"""Scale-out on Dask: a client for a local cluster or an existing scheduler, and filling a
``dask.dataframe.DataFrame`` lazily with a fitted imputer.

Dask is an optional extra (``pip install "impute[dask]"``); importing this package does not
import Dask, and every function that needs it says which extra to install when it is missing.
"""

from ._client import DASK_EXTRA, dask_client, require_dask
from ._frames import fill_dataframe

__all__ = ["DASK_EXTRA", "dask_client", "fill_dataframe", "require_dask"]
