"""The command line's options: their types and help, and the checks that refuse bad usage (exit
status 2) before any data is read."""

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from .. import core, io, plots
from ..cluster import require_dask
from ..core import BUDGETS, DataError


class Method(str, Enum):
    dynamic = "dynamic"
    static = "static"
    mean = "mean"
    linear = "linear"
    locf = "locf"


class Engine(str, Enum):
    local = "local"
    dask = "dask"


class Mechanism(str, Enum):
    mcar = "mcar"
    mar = "mar"
    mnar = "mnar"


PLOT_HELP = "Needs matplotlib: pip install 'impute[plot]'."


def check_data(data):
    """DATA must be a file, a folder, or a glob that matches a file (exit 2 otherwise)."""
    if data.exists() or (io.is_dataset(data) and dataset_matches(data)):
        return data
    raise typer.BadParameter(
        f"{data} matches no file; quote a glob so that the shell leaves it to impute"
        if io.is_dataset(data)
        else f"Path '{data}' does not exist."
    )


def dataset_matches(pattern):
    """Whether the glob ``pattern`` matches a data file."""
    try:
        io.dataset_files(pattern)
    except DataError:
        return False
    return True


Data = Annotated[
    Path,
    typer.Argument(
        callback=check_data,
        metavar="DATA",
        help="A .csv, .tsv or .parquet file, or a folder (or quoted glob, e.g. 'sales/*.parquet') "
        "of them read as one dataset.",
        show_default=False,
    ),
]
MethodOption = Annotated[
    Method,
    typer.Option(
        help="dynamic or static masking, or the column mean; with --time-col also linear "
        "(interpolation) or locf."
    ),
]
TimeCol = Annotated[
    str | None,
    typer.Option(
        help="Column of time stamps: treat DATA as time series (gaps filled from neighbouring "
        "steps).",
        show_default=False,
    ),
]
IdCol = Annotated[
    str | None,
    typer.Option(
        help="With --time-col: column naming the series of each row (long format).",
        show_default=False,
    ),
]
Columns = Annotated[
    str | None, typer.Option(help="Comma-separated columns to model (default: every numeric one).")
]
Exclude = Annotated[
    str | None, typer.Option(help="Comma-separated columns to pass through unmodelled.")
]
Categorical = Annotated[
    str | None,
    typer.Option(
        help="Comma-separated columns to model as categories even if they hold numbers (codes)."
    ),
]
Budget = Annotated[
    str,
    typer.Option(
        help="How long the network trains: fast, thorough (six times as long, for the last "
        "fraction of accuracy), or a multiple of fast such as 2."
    ),
]
MaxEpochs = Annotated[
    int | None,
    typer.Option(
        min=1,
        show_default=False,
        help="Epochs to run instead of the 30 the budget is split into (early stopping may end "
        "sooner).",
    ),
]
Params = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        metavar="NAME=VALUE",
        show_default=False,
        help="Set a parameter of the network (TransformerImputer's, or TimeSeriesImputer's with "
        "--time-col), e.g. --param d_model=96 or --param independent_features=false; repeat for "
        "more.",
    ),
]
Device = Annotated[str, typer.Option(help="auto, cpu or cuda.")]
Seed = Annotated[
    int, typer.Option(help="Seeds every random choice; the same seed gives the same result on CPU.")
]
Sep = Annotated[str | None, typer.Option(help="CSV delimiter (default: detected from the header).")]
Encoding = Annotated[
    str, typer.Option(help="Text encoding of a CSV input, e.g. latin-1; outputs are UTF-8.")
]
FitRows = Annotated[
    int,
    typer.Option(
        min=1,
        help="Longer data are trained on a sample of this many rows (seed 0); from a Parquet "
        "dataset, drawn from row groups chosen at random.",
    ),
]
NaValues = Annotated[
    str | None,
    typer.Option(
        "--na-values", help="Comma-separated extra cell texts that mean missing, e.g. '?,-'."
    ),
]
Quiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bars or summaries on stderr.")
]
Debug = Annotated[bool, typer.Option(help="Show the Python traceback of an error.")]
Json = Annotated[bool, typer.Option("--json", help="Print as JSON.")]


def names(text):
    """A comma-separated list of names, or None when empty."""
    return [name.strip() for name in text.split(",") if name.strip()] if text else None


def na_values(text):
    """The default missing-value markers and those of ``--na-values``."""
    return list(core.NA_VALUES) + (names(text) or [])


def params_for(texts, methods, time_col=None, id_col=None):
    """``--param`` values as a dict; refused (exit 2) where the methods' network lacks them."""
    from ._methods import check_params, parse_params

    try:
        params = parse_params(texts or [])
        check_params(params, methods, time_col, id_col)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--param") from None
    return params


def check_series_options(time_col, id_col, categorical=None):
    """``--id-col`` needs ``--time-col``; time series have no categorical columns."""
    if time_col is None and id_col is not None:
        raise typer.BadParameter(
            "--id-col names the series of a time-series file; give --time-col too",
            param_hint="--id-col",
        )
    if time_col is not None and categorical:
        raise typer.BadParameter(
            "time series are filled in their numeric columns only", param_hint="--categorical"
        )


