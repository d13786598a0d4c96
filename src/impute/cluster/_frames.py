"""Filling a ``dask.dataframe.DataFrame`` partition by partition, lazily."""

from sklearn import config_context
from sklearn.utils.validation import check_is_fitted

from ..core import one_thread
from ._client import require_dask


def fill_partition(partition, imputer, names):
    """One pandas partition with the gaps of the columns ``names`` filled by ``imputer`` (with
    one torch thread, so that every worker computes the same fills); every other column, and
    every observed cell, as it was."""
    if partition.empty:
        return partition
    with config_context(transform_output="pandas"), one_thread():
        filled = imputer.transform(partition[names])
    out = partition.copy()
    out[names] = filled.set_axis(partition.index)
    return out


def fill_dataframe(imputer, frame):
    """Fill the gaps of a ``dask.dataframe.DataFrame`` with a fitted imputer, lazily.

    Each partition is filled by ``imputer.transform`` on the columns it was fitted on (its
    ``feature_names_in_``); other columns pass through, every column keeps its dtype, and
    observed cells are unchanged. The result is a Dask DataFrame with the same partitions and
    ``meta`` as ``frame``, so it composes with the rest of a Dask pipeline; nothing runs until it
    is computed or written. The imputer is one node of the graph, so a cluster sends it to each
    worker once, not with every partition. A partition's fills are those ``transform`` gives
    for its rows with one torch thread (``impute.core.one_thread``): the same on every worker,
    whatever its cores.

    Parameters
    ----------
    imputer : fitted imputer
        Fitted on a pandas DataFrame (so that it knows its columns' names), for example with
        ``TransformerImputer().fit(df)``, ``impute fit`` and ``load_model``.
    frame : dask.dataframe.DataFrame
        Holds every column the imputer was fitted on.

    Returns
    -------
    dask.dataframe.DataFrame

    Raises
    ------
    ImportError
        Without Dask (``pip install "impute[dask]"``).
    ValueError
        When the imputer was fitted without column names, or ``frame`` lacks some of them.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import numpy as np, pandas as pd
    >>> from impute import MeanImputer
    >>> from impute.cluster import fill_dataframe
    >>> df = pd.DataFrame({"x": [1.0, np.nan, 3.0, np.nan], "id": ["a", "b", "c", "d"]})
    >>> imputer = MeanImputer().fit(df[["x"]])
    >>> filled = fill_dataframe(imputer, dd.from_pandas(df, npartitions=2))
    >>> filled.compute()["x"].tolist()
    [1.0, 2.0, 3.0, 2.0]
    """
    require_dask("fill_dataframe")
    import dask

    check_is_fitted(imputer)
    names = getattr(imputer, "feature_names_in_", None)
    if names is None:
        raise ValueError(
            "the imputer was fitted without column names; fit it on a pandas DataFrame so that "
            "its columns can be found in the Dask DataFrame"
        )
    names = [str(name) for name in names]
    absent = [name for name in names if name not in frame.columns]
    if absent:
        raise ValueError(f"the Dask DataFrame lacks columns the imputer fills: {absent}")
    return frame.map_partitions(
        fill_partition, dask.delayed(imputer, pure=True), names, meta=frame._meta
    )
