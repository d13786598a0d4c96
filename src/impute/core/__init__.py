"""The shared core both model families (``tabular``, ``series``) are built on.

One home for each piece they share: the errors a user can act on, the device, the column-kind
authority, the mask samplers, the Transformer block, the training loop's shared parts (epochs,
weight averaging, early stopping, the budget of ``"auto"`` epochs and batches) and what a network
estimator keeps and saves. Nothing here imports from the rest of the package but the lazy exports
(``impute._lazy``). Users import from ``impute``; this package is the families' API.
"""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "._budget": [
            "BUDGETS",
            "EVALUATE_MAX_ROWS",
            "FIT_MAX_ROWS",
            "SAMPLE_SEED",
            "rows_for_width",
            "series_budget",
            "table_budget",
        ],
        "._device": ["one_thread", "resolve_device"],
        "._draws": ["check_draw_request", "draw_seed"],
        "._errors": ["DataError", "ModelFileError"],
        "._kinds": [
            "CATEGORICAL_KINDS",
            "MODELLED_KINDS",
            "NA_VALUES",
            "NANOSECONDS",
            "NUMBER",
            "NUMERIC_KINDS",
            "PASSED_THROUGH_KINDS",
            "arrow_column_kind",
            "arrow_resolution",
            "as_numbers",
            "categorical_positions",
            "frame_column_kind",
            "holds_real_numbers",
            "is_text_type",
            "present_text",
            "text_values",
        ],
        "._masking": ["DynamicMask", "StaticMask", "draw_mask", "draw_window_mask", "make_mask"],
        "._network_estimator": [
            "MODEL_SPACE_LIMIT",
            "NETWORK_PARAMETER_CONSTRAINTS",
            "NetworkImputerMixin",
        ],
        "._output": ["as_array", "in_output_container", "wants_frame"],
        "._training": [
            "AdamW",
            "BestEpoch",
            "TrainingConfig",
            "TrainingHistory",
            "WeightAverage",
            "epoch_printer",
            "masked_mean",
            "train_epochs",
        ],
        "._transformer": ["Block", "NetworkConfig"],
    },
)
