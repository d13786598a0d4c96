"""Files: tables read and written (CSV, TSV, Parquet, streamed in record batches, written
atomically), folders or globs of them read as one dataset (``TableDataset``), the columns of a
data file (``TableSchema``), and model files that load without running code.
"""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "._dataset": [
            "TableDataset",
            "dataset_files",
            "dataset_root",
            "is_dataset",
            "open_table",
            "output_folder_problem",
            "row_group_pieces",
        ],
        "._files": [
            "FORMATS",
            "STDOUT",
            "TableFile",
            "atomic_output",
            "concatenate_parquet",
            "file_format",
            "parquet_batches",
            "table_writer",
            "write_table",
        ],
        "._modelfile": [
            "FORMAT_VERSION",
            "load_model",
            "model_bytes",
            "parse_model",
            "read_model",
            "save_model",
        ],
        "._schema": [
            "TableSchema",
            "count_missing",
            "infer_schema",
            "merge_filled",
            "missing_cells",
            "parse_column",
            "table_kinds",
        ],
    },
)
