"""The Dask extra and its client: a new ``LocalCluster`` of worker processes, or an existing
cluster's scheduler."""

import logging
from contextlib import contextmanager

DASK_EXTRA = 'pip install "impute[dask]"'
# Connecting to a scheduler that does not answer fails after this many seconds, not the default
# thirty, so that a mistyped address is reported promptly.
CONNECT_TIMEOUT_S = 10
# Dask starts its workers with MALLOC_TRIM_THRESHOLD_=65536, which also fixes glibc's mmap
# threshold: every large array a fill allocates is then mapped and unmapped afresh, and filling
# takes twice as long (docs/scale-out.md). A local cluster's workers start without it.
TRIM_SETTING = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
# A local cluster's workers log errors only: their routine lines (a task cancelled after Ctrl-C,
# a worker restarting) would otherwise interleave with the command's own messages.
QUIET_WORKERS = "distributed.nanny.pre-spawn-environ.DASK_LOGGING__DISTRIBUTED"


def require_dask(what="this"):
    """Import Dask's DataFrame and ``distributed``, or raise ``ImportError`` naming the extra
    and saying what (``what``) needed it.

    Examples
    --------
    >>> from impute.cluster import require_dask
    >>> require_dask("--engine dask")  # silent where the dask extra is installed
    """
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
    processes (default: one per core) with one thread each, closed on exit.

    Examples
    --------
    >>> from impute.cluster import dask_client
    >>> with dask_client(workers=1) as client:
    ...     client.submit(sum, [1, 2]).result()
    3
    """
    require_dask()
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler, timeout=CONNECT_TIMEOUT_S) as client:
            yield client
        return
    # The cluster's own progress lines (workers starting, stopping) are not the user's business.
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with (
        dask.config.set({TRIM_SETTING: None, QUIET_WORKERS: "error"}),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: two runs at once do not collide
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
