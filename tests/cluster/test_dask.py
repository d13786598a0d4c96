"""On a real Dask cluster (worker processes, not threads): a folder is filled cell for cell as
one process fills it, a worker killed mid-write leaves no partial file and a rerun completes
the output, and a Dask DataFrame is filled lazily with the right meta."""

import contextlib
import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from impute import fill_dataset, fit_file, save_model
from impute.cli import _dataset_jobs
from impute.cluster import fill_dataframe
from impute.core import one_thread
from impute.io import TableDataset
from tests.support import invoke, structured_table

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as connected,
    ):
        yield connected


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """Six Parquet files of a structured table with 20% gaps, and an imputer fitted on them."""
    folder = tmp_path_factory.mktemp("cluster") / "data"
    folder.mkdir()
    X = structured_table(n_rows=3000, seed=5)
    X[np.random.default_rng(2).random(X.shape) < 0.2] = np.nan
    for i, rows in enumerate(np.array_split(np.arange(3000), 6)):
        table = pa.table({**{f"c{j}": X[rows, j] for j in range(8)}, "id": rows})
        pq.write_table(table, folder / f"part-{i}.parquet", row_group_size=250)
    fitted = fit_file(folder, exclude=["id"], max_epochs=3, params={"d_model": 16, "n_heads": 2})
    return folder, fitted


def outputs(folder):
    return {path.name: pq.read_table(path).to_pandas() for path in sorted(folder.glob("*.parquet"))}


def assert_same_outputs(left, right):
    assert left.keys() == right.keys()
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], check_exact=True)


def test_a_local_cluster_fills_every_cell_as_one_process_does(client, dataset, tmp_path):
    folder, fitted = dataset
    fill_dataset(fitted.imputer, fitted.schema, folder, tmp_path / "one")
    summary = fill_dataset(
        fitted.imputer, fitted.schema, folder, tmp_path / "two", engine="dask", client=client
    )
    assert (summary["filled"], summary["rows"]) == (6, 3000)
    assert_same_outputs(outputs(tmp_path / "one"), outputs(tmp_path / "two"))
    options = {"draws": 2, "split": True, "seed": 4}
    fill_dataset(fitted.imputer, fitted.schema, folder, tmp_path / "draws1", **options)
    fill_dataset(
        fitted.imputer,
        fitted.schema,
        folder,
        tmp_path / "draws2",
        engine="dask",
        client=client,
        **options,
    )
    assert_same_outputs(outputs(tmp_path / "draws1"), outputs(tmp_path / "draws2"))


class KillAfterFirstBatch(distributed.WorkerPlugin):
    """Makes the first worker to write a batch die right after it (once per ``marker`` file),
    as a machine lost mid-write would: its partial output stays on disk."""

    def __init__(self, marker):
        self.marker = marker

    def setup(self, worker):
        from contextlib import contextmanager

        from impute.io import _files

        original = _files.table_writer

        @contextmanager
        def dying_writer(destination, schema, delimiter=","):
            with original(destination, schema, delimiter) as write:

                def write_then_die(batch):
                    write(batch)
                    try:
                        open(self.marker, "x").close()
                    except FileExistsError:
                        return
                    os._exit(1)

                yield write_then_die

        _files.table_writer = dying_writer


def test_a_worker_killed_mid_write_leaves_no_partial_file_and_a_rerun_completes(
    client, dataset, tmp_path
):
    folder, fitted = dataset
    fill_dataset(fitted.imputer, fitted.schema, folder, tmp_path / "one")
    marker = tmp_path / "killed"
    client.register_plugin(KillAfterFirstBatch(str(marker)), name="kill")
    out = tmp_path / "cluster"
    try:
        # Dask reruns the lost worker's task elsewhere; should it give up, the error ends the run
        with contextlib.suppress(Exception):
            fill_dataset(fitted.imputer, fitted.schema, folder, out, engine="dask", client=client)
    finally:
        client.unregister_worker_plugin("kill")
    assert marker.exists()
    assert not list(out.glob(".*.partial"))
    client.wait_for_workers(2, timeout=60)
    fill_dataset(fitted.imputer, fitted.schema, folder, out, engine="dask", client=client)
    assert_same_outputs(outputs(tmp_path / "one"), outputs(out))
    assert not [path for path in out.iterdir() if not path.name.endswith(".parquet")]


