"""The README's quick start runs as written, and the docs' Python examples run too."""

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from impute.cli._app import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
QUICK_START = README[README.index("## Quick start") : README.index("## How it compares")]
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", QUICK_START, flags=re.DOTALL)
COMMANDS = [
    line.split("#")[0].split()
    for block in re.findall(r"```bash\n(.*?)```", QUICK_START, flags=re.DOTALL)
    for line in block.splitlines()
    if line.startswith("impute ")
]
DOCS = sorted((ROOT / "docs").glob("*.md"))
DOC_BLOCKS = [  # the ones the README does not already run
    (path.name, block)
    for path in DOCS
    for block in re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.DOTALL)
    if block not in PYTHON_BLOCKS
]


def test_the_readme_is_short_and_opens_with_the_two_set_up_commands():
    lines = README.splitlines()
    assert len(lines) <= 150
    commands = [line for line in lines[:8] if line.startswith("python3 -m venv .venv")]
    assert (
        len(commands) == 2
        and commands[0].endswith("--seeds 1")
        and commands[1].endswith("-m pytest")
    )


def test_the_first_command_shows_what_dynamic_masking_buys(tmp_path, monkeypatch):
    first = next(line for line in README.splitlines() if line.startswith("python3 -m venv .venv"))
    evaluate = shlex.split(first.split(".venv/bin/impute ")[-1])
    shutil.copytree(ROOT / "sample_data", tmp_path / "sample_data")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, [*evaluate, "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    methods = json.loads(result.stdout)["summary"]["methods"]
    dynamic, static, mean = (methods[name] for name in ("dynamic", "static", "mean"))
    assert dynamic["rmse"] < 0.9 * static["rmse"] < 0.9 * mean["rmse"]
    assert dynamic["accuracy"] > static["accuracy"] > mean["accuracy"]


def test_the_quick_start_has_what_this_test_reads():
    assert len(PYTHON_BLOCKS) == 2 and [command[1] for command in COMMANDS] == [
        "info",
        "fit",
        "fill",
        "fill",
        "evaluate",
    ]


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=["mixed-types", "pipeline"])
def test_python_blocks_run(block, capsys):
    exec(compile(block, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    if "occupation" in block:
        assert printed.strip() == "112 -> 0"
    else:
        assert float(printed.split(":")[1]) > 0.9, "a pipeline that learns, not just one that runs"


def test_commands_run_in_order(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "sample_data", tmp_path / "sample_data")
    monkeypatch.chdir(tmp_path)
    for command in COMMANDS:
        result = CliRunner().invoke(app, shlex.split(" ".join(command[1:])))
        assert result.exit_code == 0, f"{' '.join(command)}: {result.output}"
    assert {"missing.png", "adult.impute", "adult.filled.csv", "adult.draws.csv", "errors.png"} <= {
        p.name for p in tmp_path.iterdir()
    }


@pytest.mark.parametrize(
    "name, block", DOC_BLOCKS, ids=[f"{name}-{i}" for i, (name, _) in enumerate(DOC_BLOCKS)]
)
def test_the_docs_python_examples_run(name, block, capsys):
    exec(compile(block, name, "exec"), {})


def test_nothing_a_user_reads_points_outside_the_repository():
    readable = [
        ROOT / "README.md",
        *DOCS,
        *(ROOT / "src").rglob("*.py"),
        *(ROOT / "benchmarks").glob("*.py"),
        *(ROOT / "examples").glob("*.py"),
        ROOT / "sample_data" / "README.md",
    ]
    assert not [
        path.name
        for path in readable
        if "../shared" in path.read_text() or "shared/datasets" in path.read_text()
    ]
