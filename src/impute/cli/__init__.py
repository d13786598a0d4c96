"""The command line and the file jobs behind it.

``impute fit|fill|evaluate|info`` (``_app``: one thin function per command, options in
``_options``, reports in ``_render``) calls the file jobs, which are also the Python API for
files: ``fit_file``, ``fill_file``, ``evaluate_file`` for tables (``_jobs``), their time-series
counterparts (``_series_jobs``), which ``fit_file`` and ``fill_file`` call when given a time
column or a time-series model, ``describe_file`` for any data file (``_describe``, which loads no
model library), and ``fill_dataset`` for a folder of files, in one process or on a Dask cluster
(``_dataset_jobs``). Importing this package does not import Typer or Rich; running ``main`` does.
"""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)


def main():
    """Console-script entry point: the ``impute`` command."""
    from ._app import main as run

    run()