def test_a_dask_dataframe_is_filled_lazily_like_the_pandas_one(client, dataset):
    folder, fitted = dataset
    frame = dd.read_parquet(str(folder))
    result = fill_dataframe(fitted.imputer, frame)
    assert list(result.dtypes) == list(frame.dtypes)
    computed = result.compute()
    source = frame.compute()
    names = list(fitted.schema.modelled)
    imputer = clone_fitted(fitted.imputer)
    with one_thread():  # partition by partition, as the workers fill them
        parts = [frame.partitions[i].compute() for i in range(frame.npartitions)]
        expected = pd.concat([imputer.transform(part[names]) for part in parts])
    pd.testing.assert_frame_equal(computed[names], expected.set_axis(computed.index))
    pd.testing.assert_series_equal(computed["id"], source["id"])
    assert not computed[names].isna().any().any()


def test_a_dask_dataframe_lacking_a_filled_column_is_refused(dataset):
    _, fitted = dataset
    frame = dd.from_pandas(pd.DataFrame({"c0": [1.0, None]}), npartitions=1)
    with pytest.raises(ValueError, match=r"lacks columns the imputer fills: \['c1'"):
        fill_dataframe(fitted.imputer, frame)


def clone_fitted(imputer):
    """The fitted ``imputer`` answering with DataFrames, the original left as it was."""
    import copy

    return copy.deepcopy(imputer).set_output(transform="pandas")


def test_the_command_line_fills_through_a_scheduler_s_address_and_its_own_workers(
    client, dataset, tmp_path
):
    folder, fitted = dataset
    model = tmp_path / "model.impute"
    save_model(fitted.imputer, model, extra={"schema": fitted.schema.to_dict()})
    runs = {
        "one": [],
        "there": ["--engine", "dask", "--scheduler", client.scheduler.address],
        "own": ["--engine", "dask", "--workers", "2"],
    }
    for name, options in runs.items():
        result = invoke("fill", folder, "-m", model, "-o", tmp_path / name, "-q", *options)
        assert result.exit_code == 0, result.output
    assert_same_outputs(outputs(tmp_path / "one"), outputs(tmp_path / "there"))
    assert_same_outputs(outputs(tmp_path / "one"), outputs(tmp_path / "own"))


def test_a_long_parquet_file_is_filled_in_pieces_the_same_on_every_engine(
    client, dataset, tmp_path, monkeypatch
):
    folder, fitted = dataset
    monkeypatch.setattr(_dataset_jobs, "PIECE_ROWS", 200)  # 500-row files of 250-row groups
    tasks, _ = _dataset_jobs.plan_tasks(TableDataset.open(folder), tmp_path)
    assert [task.pieces for task in tasks] == [((0,), (1,))] * 6
    fill_dataset(fitted.imputer, fitted.schema, folder, tmp_path / "one", interval=0.9)
    fill_dataset(
        fitted.imputer,
        fitted.schema,
        folder,
        tmp_path / "two",
        interval=0.9,
        engine="dask",
        client=client,
    )
    pieces, whole = outputs(tmp_path / "one"), outputs(tmp_path / "two")
    assert_same_outputs(pieces, whole)
    assert sorted(pieces) == [f"part-{i}.parquet" for i in range(6)]
    assert not list((tmp_path / "one").glob(".*")) and not list((tmp_path / "two").glob(".*"))
    source = pq.read_table(folder / "part-0.parquet").to_pandas()
    filled = pieces["part-0.parquet"]
    observed = source.notna()
    pd.testing.assert_frame_equal(filled[source.columns][observed], source[observed])
    assert filled[source.columns].notna().all().all()
