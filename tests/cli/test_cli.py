"""The command line, driven through Typer's runner and, once, through the console script."""

import datetime
import decimal
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support import hide, invoke, structured_table

from impute import evaluate_frame, load_model
from impute.cli import _jobs

EPOCHS = ["--max-epochs", "3"]


@pytest.fixture
def gappy_csv(tmp_path):
    """A CSV with gaps in eight numeric columns, an integer column, an id and a text column."""
    X, _ = hide(structured_table(300), 0.2)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])]).round(4)
    frame.insert(0, "id", [f"row-{i}" for i in range(len(frame))])
    counts = np.where(np.arange(len(frame)) % 7 == 0, np.nan, np.abs(np.round(X[:, 0] * 10)))
    frame["count"] = pd.array(counts, dtype="Int64")
    frame["note"] = np.where(np.arange(len(frame)) % 5 == 0, "NA", 'a, "quoted" note')
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return path


def read_text(path, sep=","):
    return pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep)


def test_fit_then_fill_keeps_observed_text_and_fills_every_gap(gappy_csv, tmp_path):
    fitted = invoke("fit", gappy_csv, *EPOCHS, "-o", tmp_path / "m.impute")
    assert fitted.exit_code == 0, fitted.output
    assert "passed through" in fitted.output and "validation RMSE" in fitted.output
    filled = invoke("fill", gappy_csv, "--model", tmp_path / "m.impute", "-o", tmp_path / "out.csv")
    assert filled.exit_code == 0, filled.output
    before, after = read_text(gappy_csv), read_text(tmp_path / "out.csv")
    assert list(after.columns) == list(before.columns)
    observed = ~before.isin(["", "NA"])
    assert (after[observed] == before[observed]).sum().sum() == observed.sum().sum()
    modelled = [c for c in before.columns if c.startswith("x")] + ["count", "note"]
    assert (after[modelled] != "").all().all()
    assert after["count"].str.fullmatch(r"\d+").all(), "an integer column is filled with integers"
    assert (after["note"] == 'a, "quoted" note').all(), (
        "a text column is filled with its categories"
    )
    assert (after["id"] == before["id"]).all(), "an identifier column passes through"


def test_fill_without_model_fits_first_and_writes_to_stdout(gappy_csv):
    result = invoke("fill", gappy_csv, *EPOCHS, "-o", "-", "--quiet")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("id,x0,x1") and len(lines) == 301


def test_default_output_paths_sit_next_to_the_data(gappy_csv):
    assert invoke("fit", gappy_csv, *EPOCHS, "--method", "mean").exit_code == 0
    assert (gappy_csv.parent / "data.impute").is_file()
    assert invoke("fill", gappy_csv, "-m", gappy_csv.parent / "data.impute").exit_code == 0
    assert (gappy_csv.parent / "data.filled.csv").is_file()


def test_parquet_round_trip_keeps_types(gappy_csv, tmp_path):
    invoke("fit", gappy_csv, *EPOCHS, "-o", tmp_path / "m.impute")
    assert (
        invoke(
            "fill", gappy_csv, "-m", tmp_path / "m.impute", "-o", tmp_path / "out.parquet"
        ).exit_code
        == 0
    )
    table = pq.read_table(tmp_path / "out.parquet")
    assert str(table.schema.field("x0").type) == "double"
    assert str(table.schema.field("count").type) == "int64"
    assert str(table.schema.field("note").type) == "string"
    frame = table.to_pandas()
    source = pd.read_csv(gappy_csv)
    observed = source["x0"].notna()
    assert (frame.loc[observed, "x0"] == source.loc[observed, "x0"]).all()
    assert not frame[["x0", "count"]].isna().any().any()
    again = invoke(
        "fill", tmp_path / "out.parquet", "-m", tmp_path / "m.impute", "-o", tmp_path / "again.csv"
    )
    assert again.exit_code == 0, again.output


