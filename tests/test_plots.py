"""Pictures: each plot is drawn from a small input, and an unusable --plot fails before any work."""

import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support import hide, invoke, structured_table

from impute import describe_file, plots

pytest.importorskip("matplotlib")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def small_csv(tmp_path):
    X, _ = hide(structured_table(120), 0.2)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])]).round(3)
    frame["colour"] = np.where(
        np.arange(len(frame)) % 6 == 0, "", np.where(X[:, 0] > 0, "red", "blue")
    )
    path = tmp_path / "small.csv"
    frame.to_csv(path, index=False)
    return path


def assert_png(path):
    content = path.read_bytes()
    assert content.startswith(PNG_MAGIC) and len(content) > 10_000, (
        "a real picture, not an empty canvas"
    )
    assert not list(path.parent.glob("*.partial")), "no temporary file is left behind"


def test_info_draws_the_missingness_pattern(small_csv, tmp_path):
    result = invoke("info", small_csv, "--plot", tmp_path / "missing.png")
    assert result.exit_code == 0, result.output
    assert_png(tmp_path / "missing.png")


def test_fit_draws_the_training_curve_and_info_redraws_it_from_the_model(small_csv, tmp_path):
    result = invoke(
        "fit",
        small_csv,
        "--max-epochs",
        "3",
        "-o",
        tmp_path / "m.impute",
        "--plot",
        tmp_path / "fit.png",
    )
    assert result.exit_code == 0, result.output
    assert_png(tmp_path / "fit.png")
    result = invoke("info", tmp_path / "m.impute", "--plot", tmp_path / "again.svg")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "again.svg").read_text().lstrip().startswith("<?xml")


def test_evaluate_draws_errors_per_column_for_each_method(small_csv, tmp_path):
    result = invoke(
        "evaluate",
        small_csv,
        "--seeds",
        "1",
        "--max-epochs",
        "2",
        "--methods",
        "dynamic,mean",
        "--plot",
        tmp_path / "errors.png",
    )
    assert result.exit_code == 0, result.output
    assert_png(tmp_path / "errors.png")


def test_figures_carry_what_they_were_given():
    missing = np.zeros((5000, 2), dtype=bool)
    missing[:, 1] = True
    figure = plots.missingness(missing, ["a", "b"], total_rows=9000)
    matrix, bars = figure.axes
    assert matrix.get_title() == "Missing cells, 5000 of 9000 rows"
    assert [patch.get_height() for patch in bars.patches] == [0.0, 1.0]
    assert matrix.get_images()[0].get_array().shape[0] == plots.MAX_MATRIX_ROWS
    curve = plots.training([3.0, 2.0, 1.0], [2.5, 1.5, 1.7], best_epoch=1).axes[0]
    assert [list(line.get_ydata()) for line in curve.get_lines()[:2]] == [
        [3.0, 2.0, 1.0],
        [2.5, 1.5, 1.7],
    ]


def test_missing_pattern_counts_nulls_and_markers_in_parquet_text(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(
        pa.table({"s": ["a", None, "NA", "b"], "x": [1.0, float("nan"), None, 2.0]}), path
    )
    described = describe_file(path, pattern=True)
    assert list(described["columns"]) == ["s", "x"] and described["rows"] == 4
    assert described["pattern"].tolist() == [
        [False, False],
        [True, True],
        [True, True],
        [False, False],
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        (["info", "{data}", "--plot", "{tmp}/x.jpg"], ".png, .svg or .pdf"),
        (["fit", "{data}", "--method", "mean", "--plot", "{tmp}/x.png"], "no training curve"),
        (["evaluate", "{data}", "--plot", "{tmp}/nowhere/x.png"], "does not exist"),
    ],
)
def test_an_unusable_plot_is_refused_before_any_work(small_csv, tmp_path, args, message):
    result = invoke(*[arg.format(data=small_csv, tmp=tmp_path) for arg in args])
    assert result.exit_code == 2 and message in " ".join(result.output.replace("│", " ").split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.csv"], "nothing was written"


def test_without_matplotlib_the_message_says_how_to_install_it(small_csv, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    result = invoke(
        "fit",
        small_csv,
        "--max-epochs",
        "2",
        "-o",
        tmp_path / "m.impute",
        "--plot",
        tmp_path / "f.png",
    )
    assert result.exit_code == 2 and "impute[plot]" in " ".join(
        result.output.replace("│", " ").split()
    )
    assert not (tmp_path / "m.impute").exists(), "the check comes before training"
    with pytest.raises(ImportError, match=r"pip install \"impute\[plot\]\""):
        plots.training([1.0])
