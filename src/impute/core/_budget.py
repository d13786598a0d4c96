"""How much training a fit gets: its ``budget``, and ``max_epochs`` and ``batch_size`` when "auto".

A table is trained in batches of rows, a time series in batches of windows; both families size
their steps and their epochs here, so that the budget of a fit is set in one place. The rows a
fit or an evaluation reads from a file (``FIT_MAX_ROWS``, ``EVALUATE_MAX_ROWS``, drawn with
``SAMPLE_SEED``) are set here too.
"""

import math

import numpy as np

BUDGETS = {"fast": 1.0, "thorough": 6.0}  # the budget parameter's names, as multiples of "fast"

BATCH_ROWS = 64  # rows per step: the cost of a step grows with its rows, so small steps learn most
TABLE_EPOCHS = 30  # validation rounds of a table's fit: an epoch is a thirtieth of its steps
PASSES = 45  # passes over a table of up to REFERENCE_ROWS rows in a "fast" fit
REFERENCE_ROWS = 2_000
ROWS_CAP = 20_000  # rows beyond which a table gets no more steps
WIDE = 64  # columns beyond which each row's work is spread thinner (fewer steps, rows, checks)
FIT_MAX_ROWS = 100_000  # rows a fit from a file reads; a longer file gives a fixed sample
EVALUATE_MAX_ROWS = 5_000  # rows an evaluation of a file hides cells in and scores
SAMPLE_SEED = 0  # draws the rows of files longer than those, so a file always gives one sample

BATCH_TOKENS = 16_384  # cells per time-series step: 32 windows of 48 steps of 11 features
MAX_BATCH_WINDOWS = 64
STEP_BUDGET = 1_600  # optimizer steps that "auto" epochs allow a time series
MIN_SERIES_EPOCHS, MAX_SERIES_EPOCHS = 4, 300
MIN_STEPS_PER_SERIES_EPOCH = 16


def budget_scale(budget):
    """The ``budget`` parameter as a multiple of the ``"fast"`` budget."""
    return BUDGETS[budget] if isinstance(budget, str) else float(budget)


def rows_for_width(rows, n_features):
    """How many of ``rows`` rows a table of ``n_features`` columns works on: all of them up to
    64 columns, and beyond that as many as hold the cells 64 columns would, since a step's cost
    grows with the cells of its rows."""
    return max(1, int(rows * min(1.0, WIDE / max(n_features, 1))))


def table_budget(n_rows, budget="fast", max_epochs="auto", batch_size="auto", n_features=1):
    """``(epochs, steps_per_epoch, batch_size)`` for a table of ``n_rows`` training rows.

    A fit is counted in optimizer steps, sized by the information in the table rather than its
    row count: 45 passes over a table of up to 2,000 rows in batches of 64 (``"fast"``), then
    steps growing with the square root of the rows up to 20,000 rows and no further, so that a
    million rows cost what 20,000 do. Beyond 64 columns the steps fall as the columns grow
    (``rows_for_width``). ``budget`` multiplies that (``"thorough"``: 6x). The steps are split
    into 30 epochs, each ending with a validation; ``max_epochs`` sets how many epochs run
    instead.

    Examples
    --------
    >>> from impute.core import table_budget
    >>> table_budget(2_000), table_budget(569), table_budget(1_000_000)
    ((30, 47, 64), (30, 14, 64), (30, 149, 64))
    >>> table_budget(2_000, "thorough"), table_budget(400, max_epochs=4, batch_size=32)
    ((30, 282, 64), (4, 19, 32))
    """
    batch = min(BATCH_ROWS, n_rows) if batch_size == "auto" else batch_size
    more = math.sqrt(max(1.0, min(n_rows, ROWS_CAP) / REFERENCE_ROWS))
    rows = rows_for_width(min(n_rows, REFERENCE_ROWS) * more, n_features)
    steps = budget_scale(budget) * PASSES * rows / batch
    steps_per_epoch = max(1, math.ceil(steps / TABLE_EPOCHS))
    return (TABLE_EPOCHS if max_epochs == "auto" else max_epochs), steps_per_epoch, batch


def series_budget(n_steps, window, n_features, budget="fast", max_epochs="auto", batch_size="auto"):
    """``(max_epochs, batch_size, windows_per_epoch)`` for series of ``n_steps`` steps in all.

    An epoch draws as many windows as cover the data once, and at least 16 batches. ``"auto"``
    batches hold about 16,384 cells (at most 64 windows); ``"auto"`` epochs allow about 1,600
    optimizer steps times ``budget``'s multiple, between 4 and 300 epochs times that multiple
    (so that ``"thorough"`` trains six times as long on a short series too).

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
        scale = budget_scale(budget)
        most = max(MIN_SERIES_EPOCHS, MAX_SERIES_EPOCHS * scale)
        max_epochs = int(np.clip(scale * STEP_BUDGET // steps_per_epoch, MIN_SERIES_EPOCHS, most))
    return max_epochs, batch_size, windows_per_epoch
