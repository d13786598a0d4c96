"""Model files that can be loaded from a stranger without running their code.

A fitted imputer is saved as one file in the safetensors layout: an 8-byte little-endian header
length, a JSON header, then the raw bytes of every array. The header's ``__metadata__`` holds
this package's own JSON (format version, versions of the software that wrote it, the estimator's
class and parameters, its plain fitted values, and whatever the caller adds, such as the column
schema) and a SHA-256 checksum over that JSON, the array index and the array bytes.

Loading parses JSON and copies bytes into arrays, nothing else: no pickle, no import of a name
read from the file (the estimator class is looked up in a fixed table). A file that is truncated,
altered, written by another tool or by a newer format version is refused with ``ModelFileError``.
"""

import hashlib
import json
import math
import platform
import re
import struct
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import torch

from ..core import ModelFileError
from ..series import SeriesBaselineImputer, TimeSeriesImputer
from ..tabular import MeanImputer, TransformerImputer
from ._files import atomic_output

FORMAT = "impute-model"
# 2: the neighbour blend averages the network's errors on the kept rows, which 1 did not store
FORMAT_VERSION = 2
ESTIMATORS = {
    cls.__name__: cls
    for cls in (TransformerImputer, MeanImputer, TimeSeriesImputer, SeriesBaselineImputer)
}
DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "I64": np.dtype("<i8"),
    "BOOL": np.dtype("|b1"),
}
CODES = {dtype.kind + str(dtype.itemsize): code for code, dtype in DTYPES.items()}
MAX_HEADER_BYTES = 64 << 20
MAX_NESTING = 64  # brackets deep; impute's own headers nest 5 deep, and deeper would recurse
PICKLE_PROTOCOL_BYTE = 0x80


def package_version():
    try:
        return version("impute")
    except PackageNotFoundError:
        return "unknown"


def _checksum(document, index, data):
    digest = hashlib.sha256(document.encode())
    digest.update(json.dumps(index, sort_keys=True).encode())
    digest.update(data)
    return digest.hexdigest()


def _split_state(state):
    """Arrays go into the binary part, everything else into the JSON document."""
    arrays, values = {}, {}
    for key, value in state.items():
        if isinstance(value, np.ndarray):
            arrays[key] = value
        else:
            values[key] = value
    return arrays, values


def save_model(imputer, path, extra=None):
    """Write a fitted imputer to ``path`` atomically, in a format that loads without pickle.

    Parameters
    ----------
    imputer : TransformerImputer, MeanImputer, TimeSeriesImputer or SeriesBaselineImputer
        A fitted imputer.
    path : str or pathlib.Path
        Destination; replaced only once the whole file is written.
    extra : dict, optional
        JSON-serialisable data stored beside the model (the command line stores the column schema
        and a training summary here); returned by ``read_model``.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from impute import MeanImputer, load_model, save_model
    >>> X = np.array([[1.0, np.nan], [3.0, 4.0]])
    >>> path = os.path.join(tempfile.mkdtemp(), "mean.impute")
    >>> save_model(MeanImputer().fit(X), path)
    >>> load_model(path).transform(X)
    array([[1., 4.],
           [3., 4.]])
    """
    blob = model_bytes(imputer, extra)
    with atomic_output(path) as sink:
        sink.write(blob)