def test_evaluate_reports_each_method(tmp_path):
    X = structured_table(300)
    path = tmp_path / "complete.csv"
    pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])]).to_csv(path, index=False)
    result = invoke(
        "evaluate", path, "--seeds", "1", "--max-epochs", "30", "--json", "--mechanism", "MAR"
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    assert set(summary["methods"]) == {"dynamic", "static", "mean"}
    assert summary["mechanism"] == "MAR"
    assert summary["methods"]["dynamic"]["rmse"] < summary["methods"]["mean"]["rmse"]
    assert (
        0 < summary["methods"]["dynamic"]["epochs"] <= 30
        and summary["methods"]["mean"]["epochs"] is None
    )
    table = invoke("evaluate", path, "--seeds", "1", "--methods", "mean")
    assert table.exit_code == 0 and "RMSE" in table.stdout and "epochs" not in table.stdout


def test_info_describes_data_and_models(gappy_csv, tmp_path):
    data = invoke("info", gappy_csv, "--json")
    assert data.exit_code == 0
    columns = json.loads(data.stdout)["columns"]
    assert columns["count"]["kind"] == "integer" and columns["id"]["kind"] == "identifier"
    assert columns["note"]["kind"] == "categorical"
    assert columns["x0"]["missing"] == pd.read_csv(gappy_csv)["x0"].isna().sum()
    invoke("fit", gappy_csv, *EPOCHS, "-o", tmp_path / "m.impute")
    model = invoke("info", tmp_path / "m.impute")
    assert model.exit_code == 0
    assert "TransformerImputer" in model.stdout and "passes through: id" in model.stdout


def test_every_command_has_help_with_an_example():
    for command in ("fit", "fill", "evaluate", "info"):
        result = invoke(command, "--help")
        assert result.exit_code == 0 and "Example" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["fill", "{data}", "-m", "{model}", "-o", "{out}"], "lacks: ['x3']"),
        (["fit", "{bad}", "-o", "{out}"], "column 'x1', row 3: 'oops' is not a finite number"),
        (["fit", "{data}", "--columns", "x0,nope"], "no column named ['nope']"),
        (["fill", "{data}", "-m", "{tampered}", "-o", "{out}"], "checksum mismatch"),
    ],
)
def test_bad_data_exits_1_with_one_line_and_no_output(tmp_path, args, message):
    frame = pd.DataFrame(structured_table(60)[:, :4], columns=["x0", "x1", "x2", "x3"])
    frame.iloc[::4, 0] = np.nan
    frame.to_csv(tmp_path / "full.csv", index=False)
    frame.drop(columns="x3").to_csv(tmp_path / "data.csv", index=False)
    bad = frame.astype(object)
    bad.loc[2, "x1"] = "oops"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    assert (
        invoke("fit", tmp_path / "full.csv", *EPOCHS, "-o", tmp_path / "model.impute").exit_code
        == 0
    )
    blob = bytearray((tmp_path / "model.impute").read_bytes())
    blob[-5] ^= 0xFF
    (tmp_path / "tampered.impute").write_bytes(bytes(blob))
    paths = {name: tmp_path / f"{name}.csv" for name in ("data", "bad", "out")}
    paths.update(model=tmp_path / "model.impute", tampered=tmp_path / "tampered.impute")
    before = sorted(os.listdir(tmp_path))
    result = invoke(*[arg.format(**paths) for arg in args])
    assert result.exit_code == 1, result.output
    assert message in result.output.replace("\n", " ")
    assert "Traceback" not in result.output
    assert sorted(os.listdir(tmp_path)) == before, "no output, partial or whole, is left behind"


def test_bad_usage_exits_2(gappy_csv, tmp_path):
    assert invoke("fill", gappy_csv, "-o", gappy_csv).exit_code == 2
    assert invoke("fit", tmp_path / "missing.csv").exit_code == 2
    assert invoke("fit", gappy_csv, "--method", "median").exit_code == 2
    assert invoke("evaluate", gappy_csv, "--methods", "dynamic,median").exit_code == 2


