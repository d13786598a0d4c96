# The names of impute.core, for type checkers and editors; ``__init__.py`` imports each
# from the module named here when it is first used (``impute._lazy``).

from ._budget import (
    BUDGETS,
    EVALUATE_MAX_ROWS,
    FIT_MAX_ROWS,
    SAMPLE_SEED,
    rows_for_width,
    series_budget,
    table_budget,
)
from ._device import one_thread, resolve_device
from ._draws import check_draw_request, draw_seed
from ._errors import DataError, ModelFileError
from ._kinds import (
    CATEGORICAL_KINDS,
    MODELLED_KINDS,
    NA_VALUES,
    NANOSECONDS,
    NUMBER,
    NUMERIC_KINDS,
    PASSED_THROUGH_KINDS,
    arrow_column_kind,
    arrow_resolution,
    as_numbers,
    categorical_positions,
    frame_column_kind,
    holds_real_numbers,
    is_text_type,
    present_text,
    text_values,
)
from ._masking import DynamicMask, StaticMask, draw_mask, draw_window_mask, make_mask
from ._network_estimator import (
    MODEL_SPACE_LIMIT,
    NETWORK_PARAMETER_CONSTRAINTS,
    NetworkImputerMixin,
)
from ._output import as_array, in_output_container, wants_frame
from ._training import (
    AdamW,
    BestEpoch,
    TrainingConfig,
    TrainingHistory,
    WeightAverage,
    epoch_printer,
    masked_mean,
    train_epochs,
)
from ._transformer import Block, NetworkConfig

__all__ = [
    "BUDGETS",
    "CATEGORICAL_KINDS",
    "EVALUATE_MAX_ROWS",
    "FIT_MAX_ROWS",
    "MODELLED_KINDS",
    "MODEL_SPACE_LIMIT",
    "NANOSECONDS",
    "NA_VALUES",
    "NETWORK_PARAMETER_CONSTRAINTS",
    "NUMBER",
    "NUMERIC_KINDS",
    "PASSED_THROUGH_KINDS",
    "SAMPLE_SEED",
    "AdamW",
    "BestEpoch",
    "Block",
    "DataError",
    "DynamicMask",
    "ModelFileError",
    "NetworkConfig",
    "NetworkImputerMixin",
    "StaticMask",
    "TrainingConfig",
    "TrainingHistory",
    "WeightAverage",
    "arrow_column_kind",
    "arrow_resolution",
    "as_array",
    "as_numbers",
    "categorical_positions",
    "check_draw_request",
    "draw_mask",
    "draw_seed",
    "draw_window_mask",
    "epoch_printer",
    "frame_column_kind",
    "holds_real_numbers",
    "in_output_container",
    "is_text_type",
    "make_mask",
    "masked_mean",
    "one_thread",
    "present_text",
    "resolve_device",
    "rows_for_width",
    "series_budget",
    "table_budget",
    "text_values",
    "train_epochs",
    "wants_frame",
]
