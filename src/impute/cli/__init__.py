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

__getattr__, __dir__, exported = lazy_exports(
    __name__,
    {
        "._common": ["FitResult"],
        "._dataset_jobs": ["fill_dataset"],
        "._describe": ["describe_file"],
        "._jobs": ["evaluate_file", "fill_file", "fit_file"],
        "._methods": ["METHODS", "SERIES_METHODS", "TRAINED", "make_imputer", "parse_params"],
        "._series_jobs": ["evaluate_series_file", "fill_series_file", "fit_series_file"],
    },
)


def main():
    """Console-script entry point: the ``impute`` command."""
    from ._app import main as run

    run()


__all__ = [*exported, "main"]
