"""What ``impute info`` says of a data file or dataset: its shape, column kinds and missing cells.

It reads the file with the io package alone, so describing data loads no model library.
"""

import numpy as np

from ..core import FIT_MAX_ROWS, MODELLED_KINDS, NA_VALUES, SAMPLE_SEED
from ..io import TableDataset, count_missing, missing_cells, open_table, table_kinds


def describe_file(
    path, *, na_values=NA_VALUES, sep=None, encoding="utf-8", max_rows=FIT_MAX_ROWS, pattern=False
):
    """Shape, column kinds and missing cells per column of a data file or dataset, and which
    numeric columns are written with a decimal comma (``"decimal_comma"``); for a dataset (a
    folder or glob) also its files and, for Parquet, its row groups.

    Missing cells are counted over the whole file, streamed; kinds are judged on a uniform
    sample of ``max_rows`` rows, as ``fit_file`` judges them. With ``pattern=True`` the result
    also holds ``"pattern"``: which cells of that sample are missing (bool ndarray, rows in file
    order x columns), for a picture of the missingness; it is read from the same sample, so the
    file is not read again.

    Examples
    --------
    >>> from impute import datasets, describe_file
    >>> described = describe_file(datasets.path("adult"))
    >>> described["rows"], described["columns"]["occupation"]
    (2000, {'kind': 'categorical', 'missing': 112, 'missing_share': 0.056})
    >>> pattern = describe_file(datasets.path("adult"), max_rows=500, pattern=True)["pattern"]
    >>> pattern.shape, int(pattern[:, 1].sum()) > 0
    ((500, 15), True)
    """
    table_file = open_table(path, sep, encoding)
    sample, _ = table_file.read(max_rows, SAMPLE_SEED)
    kinds, decimal_comma = table_kinds(sample, na_values)
    missing, rows = dict.fromkeys(table_file.column_names, 0), 0
    for batch in table_file.batches():
        rows += batch.num_rows
        for name in table_file.column_names:
            missing[name] += count_missing(batch.column(name), na_values)
    columns = {
        name: {
            "kind": kinds[name],
            "missing": missing[name],
            "missing_share": missing[name] / max(1, rows),
        }
        for name in table_file.column_names
    }
    described = {
        "source": str(path),
        "format": table_file.format,
        "delimiter": table_file.delimiter if table_file.format != "parquet" else None,
        "rows": rows,
        "columns": columns,
        "modelled": [name for name, info in columns.items() if info["kind"] in MODELLED_KINDS],
        "decimal_comma": decimal_comma,
    }
    if isinstance(table_file, TableDataset):
        described.update(table_file.describe())
    if pattern:
        cells = [missing_cells(sample.column(name), na_values) for name in table_file.column_names]
        described["pattern"] = np.column_stack(cells).reshape(sample.num_rows, len(cells))
    return described