def test_param_sets_the_network_of_fit_and_evaluate(gappy_csv, tmp_path, monkeypatch):
    params = ("--param", "d_model=32", "--param", "n_heads=2", "--param", "gaussian_hint=False")
    result = invoke("fit", gappy_csv, *EPOCHS, *params, "-o", tmp_path / "m.impute", "-q")
    assert result.exit_code == 0, result.output
    model = load_model(tmp_path / "m.impute")
    assert (model.d_model, model.n_heads, model.gaussian_hint) == (32, 2, False)
    assert model.model_.column.shape[1] == 32, "the network is built as asked"
    scored = {}

    def spy(imputer, *args, **kwargs):
        scored[type(imputer).__name__] = imputer.get_params()
        return evaluate_frame(imputer, *args, **kwargs)

    monkeypatch.setattr(_jobs, "evaluate_frame", spy)
    result = invoke(
        "evaluate", gappy_csv, *EPOCHS, *params, "--methods", "dynamic,mean", "--seeds", "1", "-q"
    )
    assert result.exit_code == 0, result.output
    assert scored["TransformerImputer"]["d_model"] == 32 and "d_model" not in scored["MeanImputer"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--param", "width=3"], "TransformerImputer has no parameter 'width'; its parameters are"),
        (["--param", "masking=static"], "masking is set with --method"),
        (["--param", "add_indicator=true"], "add_indicator cannot be set for files"),
        (
            ["--param", "mask_rate=2"],
            "The 'mask_rate' parameter of TransformerImputer must be a float in the range "
            "(0.0, 1.0)",
        ),
        (["--param", "d_model=30"], "d_model=30 must be a multiple of n_heads=4"),
        (["--param", "d_model"], "'d_model' is not NAME=VALUE"),
        (["--method", "mean", "--param", "d_model=32"], "mean trains none"),
    ],
)
def test_a_bad_param_is_refused_before_any_work(gappy_csv, tmp_path, args, message):
    result = invoke("fit", gappy_csv, *args, "-o", tmp_path / "m.impute")
    assert result.exit_code == 2
    assert message in " ".join(result.output.replace("│", " ").split())
    assert not (tmp_path / "m.impute").exists()


def test_debug_shows_the_underlying_error(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    assert invoke("fit", tmp_path / "empty.csv").exit_code == 1
    result = invoke("fit", tmp_path / "empty.csv", "--debug")
    assert type(result.exception).__name__ == "DataError"


def test_csv_categories_dates_and_flags_round_trip_as_text(tmp_path):
    rng = np.random.default_rng(0)
    n = 200
    a = rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "x": a.round(3),
            "colour": np.where(a > 0, "Dark Red", "light blue"),
            "ok": np.where(a > 0, "true", "false"),
            "day": (pd.Timestamp("2024-03-01") + pd.to_timedelta(np.arange(n), unit="D")).strftime(
                "%Y-%m-%d"
            ),
        }
    ).astype(object)
    for name in frame.columns:
        frame.loc[rng.random(n) < 0.15, name] = ""
    frame.to_csv(tmp_path / "in.csv", index=False)
    result = invoke(
        "fill", tmp_path / "in.csv", "-o", tmp_path / "out.csv", "--max-epochs", "20", "-q"
    )
    assert result.exit_code == 0, result.output
    before, after = read_text(tmp_path / "in.csv"), read_text(tmp_path / "out.csv")
    observed = before != ""
    assert (after[observed] == before[observed]).sum().sum() == observed.sum().sum()
    assert (after != "").all().all()
    assert set(after["colour"]) == {"Dark Red", "light blue"} and set(after["ok"]) == {
        "true",
        "false",
    }
    assert after["day"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    kinds = json.loads(invoke("info", tmp_path / "in.csv", "--json").stdout)["columns"]
    assert [kinds[name]["kind"] for name in frame.columns] == [
        "float",
        "categorical",
        "categorical",
        "datetime",
    ]


@pytest.mark.parametrize("zone", ["Europe/Oslo", "UTC"])
def test_times_with_utc_offsets_are_filled_with_an_offset(tmp_path, zone):
    """Local times exported with their offset (+01:00 in winter, +02:00 in summer) and UTC times
    written with Z: the filled cells carry an offset too, so each names one instant."""
    rng = np.random.default_rng(0)
    n = 120
    stamps = pd.Series(pd.date_range("2024-03-20", periods=n, freq="6h", tz=zone))
    text = stamps.map(lambda t: t.isoformat().replace("+00:00", "Z"))
    frame = pd.DataFrame({"when": text, "x": np.arange(n, dtype=float)}).astype(object)
    gaps = rng.random(n) < 0.2
    frame.loc[gaps, "when"] = ""
    frame.to_csv(tmp_path / "in.csv", index=False)
    result = invoke(
        "fill", tmp_path / "in.csv", "-o", tmp_path / "out.csv", "--method", "mean", "-q"
    )
    assert result.exit_code == 0, result.output
    after = read_text(tmp_path / "out.csv")
    assert (after["when"][~gaps] == frame["when"][~gaps]).all()
    suffix = r"Z" if zone == "UTC" else r"\+0[12]:00"
    assert after["when"][gaps].str.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}" + suffix).all()
    filled = pd.to_datetime(after["when"][gaps], format="ISO8601", utc=True)
    mean = pd.to_datetime(frame["when"][~gaps], format="ISO8601", utc=True).mean()
    assert (abs(filled - mean) < pd.Timedelta("1s")).all()


