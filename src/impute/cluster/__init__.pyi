# The names of impute.cluster, for type checkers and editors; ``__init__.py`` imports each
# from the module named here when it is first used (``impute._lazy``).

from ._client import DASK_EXTRA, dask_client, require_dask
from ._frames import fill_dataframe

__all__ = ["DASK_EXTRA", "dask_client", "fill_dataframe", "require_dask"]
