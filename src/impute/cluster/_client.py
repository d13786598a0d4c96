"""The Dask extra and its client: a new ``LocalCluster`` of worker processes, or an existing
cluster's scheduler."""

import logging
from contextlib import contextmanager

DASK_EXTRA = 'pip install "impute[dask]"'
# Connecting to a scheduler that does not answer fails after this many seconds, not the default
# thirty, so that a mistyped address is reported promptly.
CONNECT_TIMEOUT_S = 10


def require_dask(what="this"):
    """Import Dask's DataFrame and ``distributed``, or raise ``ImportError`` naming the extra."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as error:
        raise ImportError(
            f"{what} needs Dask with distributed ({error.name} is not installed): {DASK_EXTRA}"
        ) from None


@contextmanager
def dask_client(workers=None, scheduler=None):
    """Yield a ``distributed.Client``: connected to ``scheduler`` (an address such as
    ``tcp://10.0.0.5:8786``) when given, otherwise on a new ``LocalCluster`` of ``workers``
    processes (default: one per core) with one thread each, closed on exit."""
    require_dask()
    from distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler, timeout=CONNECT_TIMEOUT_S) as client:
            yield client
        return
    # The cluster's own progress lines (workers starting, stopping) are not the user's business.
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
