"""Files: tables read and written (CSV, TSV, Parquet, streamed in record batches, written
atomically), the columns of a data file (``TableSchema``), and model files that load without
running code.
"""

from ._files import (
    FORMATS,
    STDOUT,
    TableFile,
    atomic_output,
    file_format,
    table_writer,
    write_table,
)
from ._modelfile import FORMAT_VERSION, load_model, read_model, save_model
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
    "TableFile",
    "TableSchema",
    "atomic_output",
    "count_missing",
    "file_format",
    "infer_schema",
    "load_model",
    "merge_filled",
    "missing_cells",
    "parse_column",
    "read_model",
    "save_model",
    "table_kinds",
    "table_writer",
    "write_table",
]
