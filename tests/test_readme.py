"""The README's quick start runs as written: its Python blocks, and its `impute` commands."""

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from impute.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
QUICK_START = README[README.index("## Quick start") : README.index("### Pictures")]
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", QUICK_START, flags=re.DOTALL)
COMMANDS = [
    line.split("#")[0].split()
    for block in re.findall(r"```bash\n(.*?)```", QUICK_START, flags=re.DOTALL)
    for line in block.splitlines()
    if line.startswith("impute ")
]


def test_the_quick_start_has_what_this_test_reads():
    assert len(PYTHON_BLOCKS) == 2 and [command[1] for command in COMMANDS] == ["info", "fit", "fill", "evaluate"]


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=["mixed-types", "pipeline"])
def test_python_blocks_run(block, capsys):
    exec(compile(block, "README.md", "exec"), {})  # noqa: S102 -- running the README is the point
    printed = capsys.readouterr().out
    if "occupation" in block:
        assert printed.strip() == "112 -> 0"
    else:
        assert float(printed.split(":")[1]) > 0.9, "a pipeline that learns, not just one that runs"


def test_commands_run_in_order(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "datasets", tmp_path / "datasets")
    monkeypatch.chdir(tmp_path)
    for command in COMMANDS:
        result = CliRunner().invoke(app, shlex.split(" ".join(command[1:])))
        assert result.exit_code == 0, f"{' '.join(command)}: {result.output}"
    assert {"missing.png", "adult.impute", "adult.filled.csv", "errors.png"} <= {p.name for p in tmp_path.iterdir()}
