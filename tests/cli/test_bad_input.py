"""Every row of the README's table of refused and handled inputs, through the command line.

Each case writes its input files, runs one command, and checks the exit status, the message, that
no traceback reached the user, and that a failed run left nothing behind and changed no input.
"""

import builtins
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import structured_table
from typer.testing import CliRunner

from impute import DataError, fill_file, fit_file
from impute.cli._app import app

GOOD = b"a,b,c\n1.5,2,x\n,3,y\n2.5,,z\n3.5,5,w\n4.5,6,v\n"
FAST = ["--max-epochs", "2", "--quiet"]

# (case, input files, command after the program name, exit status, text in the output)
CASES = [
    ("empty file", {"in.csv": b""}, ["fill", "in.csv", *FAST], 1, "the file is empty"),
    ("header only", {"in.csv": b"a,b\n"}, ["fill", "in.csv", *FAST], 1, "header but no data rows"),
    ("one row", {"in.csv": b"a,b\n1,2\n"}, ["fill", "in.csv", "-o", "out.csv", *FAST], 0, ""),
    ("one column", {"in.csv": b"a\n1\n\n3\n"}, ["fill", "in.csv", "-o", "out.csv", *FAST], 0, ""),
    (
        "duplicate column names",
        {"in.csv": b"a,b,a\n1,2,3\n"},
        ["fill", "in.csv", *FAST],
        1,
        "column names appear more than once: ['a']",
    ),
    (
        "a column with every value missing",
        {"in.csv": b"a,b\n1,\n,\n3,\n"},
        ["fit", "in.csv", "--max-epochs", "2"],
        0,
        "passed through",
    ),
    (
        "no column with an observed value",
        {"in.csv": b"a,b\n,\nNA,\n"},
        ["fill", "in.csv", *FAST],
        1,
        "no numeric or categorical column with an observed value",
    ),
    (
        "a text column",
        {"in.csv": b"a,city\n1,Oslo\n2,\n3,Lima\n"},
        ["fill", "in.csv", "-o", "out.csv", *FAST],
        0,
        "",
    ),
    (
        "a constant column",
        {"in.csv": b"a,b\n1,7\n,7\n3,\n"},
        ["fill", "in.csv", "-o", "out.csv", *FAST],
        0,
        "",
    ),
    (
        "text in a numeric column",
        {"in.csv": b"a,b\n" + b"1,2\n" * 20 + b"1,oops\n"},
        ["fill", "in.csv", *FAST],
        1,
        "column 'b', row 21: 'oops' is not a finite number",
    ),
    (
        "inf in a numeric column",
        {"in.csv": b"a,b\n1,2\n2,inf\n3,4\n"},
        ["fill", "in.csv", *FAST],
        1,
        "column 'b', row 2: 'inf' is not a finite number",
    ),
    (
        "values near the float limits",
        {"in.csv": b"a,b\n1e308,1\n-1e308,2\n5,\n,4\n1,5\n"},
        ["fill", "in.csv", "-o", "out.csv", *FAST],
        0,
        "",
    ),
    (
        "a row with more cells than the header",
        {"in.csv": b"a,b\n1,2\n3,,4\n"},
        ["fill", "in.csv", *FAST],
        1,
        "check the delimiter (--sep)",
    ),
    (
        "semicolons and quoted newlines",
        {"in.csv": b'a;b\n1;"line\nbreak"\n;"q""uote"\n3;z\n'},
        ["fill", "in.csv", "-o", "out.csv", *FAST],
        0,
        "",
    ),
    (
        "numbers with a decimal comma",
        {"in.csv": b"a;b\n1,5;2\n;3\n-0,25;\n2;1\n"},
        ["fill", "in.csv", "-o", "out.csv", "--method", "mean", "--quiet"],
        0,
        "",
    ),
    (
        "times with changing UTC offsets",
        {"in.csv": b"t,a\n2024-03-30T12:00+01:00,1\n2024-03-31T12:00+02:00,2\n,3\n"},
        ["fill", "in.csv", "-o", "out.csv", "--method", "mean", "--quiet"],
        0,
        "",
    ),
    (
        "a byte-order mark",
        {"in.csv": b"\xef\xbb\xbf" + GOOD},
        ["fill", "in.csv", "-o", "out.csv", *FAST],
        0,
        "",
    ),
    ("not UTF-8", {"in.csv": b"caf\xe9,b\n1,2\n,3\n"}, ["fill", "in.csv", *FAST], 1, "--encoding"),
    (
        "not UTF-8, with --encoding",
        {"in.csv": b"caf\xe9,b\n1,2\n,3\n"},
        ["fill", "in.csv", "-o", "out.csv", "--encoding", "latin-1", *FAST],
        0,
        "",
    ),
    (
        "a Parquet file that is not Parquet",
        {"in.parquet": b"a,b\n1,2\n"},
        ["fill", "in.parquet", *FAST],
        1,
        "not a readable Parquet file",
    ),
    (
        "an unknown file type",
        {"in.xlsx": GOOD},
        ["fill", "in.xlsx", *FAST],
        1,
        "unknown file type '.xlsx'",
    ),
    ("a missing input file", {}, ["fill", "nowhere.csv", *FAST], 2, "does not exist"),
    (
        "an output folder that does not exist",
        {"in.csv": GOOD},
        ["fill", "in.csv", "-o", "no/out.csv", *FAST],
        2,
        "does not exist",
    ),
    (
        "an output that is the input",
        {"in.csv": GOOD},
        ["fill", "in.csv", "-o", "in.csv", *FAST],
        2,
        "would overwrite the input",
    ),
    ("an unknown method", {"in.csv": GOOD}, ["fill", "in.csv", "--method", "median"], 2, "median"),
    ("an unknown budget", {"in.csv": GOOD}, ["fit", "in.csv", "--budget", "slow"], 2, "a budget"),
    ("a budget of nothing", {"in.csv": GOOD}, ["fit", "in.csv", "--budget", "0"], 2, "a budget"),
    (
        "a budget as a number",
        {"in.csv": GOOD},
        ["fill", "in.csv", "-o", "out.csv", "--budget", "0.2", "--quiet"],
        0,
        "",
    ),
    (
        "a device that is not here",
        {"in.csv": GOOD},
        ["fill", "in.csv", "--device", "tpu:7"],
        2,
        "not a torch device",
    ),
    (
        "a series id that is missing",
        {"in.csv": b"t,id,a\n1,x,1\n2,,2\n3,x,\n"},
        ["fill", "in.csv", "--time-col", "t", "--id-col", "id", "--method", "linear"],
        1,
        "in.csv: column 'id', row 2: the series id is missing",
    ),
    (
        "a series with a repeated time",
        {"in.csv": b"t,a\n1,1\n2,\n2,3\n"},
        ["fill", "in.csv", "--time-col", "t", *FAST],
        1,
        "in.csv: rows 2 and 3 of the table have the same time",
    ),
    (
        "the same column for time and id",
        {"in.csv": b"t,a\n1,1\n2,\n"},
        ["fill", "in.csv", "--time-col", "t", "--id-col", "t", "--method", "linear"],
        1,
        "--time-col and --id-col both name 't'",
    ),
    (
        "a model file that is a pickle",
        {"in.csv": GOOD, "m.impute": b"\x80\x04\x95\x10" + b"\x00" * 40},
        ["fill", "in.csv", "-m", "m.impute", *FAST],
        1,
        "pickle",
    ),
    (
        "a model file from another tool",
        {"in.csv": GOOD, "m.impute": b"\x08\x00\x00\x00\x00\x00\x00\x00{}      "},
        ["fill", "in.csv", "-m", "m.impute", *FAST],
        1,
        "not an impute model file",
    ),
]