def model_bytes(imputer, extra=None):
    """The bytes of the model file ``save_model`` writes: what a cluster ships to its workers,
    which read them with ``parse_model``."""
    if type(imputer).__name__ not in ESTIMATORS:
        raise TypeError(f"only {sorted(ESTIMATORS)} can be saved, not {type(imputer).__name__}")
    arrays, values = _split_state(imputer._export_state())
    params = imputer.get_params()
    if not isinstance(params.get("random_state"), (int, type(None))):
        raise ModelFileError(
            "random_state must be an int or None to be saved; set it with set_params"
        )
    document = json.dumps(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "written_by": {
                "impute": package_version(),
                "torch": torch.__version__,
                "numpy": np.__version__,
                "python": platform.python_version(),
            },
            "estimator": type(imputer).__name__,
            "params": params,
            "state": values,
            "extra": extra or {},
        }
    )
    index, chunks, offset = {}, [], 0
    for key, array in arrays.items():
        code = CODES[array.dtype.kind + str(array.dtype.itemsize)]
        raw = np.ascontiguousarray(array, dtype=DTYPES[code]).tobytes()
        index[key] = {
            "dtype": code,
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    data = b"".join(chunks)
    header = {
        "__metadata__": {
            "format": FORMAT,
            "impute": document,
            "sha256": _checksum(document, index, data),
        },
        **index,
    }
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    return struct.pack("<Q", len(encoded)) + encoded + data


def _refuse(path, reason):
    raise ModelFileError(f"{path}: {reason}")


def nesting_depth(text):
    """How deep the brackets of JSON ``text`` (bytes or str) nest, outside its strings: measured
    before parsing, so that a hostile file cannot make the parser recurse without bound."""
    data = text.encode() if isinstance(text, str) else bytes(text)
    plain = re.sub(rb'"(?:[^"\\]|\\.)*"', b"", data)  # strings, escapes included, removed
    codes = np.frombuffer(plain, dtype=np.uint8)
    steps = np.isin(codes, (ord("["), ord("{"))).astype(np.int64) - np.isin(
        codes, (ord("]"), ord("}"))
    )
    return int(steps.cumsum().max(initial=0))


def read_model(path, device=None):
    """Load a model file; return ``(imputer, document)``.

    ``document`` is the file's metadata: ``written_by`` (software versions), ``estimator``,
    ``params`` and ``extra`` (as passed to ``save_model``). ``device`` overrides where a
    ``TransformerImputer`` is placed ("cpu", "cuda", "auto"); a model saved with a CUDA device
    loads on the CPU where no GPU is present.
    """
    path = Path(path)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        _refuse(path, "no such model file; create one with `impute fit DATA`")
    except OSError as error:
        _refuse(path, f"cannot be read ({error.strerror})")
    return parse_model(blob, path, device)


def parse_model(blob, path, device=None):
    """``read_model`` of a model file's bytes ``blob``; ``path`` names them in errors."""
    if len(blob) < 8:
        _refuse(path, "not an impute model file (too short); it may be truncated")
    (header_size,) = struct.unpack("<Q", blob[:8])
    if header_size > min(MAX_HEADER_BYTES, len(blob) - 8):
        if blob[0] == PICKLE_PROTOCOL_BYTE:
            _refuse(
                path,
                "this looks like a Python pickle, which impute never loads; use a file written by "
                "`impute fit`",
            )
        _refuse(
            path,
            "not an impute model file, or a truncated one (its header does not fit in the file)",
        )
    try:
        text = blob[8 : 8 + header_size]
        if nesting_depth(text) > MAX_NESTING:
            raise ValueError("nested too deep")
        header = json.loads(text)
        metadata = header.pop("__metadata__")
        document_text = metadata["impute"]
        if nesting_depth(document_text) > MAX_NESTING:
            raise ValueError("nested too deep")
        document = json.loads(document_text)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        _refuse(path, "not an impute model file (another tool's file, or a damaged one)")
    if metadata.get("format") != FORMAT or not _well_formed(document):
        _refuse(path, "not an impute model file (another tool's file, or a damaged one)")
    found = document.get("format_version")
    writer = document.get("written_by", {}).get("impute")
    written = f"written with model format {found} by impute {writer}"
    if not isinstance(found, int) or found > FORMAT_VERSION:
        _refuse(
            path,
            f"{written}; this impute ({package_version()}) reads format {FORMAT_VERSION}: upgrade "
            "impute to load it",
        )
    if found < FORMAT_VERSION:
        _refuse(
            path,
            f"{written}, which this impute ({package_version()}) no longer reads: fit the model "
            "again (`impute fit`)",
        )
    data = blob[8 + header_size :]
    try:
        end = max((int(entry["data_offsets"][1]) for entry in header.values()), default=0)
    except (TypeError, KeyError, IndexError, ValueError):
        _refuse(path, "its array index is damaged; refit the model")
    if len(data) < end:
        _refuse(
            path,
            f"truncated: {len(data)} bytes of array data where {end} were written; copy it again",
        )
    if _checksum(document_text, header, data) != metadata.get("sha256"):
        _refuse(
            path,
            "checksum mismatch: the file was changed or damaged after it was written; refit or "
            "restore it",
        )
    return _build(path, document, header, data, device), document


def _well_formed(document):
    """Whether the document has the fields a model file holds, each of the JSON type it takes."""
    types = {"written_by": dict, "params": dict, "state": dict, "extra": dict, "estimator": str}
    return isinstance(document, dict) and all(
        isinstance(document.get(key), kind) for key, kind in types.items()
    )


def _array(entry, data):
    """The array an index entry describes, or None when the entry does not describe one that
    lies in ``data`` (unknown type, offsets outside it, a shape that does not fit its bytes)."""
    if not isinstance(entry, dict) or entry.get("dtype") not in DTYPES:
        return None
    offsets, shape = entry.get("data_offsets"), entry.get("shape")
    if not (
        isinstance(offsets, list)
        and len(offsets) == 2
        and all(type(value) is int for value in offsets)
        and 0 <= offsets[0] <= offsets[1] <= len(data)
        and isinstance(shape, list)
        and all(type(size) is int and size >= 0 for size in shape)
    ):
        return None
    dtype = DTYPES[entry["dtype"]]
    if math.prod(shape) * dtype.itemsize != offsets[1] - offsets[0]:
        return None
    return np.frombuffer(data[offsets[0] : offsets[1]], dtype=dtype).reshape(shape).copy()


def _build(path, document, index, data, device):
    cls = ESTIMATORS.get(document.get("estimator"))
    if cls is None:
        _refuse(
            path,
            f"unknown estimator {document.get('estimator')!r}; this impute knows "
            f"{sorted(ESTIMATORS)}",
        )
    state = dict(document["state"])
    for key, entry in index.items():
        state[key] = _array(entry, data)
        if state[key] is None:
            _refuse(path, f"its array index is damaged at {key!r}; refit the model")
    saved_device = str(document["params"].get("device", "cpu"))
    if device is None and saved_device.startswith("cuda") and not torch.cuda.is_available():
        device = "cpu"  # trained on a GPU, used where there is none
    try:
        imputer = cls(**document["params"])
        if device is not None and "device" in imputer.get_params():
            imputer.set_params(device=device)
        imputer._validate_params()
        imputer._import_state(state)
    except (
        TypeError,
        ValueError,
        KeyError,
        IndexError,
        AttributeError,
        OverflowError,
        RuntimeError,
    ) as error:
        _refuse(path, f"its contents do not make a valid {cls.__name__} ({error}); refit the model")
    return imputer


def load_model(path, device=None):
    """Load an imputer saved with ``save_model``, without unpickling anything.

    Parameters
    ----------
    path : str or pathlib.Path
        A file written by ``save_model`` or ``impute fit``.
    device : str, optional
        Where to place a ``TransformerImputer`` ("cpu", "cuda", "auto"); default: its ``device``
        parameter.

    Returns
    -------
    imputer : TransformerImputer, MeanImputer, TimeSeriesImputer or SeriesBaselineImputer
        Fitted, ready for ``transform``.

    Raises
    ------
    ModelFileError
        When the file is missing, truncated, altered, foreign, or from a newer format version.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from impute import TransformerImputer, load_model, save_model
    >>> X = np.random.default_rng(0).normal(size=(60, 3))
    >>> X[::7, 1] = np.nan
    >>> fitted = TransformerImputer(max_epochs=2, random_state=0).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.impute")
    >>> save_model(fitted, path)
    >>> np.array_equal(load_model(path).transform(X), fitted.transform(X))
    True
    """
    return read_model(path, device)[0]
