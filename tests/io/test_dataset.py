"""A folder or glob of files reads as one table: its files found as pyarrow.dataset finds them,
checked to agree, counted from their footers, and sampled without reading it all."""

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from impute import DataError
from impute.io import TableDataset, open_table
from impute.io._dataset import MIN_SAMPLED_GROUPS


def write_parts(folder, n_files=4, rows=500, group_rows=50, seed=0):
    """``n_files`` Parquet files of three columns with gaps; column ``part`` holds the file's
    number and ``row`` the row's, so a sample shows where its rows came from."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n_files):
        x = rng.normal(size=rows)
        x[rng.random(rows) < 0.2] = np.nan
        table = pa.table({"x": x, "part": np.full(rows, i), "row": np.arange(rows)})
        pq.write_table(table, folder / f"part-{i}.parquet", row_group_size=group_rows)
    return folder


def test_a_folder_is_read_as_one_table_and_hidden_or_marker_files_are_left_out(tmp_path):
    folder = write_parts(tmp_path / "data")
    (folder / "_SUCCESS").write_text("")
    (folder / ".part-9.parquet.0123.partial").write_bytes(b"half")
    dataset = open_table(folder)
    assert isinstance(dataset, TableDataset)
    assert [path.name for path in dataset.files] == [f"part-{i}.parquet" for i in range(4)]
    assert dataset.count_rows() == 2000
    assert dataset.describe() == {"files": 4, "row_groups": 40, "median_group_rows": 50}
    table, total = dataset.read()
    assert (table.num_rows, total) == (2000, 2000)
    assert table.column("part").to_pylist() == sorted(table.column("part").to_pylist())
    whole, _ = dataset.read(max_rows=5000, seed=3)  # a sample larger than the data: all of it
    assert whole.to_pandas().equals(table.to_pandas())


def test_a_glob_picks_its_files_and_reaches_into_subfolders_with_two_stars(tmp_path):
    write_parts(tmp_path / "data", n_files=2)
    write_parts(tmp_path / "data" / "more", n_files=1)
    assert len(open_table(tmp_path / "data" / "*.parquet").files) == 2
    assert len(open_table(tmp_path / "data" / "**" / "*.parquet").files) == 3
    assert len(open_table(tmp_path / "data").files) == 3


def test_a_sample_is_bounded_and_drawn_from_row_groups_across_the_dataset(tmp_path):
    dataset = open_table(write_parts(tmp_path / "data", n_files=8, rows=2000, group_rows=100))
    table, total = dataset.read(max_rows=300, seed=0)
    assert (table.num_rows, total) == (300, 16000)
    groups = {
        (part, row // 100) for part, row in zip(*table.select(["part", "row"]).to_pydict().values())
    }
    assert len(groups) >= MIN_SAMPLED_GROUPS * 0.6
    assert len({part for part, _ in groups}) >= 6
    again, _ = dataset.read(max_rows=300, seed=0)
    assert again.to_pandas().equals(table.to_pandas())


def test_files_whose_columns_differ_are_refused_naming_the_file(tmp_path):
    folder = write_parts(tmp_path / "data", n_files=2)
    pq.write_table(pa.table({"x": [1.0], "other": [2.0]}), folder / "part-5.parquet")
    with pytest.raises(
        DataError, match=r"part-5\.parquet: its columns differ.*lacks \['part', 'row'\]"
    ):
        open_table(folder)


def test_integer_and_float_files_read_as_floats(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    pq.write_table(pa.table({"x": pa.array([1, 2], pa.int64())}), folder / "a.parquet")
    pq.write_table(pa.table({"x": [0.5, None]}), folder / "b.parquet")
    table, _ = open_table(folder).read()
    assert table.column("x").type == pa.float64()
    assert table.column("x").to_pylist() == [1.0, 2.0, 0.5, None]


def test_a_folder_mixing_formats_or_holding_no_data_file_is_refused(tmp_path):
    folder = write_parts(tmp_path / "data", n_files=1)
    (folder / "b.csv").write_text("x,part,row\n1,0,0\n")
    with pytest.raises(DataError, match="mix formats"):
        open_table(folder)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no data files"):
        open_table(tmp_path / "empty")


def test_a_folder_of_csv_files_is_streamed_and_sampled(tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i}.csv").write_text("x,y\n" + "".join(f"{i}.5,{j}\n" for j in range(40)))
    dataset = open_table(folder)
    assert dataset.count_rows() == 120
    table, total = dataset.read(max_rows=30)
    assert (table.num_rows, total) == (30, 120)
    assert set(table.column("x").to_pylist()) == {"0.5", "1.5", "2.5"}