def run(tmp_path, args):
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        return CliRunner().invoke(app, [str(arg) for arg in args])
    finally:
        os.chdir(cwd)


def snapshot(folder):
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


@pytest.mark.parametrize(
    "case, files, args, status, message", CASES, ids=[case[0] for case in CASES]
)
def test_input_is_refused_or_handled_as_documented(tmp_path, case, files, args, status, message):
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    before = snapshot(tmp_path)
    result = run(tmp_path, args)
    output = " ".join(result.output.split())
    assert result.exit_code == status, result.output
    assert message in output
    assert "Traceback" not in result.output
    after = snapshot(tmp_path)
    assert {name: after[name] for name in before} == before, "inputs are never modified"
    if status != 0:
        assert after == before, "a failed run leaves no output behind"
    elif "out.csv" in args:
        header = (tmp_path / "out.csv").read_text().splitlines()[0]
        filled = pd.read_csv(tmp_path / "out.csv", sep=";" if ";" in header else ",")
        numeric = filled.select_dtypes("number")
        assert np.isfinite(numeric.to_numpy()).all(), (
            "every numeric gap is filled with a finite number"
        )


def test_permission_denied_is_one_line(tmp_path, monkeypatch):
    (tmp_path / "in.csv").write_bytes(GOOD)

    def refuse(file, *args, **kwargs):  # as a read-only folder would, for the partial output only
        if str(file).endswith(".partial"):
            raise PermissionError(13, "Permission denied", str(file))
        return builtins.open(file, *args, **kwargs)

    monkeypatch.setattr("impute.io._files.open", refuse, raising=False)
    result = run(tmp_path, ["fill", "in.csv", "--method", "mean", "-o", "out.csv"])
    assert result.exit_code == 1
    assert (
        "cannot write in . (Permission denied)" in result.output
        and "Traceback" not in result.output
    )


