"""A folder of files: described, fitted and filled as one dataset, one output per input file,
and the usage a fill of a folder cannot take refused before any work."""

import shutil
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support import invoke, structured_table

from impute import DataError, datasets, fill_dataset, fill_file, fit_file, fit_series_file
from impute.cli import _dataset_jobs
from impute.core import one_thread


@pytest.fixture
def dataset(tmp_path):
    """Three Parquet files (one in a subfolder) of a structured table with 20% gaps, plus an id
    column that passes through."""
    X = structured_table(n_rows=900, seed=3)
    X[np.random.default_rng(1).random(X.shape) < 0.2] = np.nan
    folder = tmp_path / "data"
    (folder / "2024").mkdir(parents=True)
    for i, rows in enumerate(np.array_split(np.arange(900), 3)):
        table = pa.table({**{f"c{j}": X[rows, j] for j in range(8)}, "id": rows})
        where = folder / ("2024" if i == 2 else "") / f"part-{i}.parquet"
        pq.write_table(table, where, row_group_size=100)
    return folder


@pytest.fixture
def fitted(dataset):
    return fit_file(dataset, exclude=["id"], max_epochs=2, params={"d_model": 16, "n_heads": 2})


def read(path):
    return pq.read_table(path).to_pandas()


def test_a_folder_is_filled_file_by_file_as_each_file_alone_would_be(tmp_path, dataset, fitted):
    out = tmp_path / "out"
    summary = fill_dataset(fitted.imputer, fitted.schema, dataset, out)
    assert (summary["files"], summary["filled"], summary["rows"]) == (3, 3, 900)
    outputs = sorted(path.relative_to(out).as_posix() for path in out.rglob("*.parquet"))
    assert outputs == ["2024/part-2.parquet", "part-0.parquet", "part-1.parquet"]
    for relative in outputs:
        alone = tmp_path / "alone.parquet"
        with one_thread():  # as every engine fills, so that the fills match to the last bit
            fill_file(fitted.imputer, fitted.schema, dataset / relative, alone)
        filled, source = read(out / relative), read(dataset / relative)
        pd.testing.assert_frame_equal(filled, read(alone))
        observed = source.notna()
        assert filled.notna().all().all()
        pd.testing.assert_frame_equal(filled[observed], source[observed])


def test_a_rerun_fills_only_what_is_missing_and_clears_leftover_partial_files(
    tmp_path, dataset, fitted
):
    out = tmp_path / "out"
    fill_dataset(fitted.imputer, fitted.schema, dataset, out)
    first = read(out / "part-1.parquet")
    (out / "part-1.parquet").unlink()
    for leftover in (
        ".part-1.parquet.00ff00ff00ff00ff.partial",  # an interrupted write
        ".part-1.parquet.piece-0.parquet",  # a piece of a long file, written
        "..part-1.parquet.piece-1.parquet.00ff00ff00ff00ff.partial",  # a piece, interrupted
    ):
        (out / leftover).write_bytes(b"an interrupted run")
    before = (out / "part-0.parquet").stat().st_mtime_ns
    summary = fill_dataset(fitted.imputer, fitted.schema, dataset, out)
    assert (summary["filled"], summary["skipped"]) == (1, 2)
    assert (out / "part-0.parquet").stat().st_mtime_ns == before
    pd.testing.assert_frame_equal(read(out / "part-1.parquet"), first)
    assert not list(out.rglob(".*"))


def test_draws_of_a_folder_differ_between_files_and_repeat_with_the_seed(tmp_path, dataset):
    fitted = fit_file(dataset, exclude=["id"], max_epochs=3, params={"d_model": 16, "n_heads": 2})
    for name in ("a", "b"):
        fill_dataset(fitted.imputer, fitted.schema, dataset, tmp_path / name, draws=2, split=True)
    first = read(tmp_path / "a" / "part-0.1.parquet")
    pd.testing.assert_frame_equal(first, read(tmp_path / "b" / "part-0.1.parquet"))
    assert not first.equals(read(tmp_path / "a" / "part-0.2.parquet"))