def budget_value(text):
    """``--budget`` as the estimators take it: a name, or a positive multiple of fast."""
    if text in BUDGETS:
        return text
    try:
        multiple = float(text)
    except ValueError:
        multiple = 0.0
    if not multiple > 0:
        raise typer.BadParameter(
            f"{text!r} is not a budget; use fast, thorough or a positive number such as 2",
            param_hint="--budget",
        )
    return multiple


def fit_options(
    *,
    method,
    columns,
    exclude,
    categorical,
    max_rows,
    budget,
    max_epochs,
    device,
    seed,
    sep,
    encoding,
    na_values_text,
    time_col,
    id_col,
    param,
):
    """The keyword arguments of ``fit_file`` that ``fit`` and ``fill`` (without a model) pass,
    checked: a device that is not here, a method or option that does not fit tables or series,
    a parameter the network does not take."""
    try:
        core.resolve_device(device)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--device") from None
    from ._methods import methods_for

    check_series_options(time_col, id_col, categorical)
    if method.value not in methods_for(time_col):
        raise typer.BadParameter(
            f"{method.value} fills gaps from neighbouring steps; give --time-col",
            param_hint="--method",
        )
    return {
        "method": method.value,
        "time_column": time_col,
        "id_column": id_col,
        "columns": names(columns),
        "exclude": names(exclude) or (),
        "categorical": names(categorical) or (),
        "max_rows": max_rows,
        "budget": budget_value(budget),
        "max_epochs": max_epochs or "auto",
        "device": device,
        "seed": seed,
        "sep": sep,
        "encoding": encoding,
        "na_values": na_values(na_values_text),
        "params": params_for(param, [method.value], time_col, id_col),
    }


def check_series_data(data, time_col):
    """Time series are read from one file: refuse ``--time-col`` with a folder or glob."""
    if time_col is not None and io.is_dataset(data):
        raise typer.BadParameter(
            "time series are read from one file; a folder or glob is read as a table",
            param_hint="--time-col",
        )


def derived_path(data, ending):
    """DATA's name with ``ending`` in place of its extension (``sales.csv`` -> ``sales.impute``);
    for a dataset, beside its folder (``sales/`` -> ``sales.impute``)."""
    if io.is_dataset(data):
        root = io.dataset_root(data).resolve()
        return root.with_name(root.name + ending)
    return data.with_suffix(ending)


def check_dataset_fill(data, output, engine, workers, scheduler):
    """Refuse, before any work, what a fill of DATA cannot do: ``--engine dask`` on one file or
    without the dask extra, ``--workers``/``--scheduler`` without it or together, and for a
    dataset an output that is not a folder outside it."""
    if (workers is not None or scheduler is not None) and engine != "dask":
        raise typer.BadParameter(
            "--workers and --scheduler choose the Dask cluster; give --engine dask too",
            param_hint="--workers" if workers is not None else "--scheduler",
        )
    if workers is not None and scheduler is not None:
        raise typer.BadParameter(
            "--workers starts a local cluster, --scheduler uses an existing one; give one of them",
            param_hint="--workers",
        )
    if not io.is_dataset(data):
        if engine == "dask":
            raise typer.BadParameter(
                "--engine dask fills a folder (or glob) of files, one task per file; DATA is one "
                "file",
                param_hint="--engine",
            )
        return
    if engine == "dask":
        try:
            require_dask("--engine dask")
        except ImportError as error:
            raise typer.BadParameter(str(error), param_hint="--engine") from None
    if output == io.STDOUT:
        raise typer.BadParameter(
            "a dataset is filled into a folder, one file per input file; give --output a folder",
            param_hint="--output",
        )
    problem = io.output_folder_problem(io.dataset_root(data), output)
    if problem:
        raise typer.BadParameter(problem, param_hint="--output")


def check_output(output, data):
    """Refuse, as bad usage, an output that would replace the input or has no folder to go in."""
    if str(output) == io.STDOUT:
        return
    if Path(output).resolve() == data.resolve():
        raise typer.BadParameter(
            "the output would overwrite the input; choose another path", param_hint="--output"
        )
    if not Path(output).parent.is_dir():
        raise typer.BadParameter(
            f"the folder {Path(output).parent} does not exist; create it first",
            param_hint="--output",
        )


def check_plot(plot, data):
    """Refuse an unusable --plot before any work: wrong extension, no folder, no matplotlib."""
    if plot is None:
        return
    check_output(plot, data)
    try:
        plots.check_path(plot)
        plots.require()
    except (ValueError, ImportError) as error:
        raise typer.BadParameter(str(error), param_hint="--plot") from None


def evaluation_choices(methods_text, time_col, id_col, param):
    """The methods ``evaluate`` compares (by default ``dynamic,static,mean``, or with --time-col
    ``dynamic,static,linear``) and their network parameters, checked."""
    from ._methods import methods_for

    check_series_options(time_col, id_col)
    known = methods_for(time_col)
    chosen = (
        names(
            methods_text or ("dynamic,static,mean" if time_col is None else "dynamic,static,linear")
        )
        or []
    )
    unknown = [name for name in chosen if name not in known]
    if unknown or not chosen:
        raise typer.BadParameter(
            f"unknown methods {unknown}; choose from {', '.join(known)}", param_hint="--methods"
        )
    return chosen, params_for(param, chosen, time_col, id_col)
