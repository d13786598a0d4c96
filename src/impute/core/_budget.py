"""How much training a fit gets when its ``max_epochs`` and ``batch_size`` are ``"auto"``.

A table is trained in batches of rows, a time series in batches of windows; both families size
their steps and their epochs here, so that the budget of a fit is set in one place.
"""

import numpy as np

EPOCH_ROW_BUDGET = 600_000  # rows seen in training: 100 epochs of 6,000 rows, 300 of 2,000
MIN_TABLE_EPOCHS, MAX_TABLE_EPOCHS = 100, 300
MAX_BATCH_ROWS, MIN_BATCH_ROWS, MIN_STEPS_PER_TABLE_EPOCH = 256, 16, 16

BATCH_TOKENS = 16_384  # cells per time-series step: 32 windows of 48 steps of 11 features
MAX_BATCH_WINDOWS = 64
STEP_BUDGET = 1_600  # optimizer steps that "auto" epochs allow a time series
MIN_SERIES_EPOCHS, MAX_SERIES_EPOCHS = 4, 300
MIN_STEPS_PER_SERIES_EPOCH = 16


def table_budget(n_rows, max_epochs="auto", batch_size="auto"):
    """``(max_epochs, batch_size)`` for a table of ``n_rows`` training rows.

    ``"auto"`` epochs give small tables more passes, since an epoch of a small table is only
    about 16 optimizer steps: ``min(300, max(100, 600_000 / n_rows))``. ``"auto"`` batches hold
    ``n_rows / 16`` rows, at least 16 and at most 256.

    Examples
    --------
    >>> from impute.core import table_budget
    >>> table_budget(569), table_budget(20_000), table_budget(20_000, 5, 64)
    ((300, 36), (100, 256), (5, 64))
    """
    if max_epochs == "auto":
        max_epochs = int(
            min(MAX_TABLE_EPOCHS, max(MIN_TABLE_EPOCHS, EPOCH_ROW_BUDGET // max(n_rows, 1)))
        )
    if batch_size == "auto":
        batch_size = int(
            min(MAX_BATCH_ROWS, max(MIN_BATCH_ROWS, -(-n_rows // MIN_STEPS_PER_TABLE_EPOCH)))
        )
    return max_epochs, batch_size


def series_budget(n_steps, window, n_features, max_epochs="auto", batch_size="auto"):
    """``(max_epochs, batch_size, windows_per_epoch)`` for series of ``n_steps`` steps in all.

    An epoch draws as many windows as cover the data once, and at least 16 batches. ``"auto"``
    batches hold about 16,384 cells (at most 64 windows); ``"auto"`` epochs allow about 1,600
    optimizer steps, between 4 and 300 epochs.

    Examples
    --------
    >>> from impute.core import series_budget
    >>> series_budget(17_420, 96, 7)  # ETTh1: one series of 17,420 hours, 7 features
    (100, 24, 384)
    """
    if batch_size == "auto":
        batch_size = int(min(MAX_BATCH_WINDOWS, max(1, BATCH_TOKENS // (window * n_features))))
    windows_per_epoch = max(-(-n_steps // window), MIN_STEPS_PER_SERIES_EPOCH * batch_size)
    if max_epochs == "auto":
        steps_per_epoch = -(-windows_per_epoch // batch_size)
        max_epochs = int(
            np.clip(STEP_BUDGET // steps_per_epoch, MIN_SERIES_EPOCHS, MAX_SERIES_EPOCHS)
        )
    return max_epochs, batch_size, windows_per_epoch
