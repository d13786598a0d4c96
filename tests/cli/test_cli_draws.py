"""``impute fill --draws/--split/--interval`` and ``impute evaluate --draws``: one pass, every
output complete or none, observed cells as read, and clear refusals."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import SAMPLE_DATA, hide, invoke, structured_table

EPOCHS = ["--max-epochs", "3"]
OLD_MODELS = Path(__file__).parents[1] / "io" / "data"


def flat(output):
    """The command's output on one line, without the frame drawn around usage errors."""
    return " ".join(output.replace("│", " ").split())


@pytest.fixture
def gappy_csv(tmp_path):
    """Eight numeric columns with gaps, an integer column and a text column."""
    X, _ = hide(structured_table(200), 0.2)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])]).round(4)
    frame["count"] = pd.array(
        np.where(np.arange(200) % 6 == 0, np.nan, np.abs(np.round(X[:, 0] * 10))), dtype="Int64"
    )
    frame["kind"] = np.where(np.arange(200) % 9 == 0, None, np.where(X[:, 1] > 0, "hi", "lo"))
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def model(gappy_csv, tmp_path):
    path = tmp_path / "m.impute"
    assert invoke("fit", gappy_csv, *EPOCHS, "-o", path, "--quiet").exit_code == 0
    return path


def test_long_output_stacks_the_draws_with_their_number(gappy_csv, model, tmp_path):
    out = tmp_path / "long.csv"
    result = invoke("fill", gappy_csv, "-m", model, "--draws", "3", "-o", out)
    assert result.exit_code == 0, result.output
    assert "600 rows written" in result.output
    before = pd.read_csv(gappy_csv, dtype=str, keep_default_na=False)
    after = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(after.columns) == [".imputation", *before.columns]
    assert after[".imputation"].tolist() == [str(m) for m in (1, 2, 3) for _ in range(200)]
    observed = before != ""
    draws = [after[after[".imputation"] == str(m)].drop(columns=".imputation") for m in (1, 2, 3)]
    for draw in draws:
        draw = draw.reset_index(drop=True)
        assert (draw[observed] == before[observed]).sum().sum() == observed.sum().sum()
        assert (draw != "").all().all()
        assert draw["count"].str.fullmatch(r"\d+").all()
        assert set(draw["kind"]) <= {"hi", "lo"}
    gaps = ~observed["x0"]
    first, second = (d.reset_index(drop=True)["x0"][gaps] for d in draws[:2])
    assert (first != second).mean() > 0.9


def test_split_writes_one_file_per_draw_and_the_same_draws_as_long(gappy_csv, model, tmp_path):
    result = invoke(
        "fill", gappy_csv, "-m", model, "--draws", "2", "--split", "-o", tmp_path / "d.parquet"
    )
    assert result.exit_code == 0, result.output
    long = tmp_path / "long.parquet"
    assert invoke("fill", gappy_csv, "-m", model, "--draws", "2", "-o", long).exit_code == 0
    stacked = pd.read_parquet(long)
    for m in (1, 2):
        part = pd.read_parquet(tmp_path / f"d.{m}.parquet")
        expected = stacked[stacked[".imputation"] == m].drop(columns=".imputation")
        pd.testing.assert_frame_equal(part, expected.reset_index(drop=True))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("d.")) == [
        "d.1.parquet",
        "d.2.parquet",
    ]


