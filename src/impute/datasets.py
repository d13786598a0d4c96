"""Small public tables that ship with the package, so examples run with no download.

Each is described, with its source and licence, in the repository's ``sample_data/README.md``.
They install as the data-only package ``impute.sample_data``.
"""

from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["load", "names", "path"]

# Each bundled table is NAME.csv; its label column, if it has one (descriptions:
# sample_data/README.md).
TARGETS = {
    "adult": "income",
    "breast_cancer": "diagnosis",
    "diamonds": "price",
    "worldbank_fertility": None,
}


def names():
    """Names of the bundled tables, for ``load`` and ``path``.

    Examples
    --------
    >>> from impute import datasets
    >>> datasets.names()
    ['adult', 'breast_cancer', 'diamonds', 'worldbank_fertility']
    """
    return sorted(TARGETS)


def _known(name):
    if name not in TARGETS:
        raise ValueError(f"no bundled data set named {name!r}; choose one of {', '.join(names())}")
    return name


def path(name):
    """Path of a bundled table's CSV file, to hand to the command line or another reader.

    Parameters
    ----------
    name : str
        One of ``names()``.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> from impute import datasets
    >>> datasets.path("breast_cancer").name
    'breast_cancer.csv'
    """
    return Path(str(resources.files("impute.sample_data").joinpath(f"{_known(name)}.csv")))


def load(name, *, return_target=False):
    """Read a bundled table as a DataFrame, empty cells as missing values.

    Parameters
    ----------
    name : str
        One of ``names()``: ``"adult"``, ``"breast_cancer"``, ``"diamonds"`` or
        ``"worldbank_fertility"``.
    return_target : bool, default=False
        Return ``(X, y)`` with the table's label column split off (``income`` for adult,
        ``diagnosis`` for breast_cancer, ``price`` for diamonds) instead of the whole table; a
        table without a label raises ``ValueError``.

    Returns
    -------
    DataFrame, or (DataFrame, Series) when ``return_target`` is True.

    Examples
    --------
    >>> from impute import datasets
    >>> X, y = datasets.load("adult", return_target=True)
    >>> X.shape, y.name
    ((2000, 14), 'income')
    >>> int(X["occupation"].isna().sum())
    112
    """
    table = pd.read_csv(path(name))
    target = TARGETS[name]
    if not return_target:
        return table
    if target is None:
        raise ValueError(f"the bundled data set {name!r} has no label column; call load({name!r})")
    return table.drop(columns=target), table[target]