def test_parquet_types_survive_a_fill(tmp_path):
    rng = np.random.default_rng(0)
    n = 200
    a = rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "x": np.where(rng.random(n) < 0.2, np.nan, a),
            "size": pd.Categorical(np.where(a > 0, "big", "small")),
            "flag": pd.array(np.where(rng.random(n) < 0.2, None, a > 0), dtype="boolean"),
            "count": pd.array(np.where(rng.random(n) < 0.2, None, np.round(a * 5)), dtype="Int64"),
            "when": pd.Series(
                pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(a, unit="h")
            ).mask(rng.random(n) < 0.2),
        }
    )
    frame.loc[rng.random(n) < 0.2, "size"] = None
    frame.to_parquet(tmp_path / "in.parquet")
    result = invoke(
        "fill", tmp_path / "in.parquet", "-o", tmp_path / "out.parquet", "--max-epochs", "5", "-q"
    )
    assert result.exit_code == 0, result.output
    before, after = pq.read_table(tmp_path / "in.parquet"), pq.read_table(tmp_path / "out.parquet")
    assert after.schema.types == before.schema.types
    assert all(after.column(name).null_count == 0 for name in after.column_names)
    filled = after.to_pandas()
    for name in frame.columns:
        observed = frame[name].notna()
        assert (filled.loc[observed, name] == frame.loc[observed, name]).all(), name