def test_the_command_line_describes_fits_and_fills_a_folder(tmp_path, dataset):
    described = invoke("info", dataset)
    assert described.exit_code == 0, described.output
    assert "900 rows, 9 columns, 3 parquet files" in " ".join(described.output.split())
    fitted = invoke("fit", dataset, "--exclude", "id", "--max-epochs", "2", "-q")
    assert fitted.exit_code == 0, fitted.output
    model = tmp_path / "data.impute"
    assert model.is_file()
    result = invoke("fill", dataset / "*.parquet", "-m", model, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "600 rows written to 2 files" in " ".join(result.output.split())
    again = invoke("fill", dataset, "-m", model, "-o", tmp_path / "out")
    assert "2 of 3 files were already filled, kept" in " ".join(again.output.split())
    assert (tmp_path / "out" / "2024" / "part-2.parquet").is_file()
    done = invoke("fill", dataset, "-m", model, "-o", tmp_path / "out")
    assert done.exit_code == 0
    assert "nothing to fill: all 3 files already have their output" in " ".join(done.output.split())


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--workers", "2"], "give --engine dask too"),
        (["--engine", "dask", "--workers", "2", "--scheduler", "tcp://h:1"], "give one of them"),
        (["-o", "-"], "give --output a folder"),
        (["-o", "INSIDE"], "inside the dataset's folder"),
        (["--time-col", "c0"], "time series are read from one file"),
    ],
)
def test_a_fill_of_a_folder_refuses_bad_usage_before_any_work(tmp_path, dataset, extra, message):
    extra = [str(dataset / "out") if arg == "INSIDE" else arg for arg in extra]
    if "-o" not in extra:
        extra += ["-o", str(tmp_path / "out")]
    result = invoke("fill", dataset, "--method", "mean", *extra)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "out").exists()
    assert not (dataset / "out").exists()


def test_the_dask_engine_on_one_file_or_a_glob_matching_nothing_is_bad_usage(tmp_path, dataset):
    one = invoke("fill", dataset / "part-0.parquet", "--method", "mean", "--engine", "dask")
    assert one.exit_code == 2
    assert "DATA is one file" in " ".join(one.output.split())
    none = invoke("fill", tmp_path / "nothing" / "*.parquet", "--method", "mean")
    assert none.exit_code == 2
    assert "matches no file" in " ".join(none.output.split())


def test_without_the_dask_extra_the_dask_engine_names_it_and_writes_nothing(
    tmp_path, dataset, monkeypatch
):
    monkeypatch.setitem(sys.modules, "distributed", None)
    result = invoke("fill", dataset, "--method", "mean", "--engine", "dask", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert 'pip install "impute[dask]"' in " ".join(result.output.split())
    assert not (tmp_path / "out").exists()


def test_a_folder_of_time_series_files_is_filled_file_by_file_each_drawing_its_own(tmp_path):
    folder = tmp_path / "series"
    folder.mkdir()
    for i in range(2):
        shutil.copy(datasets.path("worldbank_fertility"), folder / f"part-{i}.csv")
    fitted = fit_series_file(folder / "part-0.csv", time_column="year", max_epochs=2)
    summary = fill_dataset(
        fitted.imputer, fitted.schema, folder, tmp_path / "out", draws=2, split=True
    )
    assert (summary["filled"], summary["rows"]) == (2, 4 * 54)
    first, second = (pd.read_csv(tmp_path / "out" / f"part-{i}.1.csv") for i in range(2))
    gaps = pd.read_csv(folder / "part-0.csv").isna().to_numpy().sum()
    assert first.isna().to_numpy().sum() < gaps / 2 and second.isna().to_numpy().sum() < gaps / 2
    assert not first.equals(second)


def test_fill_dataset_refuses_an_output_folder_inside_the_dataset(dataset, fitted):
    with pytest.raises(DataError, match="inside the dataset's folder"):
        fill_dataset(fitted.imputer, fitted.schema, dataset, dataset / "2024" / "out")
    assert not (dataset / "2024" / "out").exists()


def test_long_time_series_files_are_filled_whole_never_in_pieces(tmp_path, monkeypatch):
    monkeypatch.setattr(_dataset_jobs, "PIECE_ROWS", 20)
    folder = tmp_path / "series"
    folder.mkdir()
    frame = pd.read_csv(datasets.path("worldbank_fertility"))
    frame.to_parquet(folder / "part-0.parquet", row_group_size=10)  # 54 rows: 6 row groups
    fitted = fit_series_file(folder / "part-0.parquet", time_column="year", method="linear")
    summary = fill_dataset(fitted.imputer, fitted.schema, folder, tmp_path / "out")
    assert summary["rows"] == 54
    assert len(pd.read_parquet(tmp_path / "out" / "part-0.parquet")) == 54
