"""Datasets: a folder (or a glob such as ``sales/*.parquet``) of Parquet, CSV or TSV files read
as one table.

The files are found as ``pyarrow.dataset`` finds them: every data file below the folder, in
sorted order, except below names starting with ``.`` or ``_`` (partial outputs, ``_SUCCESS``
markers). They
must share one format and the same columns; Parquet column types are unified as
``pyarrow.dataset`` would (an int64 column in one file and a double in another read as double).
Hive partition keys in folder names (``year=2024/``) are not read as columns.

A ``TableDataset`` offers what a ``TableFile`` offers (``column_names``, ``batches()``,
``read(max_rows)``), so the jobs that describe, fit and evaluate a file take a dataset as well;
filling keeps one output file per input file.
"""

import glob
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.fs as pa_fs
import pyarrow.parquet as pq

from ..core import DataError
from ._files import FORMATS, TableFile, parquet_batches, sample_batches

GLOB_CHARACTERS = "*?["
# what pyarrow.dataset leaves out of a folder: hidden files and folders, and markers (_SUCCESS)
IGNORED_PREFIXES = (".", "_")
# A sample is read from at least this many row groups (all of them when fewer), so that a
# dataset written in order (by time, by region) is not learned from one stretch of it.
MIN_SAMPLED_GROUPS = 32


def is_dataset(path):
    """Whether ``path`` names a dataset (a folder or a glob) rather than one file."""
    return Path(path).is_dir() or any(character in str(path) for character in GLOB_CHARACTERS)


def dataset_root(path):
    """The folder of a dataset: ``path`` itself, or the folder a glob's fixed part names (the
    outputs of a fill keep the files' paths relative to it)."""
    if Path(path).is_dir():
        return Path(path)
    fixed = Path(re.split(f"[{re.escape(GLOB_CHARACTERS)}]", str(path))[0])
    return fixed if fixed.is_dir() else fixed.parent


def dataset_files(path):
    """The folder of the dataset ``path`` (a folder or glob) and its data files, sorted, as
    ``pyarrow.dataset`` lists them; refuses, naming ``path``, when there are none."""
    text, root = str(path), dataset_root(path)
    if Path(text).is_dir():
        selector = pa_fs.FileSelector(str(root.resolve()), recursive=True)
        listed = pa_fs.LocalFileSystem().get_file_info(selector)
        relative = [
            Path(info.path).relative_to(root.resolve())
            for info in listed
            if info.type == pa_fs.FileType.File
        ]
        found = [
            root / name
            for name in relative
            if not any(part.startswith(IGNORED_PREFIXES) for part in name.parts)
        ]
    else:
        found = [
            Path(name)
            for name in glob.glob(text, recursive=True)
            if Path(name).is_file() and not Path(name).name.startswith(IGNORED_PREFIXES)
        ]
    files = sorted(name for name in found if name.suffix.lower() in FORMATS)
    if not files:
        known = ", ".join(sorted(FORMATS))
        raise DataError(f"{path}: no data files ({known}) found; check the folder or the pattern")
    return root, files


