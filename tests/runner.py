"""Running the command line in-process, as the tests do."""

from typer.testing import CliRunner

from impute.cli import app


def invoke(*args):
    """Run ``impute ARGS...`` through Typer's runner; arguments may be paths."""
    return CliRunner().invoke(app, [str(arg) for arg in args])
