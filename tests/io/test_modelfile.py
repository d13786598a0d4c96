"""Model files: exact round trips, and refusal of anything that is not an intact file of ours."""

import contextlib
import json
import pickle
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import fast_transformer

from impute import MeanImputer, ModelFileError, datasets, fit_file, load_model, save_model
from impute.cli._jobs import schema_from_model
from impute.io import FORMAT_VERSION, read_model
from impute.io._modelfile import _checksum, nesting_depth


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
    gappy = pd.read_csv(DATA / f"{name}.csv")
    assert_fills_the_same(imputer.transform(gappy), pd.read_csv(DATA / f"{name}.filled.csv"), gappy)


@pytest.mark.parametrize("name", ["table", "series"])
def test_writing_a_loaded_model_again_gives_a_file_that_fills_the_same(name, tmp_path):
    save_model(load_model(DATA / f"{name}.impute"), tmp_path / "again.impute")
    imputer = load_model(tmp_path / "again.impute").set_output(transform="pandas")
    gappy = pd.read_csv(DATA / f"{name}.csv")
    assert_fills_the_same(imputer.transform(gappy), pd.read_csv(DATA / f"{name}.filled.csv"), gappy)


def assert_fills_the_same(filled, expected, gappy):
    """Observed cells exactly as read; fills as written, up to float32 rounding: the files were
    filled on another CPU, whose kernels may sum in another order."""
    observed = gappy.notna()
    pd.testing.assert_frame_equal(
        filled.where(observed), expected.where(observed), check_exact=True
    )
    pd.testing.assert_frame_equal(filled, expected, check_exact=False, rtol=1e-5, atol=1e-6)


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


def _forge(path, change_document=None, change_index=None):
    """Edit a model file's document or array index and sign it again, as someone who knows the
    format can: the checksum catches damage, not a forger."""
    blob = path.read_bytes()
    (size,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + size])
    metadata = header.pop("__metadata__")
    document = json.loads(metadata["impute"])
    (change_document or (lambda _: None))(document)
    (change_index or (lambda _: None))(header)
    data = blob[8 + size :]
    text = json.dumps(document)
    metadata.update(impute=text, sha256=_checksum(text, header, data))
    encoded = json.dumps({"__metadata__": metadata, **header}).encode()
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + data)


def _first_array(index):
    return index[next(iter(index))]


@pytest.mark.parametrize(
    "change_document, change_index",
    [
        (None, lambda index: _first_array(index).update(dtype="X99")),
        (None, lambda index: _first_array(index).update(shape=[10**9])),
        (None, lambda index: _first_array(index).update(shape=[-1, 3])),
        (None, lambda index: _first_array(index).update(shape="abc")),
        (None, lambda index: _first_array(index).update(data_offsets=[8, 0])),
        (None, lambda index: _first_array(index).update(data_offsets=["a", "b"])),
        (None, lambda index: index.update({next(iter(index)): 5})),
        (lambda document: document.update(params="x"), None),
        (lambda document: document.update(written_by="x"), None),
        (lambda document: document.update(state=[]), None),
        (lambda document: document["state"].update(n_features_in_=-1), None),
        (lambda document: document["state"].update(kinds_="abc"), None),
        (lambda document: document["state"].update(loss_curve_="abc"), None),
        (lambda document: document["state"].update(best_epoch_=10**30), None),
        (lambda document: document["state"].update(model_config=[1, 2]), None),
        (lambda document: document["state"].update({"encoder.kinds": "abc"}), None),
        (lambda document: document["state"].update({"encoder.timezones": [1, 2]}), None),
    ],
)
def test_a_forged_file_with_a_valid_checksum_is_refused_with_the_usual_message(
    saved, change_document, change_index
):
    _, path, _ = saved
    _forge(path, change_document, change_index)
    with pytest.raises(ModelFileError, match=r"model\.impute: "):
        load_model(path)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_damaged_file_either_loads_or_is_refused_never_anything_else(saved, tmp_path, data):
    _, path, _ = saved
    blob = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(blob) - 1))
        blob[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.one_of(st.none(), st.integers(0, len(blob))))
    damaged = tmp_path / "damaged.impute"
    damaged.write_bytes(bytes(blob[:cut]))
    with contextlib.suppress(ModelFileError):  # loading is fine too: the damage may be padding
        load_model(damaged)


def test_a_forged_column_schema_is_refused_when_the_model_is_used_on_a_file(tmp_path):
    result = fit_file(datasets.path("breast_cancer"), method="mean")
    path = tmp_path / "model.impute"
    save_model(result.imputer, path, extra={"schema": {"kinds": "abc"}})
    imputer, document = read_model(path)
    with pytest.raises(ModelFileError, match="column schema is damaged"):
        schema_from_model(imputer, document["extra"], path)
