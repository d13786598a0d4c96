"""Missing-data imputation with a dynamically masked Transformer.

Everything a user needs is named here (``__all__``): the estimators, the model files, the file
jobs behind the command line, and the evaluation protocol; ``impute.datasets`` holds the bundled
sample tables and ``impute.plots`` the figures. Each name is imported when first used, from
where this package's stub (``__init__.pyi``) imports it (``_lazy``), so that the command line's
help and usage errors need no torch. The subpackages behind them:

- ``core``: what both model families share (errors, device, column kinds, masks, training loop);
- ``tabular`` and ``series``: the two families, each a network, its training and its estimators;
- ``evaluation``: hiding cells on purpose and scoring the fills (and the draws);
- ``pooling``: Rubin's rules, for an analysis repeated on every draw;
- ``io``: data files and datasets (folders of files), their column schema, and model files;
- ``cluster``: Dask, an optional extra: clusters, and filling a Dask DataFrame;
- ``cli``: the command line and the file jobs.
"""

from . import _compat
from ._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)

_compat.install()
