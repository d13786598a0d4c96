"""Package names that import their module on first use (PEP 562), so that what needs none of the
heavy libraries (``impute --help``, a usage error) does not wait seconds for torch and
scikit-learn to load."""

import importlib
import sys


def lazy_exports(package, homes, submodules=()):
    """``(__getattr__, __dir__, __all__)`` for the package named ``package``.

    ``homes`` maps each module, relative to the package, to the names it exports; each name is
    imported from its module when first read and then kept in the package's namespace, so later
    reads cost nothing. ``submodules`` are names of modules of the package exported as they are.
    A name neither exports raises ``AttributeError``, as any missing attribute does; ``__all__``
    holds every name exported, sorted. A name exported twice raises ``ValueError``.
    """
    home = {name: module for module, names in homes.items() for name in names}
    home.update({name: f".{name}" for name in submodules})
    if len(home) != sum(map(len, homes.values())) + len(submodules):
        raise ValueError(f"{package} exports a name twice")

    def attribute(name):
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(home[name], package)
        value = module if name in submodules else getattr(module, name)
        setattr(sys.modules[package], name, value)
        return value

    def names():
        return sorted(set(vars(sys.modules[package])) | set(home))

    return attribute, names, sorted(home)
