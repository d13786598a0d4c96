"""Reading and writing tables: CSV, TSV and Parquet, whole or in record batches, written atomically.

CSV cells are read as text and kept as text, so a cell that is not filled is written back exactly
as it was read (``1.50`` stays ``1.50``); only the columns the model fills are parsed into numbers,
in ``schema``. CSV output is assembled by joining cell texts in Arrow, quoting only the cells that
need it, because Arrow's own CSV writer quotes every text cell.

Every output goes to a temporary file in the destination's folder and is renamed into place only
when complete, so an error or an interrupt never leaves a partial file behind.
"""

import csv
import os
import re
import secrets
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ..core import DataError

FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
CSV_BLOCK_BYTES = 4 << 20  # text parsed per streamed batch; bounds memory, not the file size
PARQUET_BATCH_ROWS = 65_536
SNIFF_BYTES = 64 << 10
DELIMITERS = ",;\t|"
STDOUT = "-"


def file_format(path):
    """``"csv"``, ``"tsv"`` or ``"parquet"``, from the file's extension; ``-`` (stdout) is CSV."""
    if str(path) == STDOUT:
        return "csv"
    try:
        return FORMATS[Path(path).suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise DataError(
            f"{path}: unknown file type {Path(path).suffix!r}; use one of {known}"
        ) from None


def sniff_delimiter(path, encoding="utf-8"):
    """The delimiter of a CSV file, guessed from its header line; a comma when in doubt."""
    with open(path, newline="", encoding=_python_encoding(encoding), errors="replace") as handle:
        sample = handle.read(SNIFF_BYTES)
    if not sample.strip():
        raise DataError(f"{path}: the file is empty; it needs a header line and at least one row")
    try:
        return csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _check_header_encoding(path, encoding):
    """Refuse early, and say what to do, when the header line is not in ``encoding``."""
    with open(path, "rb") as handle:
        header = handle.readline(SNIFF_BYTES)
    try:
        header.decode(_python_encoding(encoding))
    except UnicodeDecodeError as error:
        raise DataError(
            f"{path}: the header line is not valid {encoding} (byte {header[error.start]:#04x} at "
            "position "
            f"{error.start}); name the file's encoding with --encoding, for example --encoding "
            "latin-1"
        ) from None


def _python_encoding(encoding):
    """UTF-8 files may start with a byte-order mark; Python drops it only when asked."""
    return "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


@dataclass(frozen=True)
class TableFile:
    """A table on disk: where it is, its format, its delimiter and its column names.

    Use ``TableFile.open(path)``, which checks the file and reads its header.
    """

    path: Path
    format: str
    delimiter: str
    column_names: tuple
    encoding: str = "utf-8"

    @classmethod
    def open(cls, path, sep=None, encoding="utf-8"):
        path = Path(path)
        if not path.is_file():
            raise DataError(f"{path}: no such file")
        try:
            "".encode(encoding)
        except LookupError:
            raise DataError(
                f"{path}: unknown encoding {encoding!r}; use a name such as utf-8 or latin-1"
            ) from None
        kind = file_format(path)
        if kind == "parquet":
            try:
                names = tuple(pq.read_schema(path).names)
            except (pa.ArrowInvalid, OSError) as error:
                raise DataError(f"{path}: not a readable Parquet file ({error})") from None
            delimiter = ","
        else:
            _check_header_encoding(path, encoding)
            delimiter = sep or ("\t" if kind == "tsv" else sniff_delimiter(path, encoding))
            with open(
                path, newline="", encoding=_python_encoding(encoding), errors="replace"
            ) as handle:
                names = tuple(next(csv.reader(handle, delimiter=delimiter), ()))
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise DataError(
                f"{path}: column names appear more than once: {duplicates}; rename them"
            )
        if not names:
            raise DataError(f"{path}: the file has no header line")
        return cls(path, kind, delimiter, names, encoding)

    def batches(self, row_groups=None):
        """Yield the table as record batches of bounded size; CSV columns are all text. For
        Parquet, ``row_groups`` (indices) reads only those row groups."""
        try:
            if self.format == "parquet":
                yield from parquet_batches(self.path, row_groups)
                return
            if row_groups is not None:
                raise ValueError("only Parquet files have row groups")
            read_options = pa_csv.ReadOptions(
                block_size=CSV_BLOCK_BYTES,
                encoding=self.encoding,
                # pyarrow decodes other encodings with a Python codec; on its worker threads that
                # can abort the process at exit (apache/arrow#43741), so read on this one.
                use_threads=_python_encoding(self.encoding) == "utf-8-sig",
            )
            parse_options = pa_csv.ParseOptions(
                delimiter=self.delimiter,
                newlines_in_values=True,
                # with one column, a blank line is a gap
                ignore_empty_lines=len(self.column_names) > 1,
            )
            convert_options = pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in self.column_names},
                strings_can_be_null=False,
            )
            options = {"read_options": read_options, "parse_options": parse_options}
            # Closed even when the caller stops early: its read-ahead threads must end before exit.
            with pa_csv.open_csv(self.path, **options, convert_options=convert_options) as reader:
                yield from reader
        except pa.ArrowInvalid as error:
            raise DataError(
                f"{self.path}: cannot be read as {self.format.upper()}: {error}{_hint(error)}"
            ) from None

    def rows_before(self, row_group):
        """Parquet: the rows of the row groups before ``row_group``, from the footer."""
        metadata = pq.ParquetFile(self.path).metadata
        return sum(metadata.row_group(i).num_rows for i in range(row_group))

    def read(self, max_rows=None, seed=0):
        """The table as one ``pyarrow.Table``, and its total row count.

        With ``max_rows``, a uniform sample of at most that many rows, drawn while streaming
        (``sample_batches``), so that a file larger than memory can still be sampled.
        """
        return sample_batches(self.batches(), self.column_names, max_rows, seed)


