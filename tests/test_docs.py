"""Every public class and function documents itself with a runnable example.

Public means: what ``impute`` exports in ``__all__``, and what its public modules,
``impute.cluster``, ``impute.datasets`` and ``impute.plots``, name in theirs. The examples
themselves run as doctests (``--doctest-modules`` in pyproject.toml).
"""

import importlib
import inspect

import pytest

import impute

PUBLIC_MODULES = ["impute", "impute.cluster", "impute.datasets", "impute.plots"]
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


def test_the_public_names_are_exported_and_nothing_private_is():
    assert all(hasattr(impute, name) for name in impute.__all__)
    assert not [name for name in impute.__all__ if name.startswith("_")]
    assert {
        "TransformerImputer",
        "MeanImputer",
        "TimeSeriesImputer",
        "SeriesBaselineImputer",
    } <= set(impute.__all__)
