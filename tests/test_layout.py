"""The package's layout: private modules behind subpackages, imports that go one way, no cycles."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "impute"
LAYERS = {
    "_lazy": 0,  # lazy_exports, which every package imports
    "core": 0,
    "datasets": 0,
    "pooling": 0,
    "tabular": 1,
    "series": 1,
    "evaluation": 2,
    "io": 3,
    "cluster": 4,
    "plots": 4,
    "cli": 5,
}
TOP = 6  # impute/__init__.py, __main__.py, _compat.py


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path):
    """The modules of this package that ``path`` imports, as dotted names; for a package, also
    those of its stub (``__init__.pyi``), which lists the imports its ``__init__.py`` makes on
    first use (``_lazy``)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    stub = path.with_suffix(".pyi")
    source = path.read_text() + ("\n" + stub.read_text() if stub.exists() else "")
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if node.module is None:  # from .. import plots
                found.update(f"{target}.{alias.name}" for alias in node.names)
            elif target == "impute" or target.startswith("impute."):
                found.add(target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("impute"))
    return found


def layer(name):
    parts = name.split(".")
    return TOP if len(parts) == 1 or parts[1] not in LAYERS else LAYERS[parts[1]]


MODULES = {module_name(path): imported_modules(path) for path in PACKAGE.rglob("*.py")}


def test_subpackages_keep_their_modules_private():
    public = [
        name
        for name in MODULES
        if name.count(".") == 2 and not name.rsplit(".", 1)[1].startswith("_")
    ]
    assert public == []


def test_imports_go_from_the_command_line_down_to_the_core_and_the_families_stay_apart():
    upward = [
        (name, target)
        for name, targets in MODULES.items()
        for target in targets
        if layer(target) > layer(name)
        or (layer(name) == layer(target) == 1 and name.split(".")[1] != target.split(".")[1])
    ]
    assert upward == []


def test_the_import_graph_has_no_cycle():
    def package_of(name):
        return ".".join(name.split(".")[:2])

    graph = {}
    for name, targets in MODULES.items():
        graph.setdefault(package_of(name), set()).update(
            package_of(t) for t in targets if package_of(t) != package_of(name)
        )
    graph.pop("impute", None)  # the top level imports everything and nothing imports it back
    done, active = set(), []

    def visit(node):
        assert node not in active, f"import cycle: {' -> '.join([*active, node])}"
        if node in done:
            return
        active.append(node)
        for target in graph.get(node, ()):
            visit(target)
        active.pop()
        done.add(node)

    for node in graph:
        visit(node)