def parquet_batches(path, row_groups=None):
    """Stream a Parquet file (or the row groups ``row_groups`` of it) in record batches of
    ``PARQUET_BATCH_ROWS`` rows. Read ahead is off: with it, pyarrow buffers every row group the
    reader will visit, which for a whole file is about the file's size in memory."""
    return pq.ParquetFile(path, pre_buffer=False).iter_batches(
        batch_size=PARQUET_BATCH_ROWS, row_groups=row_groups
    )


def sample_batches(batches, column_names, max_rows=None, seed=0):
    """All rows of ``batches`` as one ``pyarrow.Table`` (text columns ``column_names`` when there
    are none), or a uniform sample of at most ``max_rows`` of them, and the number of rows seen.

    The sample is drawn while streaming: each row gets a random key and the rows with the
    smallest keys are kept, in their original order, so memory holds at most twice the sample
    and one batch.
    """
    rng = np.random.default_rng(seed)
    kept, keys, total = [], [], 0
    for batch in batches:
        kept.append(batch)
        total += batch.num_rows
        if max_rows is not None:
            keys.append(rng.random(batch.num_rows))
            if sum(map(len, keys)) > 2 * max_rows:
                kept, keys = _keep_smallest(kept, keys, max_rows)
    if max_rows is not None and total > max_rows:
        kept, keys = _keep_smallest(kept, keys, max_rows)
    if not kept:
        return pa.table({name: pa.array([], pa.string()) for name in column_names}), 0
    return pa.Table.from_batches(kept), total


def _keep_smallest(batches, keys, n):
    """The ``n`` rows with the smallest keys, in their original order, and their keys."""
    keys = np.concatenate(keys)
    chosen = np.sort(np.argpartition(keys, n - 1)[:n])
    return pa.Table.from_batches(batches).take(chosen).to_batches(), [keys[chosen]]