def _fit(tmp_path, frame):
    frame.to_csv(tmp_path / "train.csv", index=False)
    assert run(tmp_path, ["fit", "train.csv", *FAST]).exit_code == 0


def test_fill_with_other_columns_names_the_differences(tmp_path):
    frame = pd.DataFrame(structured_table(80)[:, :3], columns=["a", "b", "c"])
    frame.iloc[::5, 0] = np.nan
    _fit(tmp_path, frame)
    frame.drop(columns="c").to_csv(tmp_path / "fewer.csv", index=False)
    missing = run(tmp_path, ["fill", "fewer.csv", "-m", "train.impute", *FAST])
    assert missing.exit_code == 1 and "lacks: ['c']" in missing.output
    frame.assign(extra="kept as is").to_csv(tmp_path / "more.csv", index=False)
    extra = run(tmp_path, ["fill", "more.csv", "-m", "train.impute", "-o", "more-out.csv", *FAST])
    assert extra.exit_code == 0
    assert (pd.read_csv(tmp_path / "more-out.csv")["extra"] == "kept as is").all()
    text = frame.astype(object)
    text.loc[7, "b"] = "seven"
    text.to_csv(tmp_path / "text.csv", index=False)
    changed = run(tmp_path, ["fill", "text.csv", "-m", "train.impute", *FAST])
    assert changed.exit_code == 1 and "column 'b', row 8: 'seven'" in " ".join(
        changed.output.split()
    )


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_fill_leaves_no_partial_output(tmp_path, signum, status):
    rng = np.random.default_rng(0)
    values = rng.normal(size=(300_000, 4)).round(3)
    values[rng.random(values.shape) < 0.1] = np.nan
    pd.DataFrame(values, columns=list("abcd")).to_csv(tmp_path / "big.csv", index=False)
    before = (tmp_path / "big.csv").read_bytes()
    impute = [sys.executable, "-m", "impute"]
    subprocess.run(
        [*impute, "fit", tmp_path / "big.csv", "--method", "mean", "-q"], check=True, timeout=120
    )
    output = tmp_path / "out.csv"
    process = subprocess.Popen(
        [*impute, "fill", tmp_path / "big.csv", "-m", tmp_path / "big.impute", "-o", output],
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while (
        not any(name.endswith(".partial") for name in os.listdir(tmp_path))
        and time.monotonic() < deadline
    ):
        time.sleep(0.005)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode in (status, 0), (
        stderr
    )  # 0 only if the fill finished before the signal landed
    if process.returncode == status:
        assert not output.exists()
    assert b"Traceback" not in stderr
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".partial")]
    assert (tmp_path / "big.csv").read_bytes() == before


