"""Model files: exact round trips, and refusal of anything that is not an intact file of ours."""

import json
import pickle
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import fast_transformer

from impute import MeanImputer, ModelFileError, load_model, save_model
from impute.io import FORMAT_VERSION, read_model
from impute.io._modelfile import nesting_depth


@pytest.fixture
def saved(tmp_path, table_with_gaps):
    _, X_missing, _ = table_with_gaps
    imputer = fast_transformer().fit(X_missing)
    path = tmp_path / "model.impute"
    save_model(imputer, path, extra={"note": "kept"})
    return imputer, path, X_missing


@pytest.mark.parametrize(
    "make",
    [
        lambda: fast_transformer(),
        lambda: fast_transformer(scaling="quantile", add_indicator=True),
        lambda: fast_transformer(early_stopping=False, keep_empty_features=True),
        lambda: MeanImputer(add_indicator=True),
    ],
)
def test_round_trip_gives_identical_output(tmp_path, table_with_gaps, make):
    _, X_missing, _ = table_with_gaps
    X_missing = X_missing.copy()
    X_missing[:, 2] = np.nan  # an empty column exercises keep_empty_features and the indicator
    imputer = make().fit(X_missing)
    save_model(imputer, tmp_path / "m.impute")
    loaded = load_model(tmp_path / "m.impute")
    assert loaded.get_params() == pytest.approx(imputer.get_params(), nan_ok=True)
    np.testing.assert_array_equal(loaded.transform(X_missing), imputer.transform(X_missing))


def test_feature_names_survive(tmp_path, table_with_gaps):
    _, X_missing, _ = table_with_gaps
    frame = pd.DataFrame(X_missing, columns=[f"c{j}" for j in range(X_missing.shape[1])])
    save_model(fast_transformer().fit(frame), tmp_path / "m.impute")
    assert list(load_model(tmp_path / "m.impute").get_feature_names_out()) == list(frame.columns)


def test_metadata_records_versions_and_extra(saved):
    _, path, _ = saved
    _, document = read_model(path)
    assert document["extra"] == {"note": "kept"}
    assert {"impute", "torch", "numpy", "python"} <= set(document["written_by"])


def test_truncated_file_is_refused(saved, tmp_path):
    _, path, _ = saved
    blob = path.read_bytes()
    for size in (4, 200, len(blob) - 10):
        (tmp_path / "cut.impute").write_bytes(blob[:size])
        with pytest.raises(ModelFileError, match=r"truncated|too short"):
            load_model(tmp_path / "cut.impute")


def test_tampered_weights_are_refused(saved):
    _, path, _ = saved
    blob = bytearray(path.read_bytes())
    blob[-100] ^= 0x01
    path.write_bytes(bytes(blob))
    with pytest.raises(ModelFileError, match="checksum"):
        load_model(path)


def _rewrite_document(path, change):
    """Edit the JSON document inside a model file, leaving the checksum as it was."""
    blob = path.read_bytes()
    (size,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + size])
    document = json.loads(header["__metadata__"]["impute"])
    change(document)
    header["__metadata__"]["impute"] = json.dumps(document)
    encoded = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + blob[8 + size :])


def test_newer_format_version_asks_for_an_upgrade(saved):
    _, path, _ = saved
    _rewrite_document(path, lambda document: document.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(ModelFileError, match="upgrade impute"):
        load_model(path)


def test_older_format_version_asks_for_a_new_fit(saved):
    _, path, _ = saved
    _rewrite_document(path, lambda document: document.update(format_version=FORMAT_VERSION - 1))
    with pytest.raises(ModelFileError, match="fit the model again"):
        load_model(path)


def test_edited_settings_fail_the_checksum(saved):
    _, path, _ = saved
    _rewrite_document(path, lambda document: document["params"].update(d_model=1024))
    with pytest.raises(ModelFileError, match="checksum"):
        load_model(path)


def test_foreign_files_are_refused(tmp_path):
    foreign = {
        "text.impute": b"name,value\nx,1\n",
        "other-safetensors.impute": struct.pack("<Q", 2) + b"{}",
        "random.impute": np.random.default_rng(0).bytes(4096),
    }
    for name, blob in foreign.items():
        (tmp_path / name).write_bytes(blob)
        with pytest.raises(ModelFileError, match="not an impute model file"):
            load_model(tmp_path / name)


class Payload:
    """Unpickling this writes a file: proof that code ran."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (_plant, (str(self.target),))


def _plant(target):
    with open(target, "w") as handle:
        handle.write("code ran")


def test_pickle_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "ran.txt"
    path = tmp_path / "model.impute"
    path.write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(ModelFileError, match="pickle"):
        load_model(path)
    assert not marker.exists()
    pickle.loads(path.read_bytes())  # the payload is live: unpickling it would have run it
    assert marker.exists()


def test_saving_refuses_unsaveable_settings(tmp_path, table_with_gaps):
    _, X_missing, _ = table_with_gaps
    imputer = fast_transformer(random_state=np.random.RandomState(0)).fit(X_missing)
    with pytest.raises(ModelFileError, match="random_state"):
        save_model(imputer, tmp_path / "m.impute")
    assert not (tmp_path / "m.impute").exists()


DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("name", ["table", "series"])
def test_a_model_file_written_before_the_subpackages_loads_and_fills_the_same_cells(name):
    imputer = load_model(DATA / f"{name}.impute").set_output(transform="pandas")
    filled = imputer.transform(pd.read_csv(DATA / f"{name}.csv"))
    pd.testing.assert_frame_equal(
        filled, pd.read_csv(DATA / f"{name}.filled.csv"), check_exact=True
    )


@pytest.mark.parametrize("name", ["table", "series"])
def test_writing_a_loaded_model_again_gives_a_file_that_fills_the_same(name, tmp_path):
    save_model(load_model(DATA / f"{name}.impute"), tmp_path / "again.impute")
    imputer = load_model(tmp_path / "again.impute").set_output(transform="pandas")
    filled = imputer.transform(pd.read_csv(DATA / f"{name}.csv"))
    pd.testing.assert_frame_equal(
        filled, pd.read_csv(DATA / f"{name}.filled.csv"), check_exact=True
    )


@pytest.mark.parametrize("depth", [65, 200_000])
def test_a_header_nested_too_deep_is_refused_before_it_is_parsed(tmp_path, depth):
    header = b"[" * depth + b"]" * depth
    path = tmp_path / "deep.impute"
    path.write_bytes(struct.pack("<Q", len(header)) + header)
    with pytest.raises(ModelFileError, match="not an impute model file"):
        load_model(path)


def test_a_document_nested_too_deep_inside_the_header_is_refused(saved, tmp_path):
    inner = "[" * 100_000 + "]" * 100_000
    header = json.dumps({"__metadata__": {"format": "impute", "impute": inner}}).encode()
    path = tmp_path / "deep.impute"
    path.write_bytes(struct.pack("<Q", len(header)) + header)
    with pytest.raises(ModelFileError, match="not an impute model file"):
        load_model(path)


def test_nesting_is_measured_outside_strings():
    assert nesting_depth(b'{"a": [1, {"b": "[[[[\\"]]"}]}') == 3
    assert nesting_depth("") == 0
