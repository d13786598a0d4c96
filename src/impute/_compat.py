"""The module paths of the flat layout before 0.2, kept importable for code written against them.

``impute.jobs``, ``impute.amputation`` and the other modules that held public names now live in
subpackages; importing an old path gives the subpackage that holds its names, with a
``FutureWarning`` that names the new place.
"""

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

MOVED = {
    "impute.amputation": "impute.evaluation",
    "impute.errors": "impute.core",
    "impute.jobs": "impute.cli",
    "impute.series_baselines": "impute.series",
    "impute.series_estimator": "impute.series",
    "impute.series_evaluation": "impute.evaluation",
    "impute.series_jobs": "impute.cli",
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name not in MOVED:
            return None
        return importlib.util.spec_from_loader(name, self)

    def create_module(self, spec):
        warnings.warn(
            f"{spec.name} moved to {MOVED[spec.name]}; import its names from impute (or "
            f"{MOVED[spec.name]}); the old path will be removed in a later release",
            FutureWarning,
            stacklevel=2,
        )
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module):
        """The module is the subpackage, already imported."""


def install():
    """Make the old module paths importable (once per process)."""
    if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
        sys.meta_path.append(_MovedModules())
