"""Where the command line writes, how its errors end a run, and its progress bars."""

from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..core import DataError, ModelFileError

EXIT_BAD_DATA = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

stdout = Console()
stderr = Console(stderr=True)


@contextmanager
def reported(debug):
    """Turn the errors a user can act on into one line on stderr and an exit status: 1 for bad
    data or model files (and files that cannot be read or written), 130 for Ctrl-C; with
    ``debug`` the Python traceback is shown instead."""
    try:
        yield
    except (DataError, ModelFileError, OSError) as error:
        if debug:
            raise
        message = str(error)
        if isinstance(error, OSError):
            message = (f"{error.filename}: " if error.filename else "") + str(
                error.strerror or error
            )
        stderr.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_DATA) from None
    except KeyboardInterrupt:
        stderr.print("interrupted: no output was written")
        raise typer.Exit(EXIT_INTERRUPTED) from None


def progress(quiet):
    """A progress bar on stderr, shown only on a terminal and without ``quiet``."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[note]}"),
        console=stderr,
        disable=quiet or not stderr.is_terminal,
        transient=True,
    )