def _hint(error):
    """What to try for the parse errors people meet most."""
    text = str(error)
    if "UTF8" in text or "UTF-8" in text:
        return "; if the file is not UTF-8, name its encoding with --encoding (for example latin-1)"
    if "Expected" in text and "columns" in text:
        return (
            "; a row has a different number of cells: check the delimiter (--sep) and the quoting"
        )
    return ""


@contextmanager
def atomic_output(path):
    """Yield a binary file that replaces ``path`` only if the block completes; ``-`` is stdout.

    The partial file's name is chosen before the file exists and cleanup removes it by that
    name, so an interrupt landing between its creation and the first line that could hold its
    handle (the gap a ``NamedTemporaryFile`` leaves) still leaves nothing behind.
    """
    if str(path) == STDOUT:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    path = Path(path)
    if not path.parent.is_dir():
        raise DataError(f"{path}: the folder {path.parent} does not exist; create it first")
    partial = path.parent / f".{path.name}.{secrets.token_hex(8)}.partial"
    handle = None
    try:
        try:
            # created 0o666 less the umask, as the output should be; closed below, by name
            handle = open(partial, "xb")  # noqa: SIM115
        except OSError as error:
            raise DataError(
                f"{path}: cannot write in {path.parent} ({error.strerror}); choose another folder "
                "or fix its permissions"
            ) from None
        yield handle
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        os.replace(partial, path)
    except BaseException:
        if handle is not None:
            handle.close()
        partial.unlink(missing_ok=True)
        raise


def _csv_cells(column, delimiter):
    """A column as CSV cell texts: nulls empty, cells with a delimiter, quote or newline quoted."""
    text = pc.fill_null(pc.cast(column, pa.string()), "")
    special = pc.match_substring_regex(text, f'[{re.escape(delimiter)}"\r\n]')
    if not pc.any(special).as_py():
        return text
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(special, quoted, text)


def csv_bytes(batch, delimiter):
    """The rows of ``batch`` as UTF-8 CSV text, one line per row, joined without a Python object
    per cell."""
    if batch.num_rows == 0:
        return b""
    cells = [_csv_cells(column, delimiter) for column in batch.columns]
    # "a,b\n"
    lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*cells, delimiter), "", "\n")
    whole = pc.binary_join(
        pa.ListArray.from_arrays(pa.array([0, len(lines)], pa.int32()), lines), ""
    )
    return whole[0].as_buffer()


@contextmanager
def table_writer(destination, schema, delimiter=","):
    """Yield a function that appends a record batch (with ``schema``) to ``destination``, which
    appears, atomically, only if the block completes; the format follows its extension and
    ``-`` writes CSV to stdout. Several can be open at once, so that one pass over the input
    can write several outputs."""
    kind = file_format(destination)
    delimiter = "\t" if kind == "tsv" else delimiter
    with atomic_output(destination) as sink:
        if kind == "parquet":
            with pq.ParquetWriter(sink, schema) as writer:
                yield writer.write_batch
            return
        header = pa.record_batch([pa.array([name]) for name in schema.names], names=schema.names)
        sink.write(csv_bytes(header, delimiter))
        yield lambda batch: sink.write(csv_bytes(batch, delimiter))


def write_table(destination, schema, batches, delimiter=","):
    """Write ``batches`` (all with ``schema``) to ``destination`` atomically; return the row count.

    The format follows the destination's extension; ``-`` writes CSV to stdout.
    """
    rows = 0
    with table_writer(destination, schema, delimiter) as write:
        for batch in batches:
            write(batch)
            rows += batch.num_rows
    return rows


def concatenate_parquet(paths, destination):
    """Write the Parquet files ``paths`` (with one schema), one after the other, into
    ``destination`` atomically; return the rows written."""
    schema = pq.read_schema(paths[0])
    return write_table(
        destination,
        schema,
        (batch for path in paths for batch in parquet_batches(path)),
    )