def test_parquet_decimals_dates_and_coarse_timestamps_are_filled_in_their_types(tmp_path):
    """Warehouse exports: money as DECIMAL(10, 2), dates without a time, timestamps in
    milliseconds. Each is modelled as a number and written back in its own type, rounded to its
    resolution; durations and times of day are passed through untouched."""
    rng = np.random.default_rng(0)
    n = 200
    a = rng.normal(size=n)
    gaps = {name: rng.random(n) < 0.2 for name in ("price", "day", "stamp", "wait")}
    price = [None if gap else decimal.Decimal(f"{10 + v:.2f}") for v, gap in zip(a, gaps["price"])]
    day = [
        None if gap else datetime.date(2024, 1, 1) + datetime.timedelta(days=int(50 + 20 * v))
        for v, gap in zip(a, gaps["day"])
    ]
    start = datetime.datetime(2024, 1, 1)
    stamp = [
        None if gap else start + datetime.timedelta(seconds=1000 * v)
        for v, gap in zip(a, gaps["stamp"])
    ]
    wait = [None if gap else int(1000 * v) for v, gap in zip(a, gaps["wait"])]
    table = pa.table(
        {
            "x": a,
            "price": pa.array(price, pa.decimal128(10, 2)),
            "day": pa.array(day, pa.date32()),
            "stamp": pa.array(stamp, pa.timestamp("ms")),
            "wait": pa.array(wait, pa.duration("s")),
        }
    )
    pq.write_table(table, tmp_path / "in.parquet")
    kinds = json.loads(invoke("info", tmp_path / "in.parquet", "--json").stdout)["columns"]
    assert [kinds[name]["kind"] for name in table.column_names] == [
        "float",
        "float",
        "datetime",
        "datetime",
        "unsupported",
    ]
    result = invoke(
        "fill", tmp_path / "in.parquet", "-o", tmp_path / "out.parquet", "--max-epochs", "20", "-q"
    )
    assert result.exit_code == 0, result.output
    after = pq.read_table(tmp_path / "out.parquet")
    assert after.schema == table.schema
    assert [after.column(name).null_count for name in table.column_names] == [
        0,
        0,
        0,
        0,
        int(gaps["wait"].sum()),
    ]
    for name in table.column_names:
        observed = ~np.asarray(table.column(name).is_null())
        assert after.column(name).filter(observed).equals(table.column(name).filter(observed)), name
    filled_price = np.array(after.column("price").to_pylist(), dtype=float)[gaps["price"]]
    assert (np.abs(filled_price - (10 + a[gaps["price"]])) < 1).mean() > 0.8


def test_categorical_option_reaches_the_model(tmp_path):
    """--categorical is obeyed by the network too: Parquet integer codes are categories, not
    numbers, and text with many distinct labels (zip codes) is a category, not an identifier."""
    rng = np.random.default_rng(0)
    n = 200
    code = rng.integers(1, 4, n)
    frame = pd.DataFrame(
        {
            "x": code + rng.normal(0, 0.1, n),
            "code": pd.array(np.where(rng.random(n) < 0.2, None, code), dtype="Int64"),
            "zip": pd.Series([f"{v:05d}" for v in rng.integers(0, 99999, n)]).mask(
                rng.random(n) < 0.2
            ),
        }
    )
    frame.to_parquet(tmp_path / "in.parquet")
    result = invoke(
        "fit",
        tmp_path / "in.parquet",
        "--categorical",
        "code,zip",
        "-o",
        tmp_path / "m.impute",
        *EPOCHS,
        "-q",
    )
    assert result.exit_code == 0, result.output
    assert load_model(tmp_path / "m.impute").kinds_ == ["float", "categorical", "categorical"]
    result = invoke(
        "fill",
        tmp_path / "in.parquet",
        "-m",
        tmp_path / "m.impute",
        "-o",
        tmp_path / "out.parquet",
        "-q",
    )
    assert result.exit_code == 0, result.output
    filled = pd.read_parquet(tmp_path / "out.parquet")
    assert set(filled["code"]) <= {1, 2, 3} and set(filled["zip"]) <= set(frame["zip"].dropna())
    result = invoke(
        "evaluate",
        tmp_path / "in.parquet",
        "--categorical",
        "code",
        "--methods",
        "mean",
        "--seeds",
        "1",
        "--json",
    )
    columns = json.loads(result.stdout)["summary"]["methods"]["mean"]["columns"]
    assert set(columns["code"]) == {"accuracy"}


def test_unseen_category_in_a_file_passes_through(tmp_path):
    rows = ["x,colour"] + [f"{i % 7},{'red' if i % 2 else 'blue'}" for i in range(60)]
    (tmp_path / "train.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "new.csv").write_text("x,colour\n,purple\n3,\n")
    assert invoke("fit", tmp_path / "train.csv", *EPOCHS, "-q").exit_code == 0
    result = invoke("fill", tmp_path / "new.csv", "-m", tmp_path / "train.impute", "-o", "-", "-q")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].endswith(",purple") and lines[1].split(",")[0] != ""
    assert lines[2].split(",")[1] in {"red", "blue"}