@st.composite
def csv_tables(draw):
    """Small CSV tables: float columns with gaps, an integer column, a text column."""
    rows = draw(st.integers(2, 30))
    columns = draw(st.integers(1, 4))
    cells = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: f"{v:.6g}"))
    data = {f"f{j}": draw(st.lists(cells, min_size=rows, max_size=rows)) for j in range(columns)}
    data["n"] = draw(
        st.lists(
            st.one_of(st.none(), st.integers(-999, 999).map(str)), min_size=rows, max_size=rows
        )
    )
    data["t"] = draw(
        st.lists(st.sampled_from(["x", "y, z", 'say "hi"']), min_size=rows, max_size=rows)
    )
    lines = [",".join(data)] + [
        ",".join(_csv_cell(data[name][i]) for name in data) for i in range(rows)
    ]
    return "\n".join(lines) + "\n"


def _csv_cell(text):
    if text is None:
        return ""
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if ("," in text or '"' in text) else text


@settings(max_examples=25, deadline=None)
@given(table=csv_tables())
def test_filled_files_keep_shape_order_types_and_observed_text(tmp_path_factory, table):
    folder = tmp_path_factory.mktemp("property")
    source = folder / "in.csv"
    source.write_text(table)
    outputs = []
    for attempt in range(2):
        try:
            fitted = fit_file(source, method="dynamic", max_epochs=1, seed=0)
        except DataError as error:
            assert "no numeric or categorical column" in str(
                error
            )  # every cell of the table was empty
            return
        outputs.append(folder / f"out{attempt}.csv")
        fill_file(fitted.imputer, fitted.schema, source, outputs[-1])
    before = pd.read_csv(source, dtype=str, keep_default_na=False)
    after = pd.read_csv(outputs[0], dtype=str, keep_default_na=False)
    assert after.shape == before.shape and list(after.columns) == list(before.columns)
    observed = before != ""
    assert (after[observed] == before[observed]).sum().sum() == observed.sum().sum()
    for name in fitted.schema.modelled:
        assert (after[name] != "").all(), f"gap left in {name}"
        if fitted.schema.kinds[name] != "categorical":
            assert np.isfinite(after[name].astype(float)).all()
        else:
            assert set(after[name]) <= set(before[name]) - {""}, "categories come from the column"
    if "n" in fitted.schema.modelled:
        assert after["n"].str.fullmatch(r"-?\d+").all(), "the integer column stays integer"
    assert outputs[0].read_bytes() == outputs[1].read_bytes(), "the same seed gives the same file"


def test_ctrl_c_inside_an_eval_still_exits_130(tmp_path):
    """CPython marks a bare KeyboardInterrupt that passes through ``eval`` of a string as never
    handled, and ``python -m`` then dies of SIGINT; the fill's lazy imports run such evals
    (``collections.namedtuple``), so Ctrl-C must land there as handled as anywhere else."""
    (tmp_path / "in.csv").write_bytes(GOOD)
    subprocess.run(
        [sys.executable, "-m", "impute", "fit", tmp_path / "in.csv", "--method", "mean", "-q"],
        check=True,
        timeout=120,
    )
    (tmp_path / "ctrl_c_in_eval.py").write_text(
        "import os, signal\n"
        "from impute.cli import _app, _jobs\n"
        "def fill_file(*args, **kwargs):\n"
        "    eval('os.kill(os.getpid(), signal.SIGINT) or sum(range(10 ** 7))')\n"
        "_jobs.fill_file = fill_file\n"
        "_app.main()\n"
    )
    output = tmp_path / "out.csv"
    command = ["fill", "in.csv", "-m", "in.impute", "-o", output]
    ended = subprocess.run(
        [sys.executable, "-m", "ctrl_c_in_eval", *command],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    assert ended.returncode == 130, ended.stderr
    assert b"interrupted: no output was written" in ended.stderr
    assert b"Traceback" not in ended.stderr
    assert not output.exists()
