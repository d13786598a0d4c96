# The names of impute.cli, for type checkers and editors; ``__init__.py`` imports each
# from the module named here when it is first used (``impute._lazy``).

from ._common import FitResult
from ._dataset_jobs import fill_dataset
from ._describe import describe_file
from ._jobs import evaluate_file, fill_file, fit_file
from ._methods import METHODS, SERIES_METHODS, TRAINED, make_imputer, parse_params
from ._series_jobs import evaluate_series_file, fill_series_file, fit_series_file

def main() -> None: ...

__all__ = [
    "METHODS",
    "SERIES_METHODS",
    "TRAINED",
    "FitResult",
    "describe_file",
    "evaluate_file",
    "evaluate_series_file",
    "fill_dataset",
    "fill_file",
    "fill_series_file",
    "fit_file",
    "fit_series_file",
    "main",
    "make_imputer",
    "parse_params",
]