def test_interval_columns_bound_the_filled_numeric_cells_only(gappy_csv, model, tmp_path):
    out = tmp_path / "bounds.csv"
    result = invoke("fill", gappy_csv, "-m", model, "--interval", "0.9", "-o", out)
    assert result.exit_code == 0, result.output
    before, after = pd.read_csv(gappy_csv), pd.read_csv(out)
    numeric = [f"x{j}" for j in range(8)] + ["count"]
    expected = [*before.columns, *(f"{n}.{side}" for n in numeric for side in ("lower", "upper"))]
    assert list(after.columns) == expected
    for name in numeric:
        gaps = before[name].isna()
        lower, upper, filled = after[f"{name}.lower"], after[f"{name}.upper"], after[name]
        assert lower[~gaps].isna().all() and upper[~gaps].isna().all()
        assert (lower[gaps] <= upper[gaps]).all()  # equal where clipped to the observed range
        assert (lower[gaps] < upper[gaps]).mean() > 0.9
        assert ((lower[gaps] <= filled[gaps] + 0.5) & (filled[gaps] - 0.5 <= upper[gaps])).all()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--split"], "--split needs --draws"),
        (["--draws", "2", "--split", "-o", "-"], "one file per draw"),
        (["--draws", "0"], "greater than or equal to 1"),
        (["--interval", "1.5"], "less than or equal to 0.99"),
        (["--method", "mean", "--draws", "2"], "mean method"),
    ],
)
def test_bad_draw_options_stop_before_any_work(gappy_csv, args, message, tmp_path):
    result = invoke("fill", gappy_csv, *EPOCHS, *args)
    assert result.exit_code == 2
    assert message in flat(result.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


def test_a_model_that_cannot_draw_is_refused_with_what_to_do(tmp_path):
    result = invoke(
        "fill",
        OLD_MODELS / "table.csv",
        "-m",
        OLD_MODELS / "table.impute",
        "--draws",
        "2",
        "-o",
        tmp_path / "out.csv",
    )
    assert result.exit_code == 1
    assert "refit it" in flat(result.output)
    mean_model = tmp_path / "mean.impute"
    invoke("fit", OLD_MODELS / "table.csv", "--method", "mean", "-o", mean_model, "--quiet")
    result = invoke(
        "fill",
        OLD_MODELS / "table.csv",
        "-m",
        mean_model,
        "--interval",
        "0.9",
        "-o",
        tmp_path / "out.csv",
    )
    assert result.exit_code == 1
    assert "--method dynamic or static" in flat(result.output)
    assert not (tmp_path / "out.csv").exists()


def test_a_column_named_like_an_added_one_is_refused(gappy_csv, model, tmp_path):
    frame = pd.read_csv(gappy_csv)
    frame[".imputation"] = 1
    clashing = tmp_path / "clash.csv"
    frame.to_csv(clashing, index=False)
    result = invoke("fill", clashing, "-m", model, "--draws", "2", "-o", tmp_path / "out.csv")
    assert result.exit_code == 1
    assert ".imputation" in flat(result.output) and "rename" in flat(result.output)
    assert not (tmp_path / "out.csv").exists()


def test_evaluate_scores_the_draws_of_the_methods_that_draw():
    result = invoke(
        "evaluate",
        SAMPLE_DATA / "breast_cancer.csv",
        "--seeds",
        "1",
        "--draws",
        "20",
        "--methods",
        "dynamic,mean",
        *EPOCHS,
        "--json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]["methods"]
    dynamic, mean = summary["dynamic"], summary["mean"]
    assert 0.5 < dynamic["coverage"] <= 1 and dynamic["width"] > 0 and dynamic["crps"] > 0
    assert dynamic["crps"] < dynamic["mae"]
    assert mean["coverage"] is None and mean["crps"] is None


def test_evaluate_refuses_too_few_draws_for_its_interval_before_any_work():
    result = invoke("evaluate", SAMPLE_DATA / "breast_cancer.csv", "--draws", "10")
    assert result.exit_code == 2
    assert "10 draws are too few" in flat(result.output) and "at least 19" in flat(result.output)


def test_a_time_series_file_gets_draws_and_intervals_too(tmp_path):
    source = SAMPLE_DATA / "worldbank_fertility.csv"
    model = tmp_path / "wb.impute"
    fitted = invoke("fit", source, "--time-col", "year", "--max-epochs", "2", "-o", model, "-q")
    assert fitted.exit_code == 0, fitted.output
    out = tmp_path / "long.csv"
    result = invoke("fill", source, "-m", model, "--draws", "2", "--interval", "0.9", "-o", out)
    assert result.exit_code == 0, result.output
    before, after = pd.read_csv(source), pd.read_csv(out)
    assert after[".imputation"].tolist() == [1] * len(before) + [2] * len(before)
    gaps = before["AFG"].isna()
    for m in (1, 2):
        draw = after[after[".imputation"] == m].reset_index(drop=True)
        pd.testing.assert_series_equal(draw["AFG"][~gaps], before["AFG"][~gaps])
        assert draw["AFG"][gaps].notna().all()
        assert draw["AFG.lower"][~gaps].isna().all()
        assert (draw["AFG.lower"][gaps] <= draw["AFG.upper"][gaps]).all()


def test_info_says_whether_a_model_can_draw(model, tmp_path):
    assert "draws and intervals (fill --draws, --interval): yes" in flat(
        invoke("info", model).stdout
    )
    old = flat(invoke("info", OLD_MODELS / "table.impute").stdout)
    assert "draws and intervals (fill --draws, --interval): no" in old and "refit it" in old
    mean_model = tmp_path / "mean.impute"
    invoke("fit", OLD_MODELS / "table.csv", "--method", "mean", "-o", mean_model, "--quiet")
    assert "one value" in flat(invoke("info", mean_model).stdout)
    described = json.loads(invoke("info", model, "--json").stdout)
    assert described["draws"] is True