def test_numbers_with_a_decimal_comma_are_modelled_and_written_back_with_one(tmp_path):
    """A spreadsheet export from much of Europe: ';' between cells, ',' before decimals. Such a
    column is numeric, not a category; values that could be thousands ("1,234") stay text."""
    rng = np.random.default_rng(0)
    n = 200
    a = rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "price": [f"{v:.2f}".replace(".", ",") for v in 10 + a],
            "weight": [f"{v:.1f}".replace(".", ",") for v in 50 + 10 * a],
            "code": [
                f"{v},{w:03d}" for v, w in zip(rng.integers(1, 9, n), rng.integers(0, 1000, n))
            ],
        }
    ).astype(object)
    for name in ("price", "weight"):
        frame.loc[rng.random(n) < 0.15, name] = ""
    frame.to_csv(tmp_path / "in.csv", index=False, sep=";")
    described = json.loads(invoke("info", tmp_path / "in.csv", "--json").stdout)
    assert [described["columns"][name]["kind"] for name in frame.columns] == [
        "float",
        "float",
        "identifier",
    ]
    assert described["decimal_comma"] == ["price", "weight"]
    assert (
        invoke(
            "fit", tmp_path / "in.csv", "-o", tmp_path / "m.impute", "--max-epochs", "20", "-q"
        ).exit_code
        == 0
    )
    result = invoke(
        "fill", tmp_path / "in.csv", "-m", tmp_path / "m.impute", "-o", tmp_path / "out.csv", "-q"
    )
    assert result.exit_code == 0, result.output
    before, after = (
        read_text(tmp_path / "in.csv", sep=";"),
        read_text(tmp_path / "out.csv", sep=";"),
    )
    observed = before != ""
    assert (after[observed] == before[observed]).sum().sum() == observed.sum().sum()
    filled = after["weight"][~observed["weight"]]
    assert filled.str.fullmatch(r"-?\d+(,\d+)?").all()
    assert filled.str.replace(",", ".").astype(float).between(20, 80).all()
    result = invoke(
        "fill",
        tmp_path / "in.csv",
        "-m",
        tmp_path / "m.impute",
        "-o",
        tmp_path / "out.parquet",
        "-q",
    )
    numbers = pq.read_table(tmp_path / "out.parquet").column("price").to_numpy()
    assert result.exit_code == 0 and numbers.dtype == np.float64 and not np.isnan(numbers).any()


def commands_in_a_fresh_process(tmp_path, commands):
    """Run each command line (a list of arguments) in one new Python process; return their exit
    statuses and which of torch, scikit-learn and pandas that process had imported by the end."""
    code = (
        "import json, sys\n"
        "from typer.testing import CliRunner\n"
        "from impute.cli._app import app\n"
        f"codes = [CliRunner().invoke(app, args).exit_code for args in {commands!r}]\n"
        "loaded = [m for m in ('torch', 'sklearn', 'pandas') if m in sys.modules]\n"
        "print(json.dumps([codes, loaded]))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    return json.loads(ran.stdout.splitlines()[-1])


def test_help_and_a_refused_option_load_none_of_the_model_libraries(tmp_path):
    """``impute --help`` and usage errors answer at once: they import neither torch nor
    scikit-learn nor pandas, which take seconds to load and only a fit or a fill needs."""
    commands = [["--help"], ["fill", "--help"], ["fit", "nowhere.csv"]]
    assert commands_in_a_fresh_process(tmp_path, commands) == [[0, 0, 2], []]


def test_describing_a_data_file_loads_no_model_library(tmp_path):
    (tmp_path / "data.csv").write_text("a,b\n1,x\n,y\n3,\n")
    codes, loaded = commands_in_a_fresh_process(tmp_path, [["info", "data.csv"]])
    assert codes == [0] and "torch" not in loaded and "sklearn" not in loaded
