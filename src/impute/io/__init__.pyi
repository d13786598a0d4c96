# The names of impute.io, for type checkers and editors; ``__init__.py`` imports each
# from the module named here when it is first used (``impute._lazy``).

from ._dataset import (
    TableDataset,
    dataset_files,
    dataset_root,
    is_dataset,
    open_table,
    output_folder_problem,
    row_group_pieces,
)
from ._files import (
    FORMATS,
    STDOUT,
    TableFile,
    atomic_output,
    concatenate_parquet,
    file_format,
    parquet_batches,
    table_writer,
    write_table,
)
from ._modelfile import (
    FORMAT_VERSION,
    load_model,
    model_bytes,
    parse_model,
    read_model,
    save_model,
)
from ._schema import (
    TableSchema,
    count_missing,
    infer_schema,
    merge_filled,
    missing_cells,
    parse_column,
    table_kinds,
)

__all__ = [
    "FORMATS",
    "FORMAT_VERSION",
    "STDOUT",
    "TableDataset",
    "TableFile",
    "TableSchema",
    "atomic_output",
    "concatenate_parquet",
    "count_missing",
    "dataset_files",
    "dataset_root",
    "file_format",
    "infer_schema",
    "is_dataset",
    "load_model",
    "merge_filled",
    "missing_cells",
    "model_bytes",
    "open_table",
    "output_folder_problem",
    "parquet_batches",
    "parse_column",
    "parse_model",
    "read_model",
    "row_group_pieces",
    "save_model",
    "table_kinds",
    "table_writer",
    "write_table",
]
