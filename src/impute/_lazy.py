"""Package names that import their module on first use (PEP 562), so that what needs none of the
heavy libraries (``impute --help``, a usage error) does not wait seconds for torch and
scikit-learn to load.

A package lists its names once, as plain imports in its stub (``__init__.pyi``), which type
checkers and editors read as they would the imports themselves; ``lazy_exports`` reads the same
stub to know where each name lives.
"""

import ast
import importlib
import sys
from pathlib import Path


def lazy_exports(package, init_file):
    """``(__getattr__, __dir__, __all__)`` for the package named ``package``, whose
    ``__init__.py`` is ``init_file``, from the stub beside it.

    Each ``from .module import name`` of the stub makes ``name`` imported from that module when
    first read, then kept in the package's namespace, so later reads cost nothing; ``from .
    import module`` exports a module of the package as it is. ``__all__`` is the stub's. A name
    imported twice raises ``ValueError``; a name nowhere raises ``AttributeError``, as any
    missing attribute does.
    """
    stub = ast.parse(Path(init_file).with_suffix(".pyi").read_text())
    home, exported = {}, []
    for node in stub.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in home:
                    raise ValueError(f"{package} exports {alias.name} twice")
                home[alias.name] = "." + (node.module or alias.name)
        elif isinstance(node, ast.Assign) and node.targets[0].id == "__all__":
            exported = ast.literal_eval(node.value)

    def attribute(name):
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(home[name], package)
        value = module if home[name] == f".{name}" else getattr(module, name)
        setattr(sys.modules[package], name, value)
        return value

    def names():
        return sorted(set(vars(sys.modules[package])) | set(home))

    return attribute, names, exported