@dataclass(frozen=True)
class TableDataset:
    """A folder or glob of data files read as one table: its root folder, its files, their
    format, delimiter and columns, and (Parquet) their unified Arrow schema and row groups.

    Use ``TableDataset.open(path)``, which lists the files, reads every header or footer (not the
    data) and checks that they agree.
    """

    path: str
    root: Path
    files: tuple
    format: str
    delimiter: str
    column_names: tuple
    schema: pa.Schema | None
    encoding: str = "utf-8"
    groups: tuple = ()  # Parquet: every row group as (file, index in file, rows), from the footers

    @classmethod
    def open(cls, path, sep=None, encoding="utf-8"):
        root, files = dataset_files(path)
        tables = [TableFile.open(name, sep, encoding) for name in files]
        formats = sorted({table.format for table in tables})
        if len(formats) > 1:
            raise DataError(
                f"{path}: the files mix formats ({', '.join(formats)}); keep one format per folder"
            )
        first = tables[0]
        for table in tables[1:]:
            if set(table.column_names) != set(first.column_names):
                lacks = sorted(set(first.column_names) - set(table.column_names))
                extra = sorted(set(table.column_names) - set(first.column_names))
                raise DataError(
                    f"{table.path}: its columns differ from {first.path}'s (lacks {lacks}, adds "
                    f"{extra}); every file of a dataset needs the same columns"
                )
        schema, groups = None, ()
        if first.format == "parquet":
            footers = [pq.read_metadata(name) for name in files]  # one read a file
            groups = tuple(
                (name, index, footer.row_group(index).num_rows)
                for name, footer in zip(files, footers)
                for index in range(footer.num_row_groups)
            )
            try:
                schema = pa.unify_schemas(
                    [footer.schema.to_arrow_schema() for footer in footers],
                    promote_options="permissive",
                )
            except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
                raise DataError(
                    f"{path}: the files' column types cannot be read as one table ({error}); "
                    "write every file with the same types"
                ) from None
            schema = pa.schema([schema.field(name) for name in first.column_names])
        return cls(
            str(path),
            root,
            tuple(files),
            first.format,
            first.delimiter,
            first.column_names,
            schema,
            encoding,
            groups,
        )

    def file(self, name):
        """One of the dataset's files as a ``TableFile``, with the dataset's delimiter."""
        return TableFile(Path(name), self.format, self.delimiter, self.column_names, self.encoding)

    def _conformed(self, batches):
        """``batches`` with the dataset's column order and, for Parquet, its unified types."""
        for batch in batches:
            if self.schema is None:
                yield batch.select(list(self.column_names))
            else:
                yield pa.RecordBatch.from_arrays(
                    [batch.column(f.name).cast(f.type) for f in self.schema], schema=self.schema
                )

    def batches(self):
        """Yield every file's record batches in turn, conformed to one schema."""
        for name in self.files:
            yield from self._conformed(self.file(name).batches())

    def count_rows(self):
        """The number of rows: from the Parquet footers, or by streaming CSV files."""
        if self.format == "parquet":
            return sum(rows for _, _, rows in self.groups)
        return sum(batch.num_rows for batch in self.batches())

    def read(self, max_rows=None, seed=0):
        """The dataset as one ``pyarrow.Table`` and its total row count; with ``max_rows``, a
        sample of at most that many rows that never holds more than twice the sample and one
        batch in memory.

        Parquet: row groups are chosen at random (as many as hold ``2 * max_rows`` rows, and at
        least ``MIN_SAMPLED_GROUPS`` of them when there are that many), and a uniform sample of
        their rows is kept; the cost depends on the sample and the row-group size, not on the
        dataset's size. CSV files have no row groups: every file is streamed.
        """
        if self.format != "parquet":
            return sample_batches(self.batches(), self.column_names, max_rows, seed)
        groups = self.groups
        total = sum(rows for _, _, rows in groups)
        rng = np.random.default_rng(seed)
        order = np.arange(len(groups))
        if max_rows is not None and total > max_rows:
            order = rng.permutation(len(groups))
            rows = np.cumsum([groups[i][2] for i in order])
            enough = int(np.searchsorted(rows, 2 * max_rows)) + 1
            order = np.sort(order[: max(enough, min(len(groups), MIN_SAMPLED_GROUPS))])
        chosen = [groups[i] for i in order]  # in the dataset's order
        table, _ = sample_batches(
            self._conformed(self._group_batches(chosen)),
            self.column_names,
            max_rows,
            int(rng.integers(np.iinfo(np.int32).max)),
        )
        if table.num_rows == 0:
            table = self.schema.empty_table()
        return table, total

    def _group_batches(self, groups):
        """The record batches of the chosen row groups, a file opened once for its groups."""
        by_file = {}
        for name, index, _ in groups:
            by_file.setdefault(name, []).append(index)
        for name, indices in by_file.items():
            try:
                yield from parquet_batches(name, indices)
            except (pa.ArrowInvalid, OSError) as error:
                raise DataError(f"{name}: not a readable Parquet file ({error})") from None

    def describe(self):
        """Files, rows and row groups, for ``impute info``."""
        described = {"files": len(self.files)}
        if self.format == "parquet":
            described["row_groups"] = len(self.groups)
            described["median_group_rows"] = (
                int(np.median([rows for _, _, rows in self.groups])) if self.groups else 0
            )
        return described


def row_group_pieces(group_rows, piece_rows):
    """A Parquet file's row groups (their row counts ``group_rows``, in order) cut into pieces of
    consecutive ones holding at least ``piece_rows`` rows each (a short remainder joins the last
    piece): a tuple of index tuples, empty when the file makes one piece."""
    pieces, current, rows = [], [], 0
    for index, count in enumerate(group_rows):
        current.append(index)
        rows += count
        if rows >= piece_rows:
            pieces.append(tuple(current))
            current, rows = [], 0
    if current and pieces and rows < piece_rows / 2:
        pieces[-1] += tuple(current)
    elif current:
        pieces.append(tuple(current))
    return tuple(pieces) if len(pieces) > 1 else ()


def output_folder_problem(root, destination):
    """Why the folder ``destination`` cannot take the filled files of the dataset in ``root``
    (it is, or lies inside, that folder; it is a file; its parent does not exist), or None."""
    root, target = Path(root).resolve(), Path(destination).resolve()
    if target == root or root in target.parents:
        return (
            f"the output folder {destination} is inside the dataset's folder {root}; choose a "
            "folder outside it"
        )
    if target.is_file():
        return f"{destination} is a file; a dataset is filled into a folder"
    if not target.parent.is_dir():
        return f"the folder {Path(destination).parent} does not exist; create it first"
    return None


def open_table(path, sep=None, encoding="utf-8"):
    """A ``TableDataset`` for a folder or glob, a ``TableFile`` for one file."""
    if is_dataset(path):
        return TableDataset.open(path, sep, encoding)
    return TableFile.open(path, sep, encoding)
