"""Files: tables read and written (CSV, TSV, Parquet, streamed in record batches, written
atomically), folders or globs of them read as one dataset (``TableDataset``), the columns of a
data file (``TableSchema``), and model files that load without running code.
"""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
