"""Small public tables that ship with the package, so examples run with no download.

Each is described, with its source and licence, in the repository's ``datasets/README.md``. They
install as the data-only package ``impute.sample_data``.
"""

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["load", "names", "path"]


@dataclass(frozen=True)
class Sample:
    file: str
    target: str | None
    summary: str


SAMPLES = {
    "adult": Sample(
        "adult.csv",
        "income",
        "2,000 rows of the UCI Adult census extract: 6 numeric and 9 categorical columns, real gaps "
        "in workclass, occupation and native-country (CC BY 4.0)",
    ),
    "breast_cancer": Sample(
        "breast_cancer.csv",
        "diagnosis",
        "569 tumours x 30 continuous measurements and the diagnosis, no gaps (UCI, CC BY 4.0)",
    ),
    "worldbank_fertility": Sample(
        "worldbank_fertility.csv",
        None,
        "fertility rate of 219 countries (columns) by year 1960-2013 (rows), 13% missing "
        "(World Bank WDI, CC BY 4.0)",
    ),
}


def names():
    """Names of the bundled tables, for ``load`` and ``path``.

    Examples
    --------
    >>> from impute import datasets
    >>> datasets.names()
    ['adult', 'breast_cancer', 'worldbank_fertility']
    """
    return sorted(SAMPLES)


def _sample(name):
    if name not in SAMPLES:
        raise ValueError(f"no bundled data set named {name!r}; choose one of {', '.join(names())}")
    return SAMPLES[name]


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
    return Path(str(resources.files("impute.sample_data").joinpath(_sample(name).file)))


def load(name, *, return_target=False):
    """Read a bundled table as a DataFrame, empty cells as missing values.

    Parameters
    ----------
    name : str
        One of ``names()``: ``"adult"``, ``"breast_cancer"`` or ``"worldbank_fertility"``.
    return_target : bool, default=False
        Return ``(X, y)`` with the table's label column split off (``income`` for adult,
        ``diagnosis`` for breast_cancer) instead of the whole table; a table without a label
        raises ``ValueError``.

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
    sample = _sample(name)
    table = pd.read_csv(path(name))
    if not return_target:
        return table
    if sample.target is None:
        raise ValueError(f"the bundled data set {name!r} has no label column; call load({name!r})")
    return table.drop(columns=sample.target), table[sample.target]
