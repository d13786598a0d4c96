"""Every public class and function documents itself with a runnable example.

Public means: what ``impute`` exports, and what the modules the README lists as public
(``amputation``, ``datasets``, ``evaluation``, ``jobs``, ``plots``, ``errors``, ``series``,
``series_baselines``, ``series_evaluation``, ``series_estimator``, ``series_jobs``) name in ``__all__``.
The examples themselves run as doctests (``--doctest-modules`` in pyproject.toml).
"""

import importlib
import inspect

import pytest

PUBLIC_MODULES = ["impute", "impute.amputation", "impute.datasets", "impute.errors", "impute.evaluation",
                  "impute.jobs", "impute.plots", "impute.series", "impute.series_baselines",
                  "impute.series_evaluation", "impute.series_estimator", "impute.series_jobs"]
PUBLIC = [
    (module, name)
    for module in PUBLIC_MODULES
    for name in importlib.import_module(module).__all__
    if inspect.isclass(getattr(importlib.import_module(module), name))
    or inspect.isfunction(getattr(importlib.import_module(module), name))
]


@pytest.mark.parametrize("module, name", PUBLIC, ids=[f"{m}.{n}" for m, n in PUBLIC])
def test_public_objects_have_a_numpydoc_example(module, name):
    doc = inspect.getdoc(getattr(importlib.import_module(module), name)) or ""
    assert "Examples\n--------\n>>> " in doc, f"{module}.{name} needs an Examples section"
