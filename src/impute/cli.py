"""The ``impute`` command line: parse arguments, call ``impute.jobs``, print.

Exit status: 0 success, 1 bad data or model file, 2 bad usage, 130 interrupted (143 on SIGTERM).
Errors are printed as one line naming the file, column or row; ``--debug`` shows the traceback.
"""

import json
import os
import signal
import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from . import jobs, plots, series_jobs
from .errors import DataError, ModelFileError
from .estimator import resolve_device
from .io import FORMATS, STDOUT, file_format
from .modelfile import read_model, save_model
from .schema import NA_VALUES
from .series import BaseSeriesImputer

EXIT_BAD_DATA = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
MODEL_SUFFIX = ".impute"

app = typer.Typer(
    help=(
        "Fill missing values in CSV, TSV and Parquet tables with a Transformer trained by dynamic masking.\n\n"
        "Exit status: 0 success, 1 bad data or model file, 2 bad usage, 130 interrupted."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
stdout = Console()
stderr = Console(stderr=True)


class Method(str, Enum):
    dynamic = "dynamic"
    static = "static"
    mean = "mean"
    linear = "linear"
    locf = "locf"


class Mechanism(str, Enum):
    mcar = "mcar"
    mar = "mar"
    mnar = "mnar"


Data = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .csv, .tsv or .parquet file.", show_default=False)]
MethodOption = Annotated[
    Method,
    typer.Option(help="dynamic or static masking, or the column mean; with --time-col also linear (interpolation) or locf."),
]
TimeCol = Annotated[
    str | None,
    typer.Option(help="Column of time stamps: treat DATA as time series (gaps filled from neighbouring steps).", show_default=False),
]
IdCol = Annotated[str | None, typer.Option(help="With --time-col: column naming the series of each row (long format).", show_default=False)]
Columns = Annotated[str | None, typer.Option(help="Comma-separated columns to model (default: every numeric one).")]
Exclude = Annotated[str | None, typer.Option(help="Comma-separated columns to pass through unmodelled.")]
Categorical = Annotated[
    str | None, typer.Option(help="Comma-separated columns to model as categories even if they hold numbers (codes).")
]
MaxEpochs = Annotated[
    int | None,
    typer.Option(min=1, help="Upper bound on training epochs; default 300 for small tables down to 100 from 6,000 rows (early stopping may end sooner).", show_default=False),
]
Params = Annotated[
    list[str] | None,
    typer.Option("--param", metavar="NAME=VALUE", show_default=False,
                 help="Set a parameter of the network (TransformerImputer's, or TimeSeriesImputer's with --time-col), "
                      "e.g. --param d_model=96 or --param independent_features=false; repeat for more."),
]
Device = Annotated[str, typer.Option(help="auto, cpu or cuda.")]
Seed = Annotated[int, typer.Option(help="Seeds every random choice; the same seed gives the same result on CPU.")]
Sep = Annotated[str | None, typer.Option(help="CSV delimiter (default: detected from the header).")]
Encoding = Annotated[str, typer.Option(help="Text encoding of a CSV input, e.g. latin-1; outputs are UTF-8.")]
FitRows = Annotated[
    int, typer.Option(min=1, help="Longer files are trained on a uniform sample of this many rows (seed 0).")
]
NaValues = Annotated[str | None, typer.Option(help="Comma-separated extra cell texts that mean missing, e.g. '?,-'.")]
PLOT_HELP = "Needs matplotlib: pip install 'impute[plot]'."
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summaries on stderr.")]
Debug = Annotated[bool, typer.Option(help="Show the Python traceback of an error.")]


def _names(text):
    return [name.strip() for name in text.split(",") if name.strip()] if text else None


def _na_values(text):
    return list(NA_VALUES) + (_names(text) or [])


@contextmanager
def _reported(debug):
    """Turn the errors a user can act on into one line and an exit status."""
    try:
        yield
    except (DataError, ModelFileError) as error:
        if debug:
            raise
        stderr.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_DATA) from None
    except OSError as error:
        if debug:
            raise
        where = f"{error.filename}: " if error.filename else ""
        stderr.print(f"[red]error:[/red] {where}{error.strerror or error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_DATA) from None
    except KeyboardInterrupt:
        stderr.print("interrupted: no output was written")
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _progress(quiet):
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


def _fit(data, quiet, options):
    """Fit with a progress bar; ``options`` are ``jobs.fit_file``'s keyword arguments."""
    with _progress(quiet) as progress:
        task = progress.add_task("training", total=None if options["max_epochs"] == "auto" else options["max_epochs"], note="")

        def on_epoch(epoch, loss, validation):
            if validation is None:
                note = f"loss {loss:.4f}"
            elif options.get("time_column") is None:
                note = f"validation RMSE {validation ** 0.5:.4f}"
            else:
                note = f"validation MAE {validation:.4f}"
            progress.update(task, completed=epoch + 1, note=note)

        if options.get("time_column") is None:
            options = {key: value for key, value in options.items() if key not in ("time_column", "id_column")}
            return jobs.fit_file(data, on_epoch=on_epoch, **options)
        series_options = {key: options[key] for key in (
            "time_column", "id_column", "method", "columns", "exclude", "na_values", "sep", "encoding", "max_epochs",
            "device", "seed", "params")}
        return series_jobs.fit_series_file(data, on_epoch=on_epoch, **series_options)


def _params(texts, methods, time_col, id_col):
    """``--param`` values as a dict, checked against the network of the chosen methods before any
    data is read (dynamic and static masking share one set of parameters)."""
    try:
        params = jobs.parse_params(texts or [])
        trained = [method for method in methods if method in jobs.TRAINED]
        if not trained:
            jobs.refuse_params(", ".join(methods), params)
        elif time_col is None:
            jobs.make_imputer(trained[0], params=params)
        else:
            series_jobs.make_series_imputer(trained[0], time_column=time_col, id_column=id_col, params=params)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--param") from None
    return params


def _fit_options(method, columns, exclude, categorical, max_rows, max_epochs, device, seed, sep, encoding, na_values,
                 time_col=None, id_col=None, param=None):
    try:
        resolve_device(device)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--device") from None
    if time_col is None:
        if id_col is not None:
            raise typer.BadParameter("--id-col names the series of a time-series file; give --time-col too", param_hint="--id-col")
        if method.value not in jobs.METHODS:
            raise typer.BadParameter(f"{method.value} fills gaps from neighbouring steps; give --time-col", param_hint="--method")
    elif categorical:
        raise typer.BadParameter("time series are filled in their numeric columns only", param_hint="--categorical")
    return {"time_column": time_col, "id_column": id_col,
        "method": method.value, "columns": _names(columns), "exclude": _names(exclude) or (),
        "categorical": _names(categorical) or (), "max_rows": max_rows,
        "max_epochs": max_epochs or "auto", "device": device, "seed": seed, "sep": sep, "encoding": encoding,
        "na_values": _na_values(na_values), "params": _params(param, [method.value], time_col, id_col),
    }


def _check_output(output, data):
    """Refuse, as bad usage, an output that would replace the input or has no folder to go in."""
    if str(output) == STDOUT:
        return
    if Path(output).resolve() == data.resolve():
        raise typer.BadParameter("the output would overwrite the input; choose another path", param_hint="--output")
    if not Path(output).parent.is_dir():
        raise typer.BadParameter(f"the folder {Path(output).parent} does not exist; create it first", param_hint="--output")


def _epochs_cells(scores, shown):
    """The epochs column of one method's row in an ``evaluate`` table: the epochs it ran (mean
    over seeds), "-" for a method that does not train; no cell when the column is not shown."""
    return ["-" if scores["epochs"] is None else f"{scores['epochs']:.0f}"] * shown


def _check_plot(plot, data):
    """Refuse an unusable --plot before any work is done: wrong extension, no folder, no matplotlib."""
    if plot is None:
        return
    _check_output(plot, data)
    try:
        plots.check_path(plot)
        plots.require()
    except (ValueError, ImportError) as error:
        raise typer.BadParameter(str(error), param_hint="--plot") from None


def _training_plot(imputer, plot):
    plots.save(plots.training(imputer.loss_curve_, imputer.validation_scores_, imputer.best_epoch_), plot)


def _fit_report(result, console):
    summary, schema = result.summary, result.schema
    table = Table(title=f"{summary['source']}: {summary['rows']} rows, {summary['columns']} columns", title_justify="left")
    for header in ("column", "kind", "missing", "modelled"):
        table.add_column(header, justify="right" if header == "missing" else "left")
    for name, kind in schema.kinds.items():
        share = summary["missing_share"].get(name)
        table.add_row(name, kind, "" if share is None else f"{share:.1%}", "yes" if name in schema.modelled else "passed through")
    console.print(table)
    line = f"{summary['method']} fitted in {summary['seconds']:.1f} s"
    if summary["trained_rows"] < summary["rows"]:
        line += f" on a uniform sample of {summary['trained_rows']} rows"
    if "validation_rmse" in summary:
        line += (
            f", {summary['epochs']} epochs (best {summary['best_epoch']}); validation RMSE "
            f"{summary['validation_rmse']:.4f} (scaled units, on 10% of observed cells held out)"
        )
    if "validation_mae" in summary:
        best = summary["best_epoch"] or "none beat linear interpolation, which is kept"
        line += (
            f", {summary['epochs']} epochs (best: {best}); validation MAE "
            f"{summary['validation_mae']:.4f} (z-scores, on 10% of the observed points of up to 256 windows held out)"
        )
    console.print(line, highlight=False)


@app.command()
def fit(
    data: Data,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Model file (default: DATA with suffix .impute).")] = None,
    method: MethodOption = Method.dynamic,
    columns: Columns = None,
    exclude: Exclude = None,
    categorical: Categorical = None,
    max_rows: FitRows = jobs.FIT_MAX_ROWS,
    max_epochs: MaxEpochs = None,
    param: Params = None,
    device: Device = "auto",
    seed: Seed = 0,
    sep: Sep = None,
    encoding: Encoding = "utf-8",
    na_values: NaValues = None,
    time_col: TimeCol = None,
    id_col: IdCol = None,
    plot: Annotated[Path | None, typer.Option(help=f"Also draw the training curve to this .png, .svg or .pdf. {PLOT_HELP}")] = None,
    quiet: Quiet = False,
    debug: Debug = False,
):
    """Learn how to fill the gaps of DATA and save the model to one file.

    Example: impute fit data.csv -o data.impute --exclude id --plot training.png

    Time series: impute fit air.csv --time-col time --id-col station
    """
    output = output or data.with_suffix(MODEL_SUFFIX)
    _check_output(output, data)
    _check_plot(plot, data)
    if plot is not None and method not in (Method.dynamic, Method.static):
        raise typer.BadParameter(f"the {method.value} method trains no network, so it has no training curve", param_hint="--plot")
    options = _fit_options(
        method, columns, exclude, categorical, max_rows, max_epochs, device, seed, sep, encoding, na_values, time_col, id_col,
        param,
    )
    with _reported(debug):
        result = _fit(data, quiet, options)
        save_model(result.imputer, output, extra={"schema": result.schema.to_dict(), "training": result.summary})
        if plot is not None:
            _training_plot(result.imputer, plot)
    if not quiet:
        _fit_report(result, stdout)
        stdout.print(f"model written to {output}", highlight=False)
        if plot is not None:
            stdout.print(f"training curve drawn to {plot}", highlight=False)


@app.command()
def fill(
    data: Data,
    model: Annotated[Path | None, typer.Option("--model", "-m", exists=True, dir_okay=False, help="Model file from `impute fit` (default: fit on DATA first).")] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help="Output file; its extension sets the format; '-' writes CSV to stdout (default: DATA.filled.EXT).")] = None,
    method: MethodOption = Method.dynamic,
    columns: Columns = None,
    exclude: Exclude = None,
    categorical: Categorical = None,
    max_rows: FitRows = jobs.FIT_MAX_ROWS,
    max_epochs: MaxEpochs = None,
    param: Params = None,
    device: Device = "auto",
    seed: Seed = 0,
    sep: Sep = None,
    encoding: Encoding = "utf-8",
    na_values: NaValues = None,
    time_col: TimeCol = None,
    id_col: IdCol = None,
    quiet: Quiet = False,
    debug: Debug = False,
):
    """Fill the gaps of DATA; observed cells are written back exactly as read.

    Without --model, fits on DATA first (with --method, --columns, ... as in `impute fit`).
    Columns are matched by name; extra columns pass through unchanged. A model fitted with
    --time-col fills the file as time series (read whole, written at once).

    Example: impute fill data.csv --model data.impute -o filled.parquet
    """
    output = output or str(data.with_name(f"{data.stem}.filled{data.suffix}"))
    _check_output(output, data)
    options = _fit_options(
        method, columns, exclude, categorical, max_rows, max_epochs, device, seed, sep, encoding, na_values, time_col, id_col,
        param,
    )
    with _reported(debug):
        file_format(output)
        if model is None:
            result = _fit(data, quiet, options)
            imputer, schema = result.imputer, result.schema
        else:
            imputer, document = read_model(model, device=None if device == "auto" else device)
            schema = jobs.schema_from_model(imputer, document["extra"], model)
        if isinstance(imputer, BaseSeriesImputer):
            rows = series_jobs.fill_series_file(imputer, schema, data, output, sep=sep, encoding=encoding)
        else:
            with _progress(quiet) as progress:
                task = progress.add_task("filling", total=None, note="rows")
                rows = jobs.fill_file(
                    imputer, schema, data, output, sep=sep, encoding=encoding, on_rows=lambda n: progress.advance(task, n)
                )
    if not quiet and output != STDOUT:
        stderr.print(f"{rows} rows written to {output}", highlight=False)


@app.command()
def evaluate(
    data: Data,
    mechanism: Annotated[Mechanism, typer.Option(case_sensitive=False, help="How cells are hidden: mcar, mar or mnar.")] = Mechanism.mcar,
    rate: Annotated[
        float | None, typer.Option(min=0.01, max=0.99, help="Share of observed cells hidden [default: 0.3; 0.1 with --time-col].", show_default=False)
    ] = None,
    methods: Annotated[
        str | None, typer.Option(help="Comma-separated methods to compare [default: dynamic,static,mean; with --time-col dynamic,static,linear].", show_default=False)
    ] = None,
    seeds: Annotated[
        int | None, typer.Option(min=1, help="Repetitions, each with its own hidden cells (seeds 0, 1, ...) [default: 3; 1 with --time-col].", show_default=False)
    ] = None,
    max_rows: Annotated[
        int, typer.Option(min=10, help="Longer files are scored on a uniform sample of this many rows (seed 0).")
    ] = jobs.EVALUATE_MAX_ROWS,
    columns: Columns = None,
    exclude: Exclude = None,
    categorical: Categorical = None,
    max_epochs: MaxEpochs = None,
    param: Params = None,
    device: Device = "auto",
    sep: Sep = None,
    encoding: Encoding = "utf-8",
    na_values: NaValues = None,
    time_col: TimeCol = None,
    id_col: IdCol = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print every run and the summary as JSON.")] = False,
    plot: Annotated[
        Path | None, typer.Option(help=f"Also draw each method's error per column to this .png, .svg or .pdf. {PLOT_HELP}")
    ] = None,
    quiet: Quiet = False,
    debug: Debug = False,
):
    """Hide observed cells of DATA on purpose and score each method on them.

    Columns are min-max scaled on their observed values and RMSE and MAE are measured on the
    hidden cells, as in the benchmark protocol; time is fit plus fill.

    With --time-col, points and then blocks of 6 to 48 steps are hidden in every series, which
    is z-scored, and MAE, RMSE and MRE are measured on them (SAITS's protocol).

    Example: impute evaluate data.csv --mechanism mar --rate 0.3 --seeds 3 --plot errors.png
    """
    _check_plot(plot, data)
    series = time_col is not None
    known = series_jobs.SERIES_METHODS if series else jobs.METHODS
    chosen = _names(methods or ("dynamic,static,linear" if series else "dynamic,static,mean")) or []
    unknown = [name for name in chosen if name not in known]
    if unknown or not chosen:
        raise typer.BadParameter(f"unknown methods {unknown}; choose from {', '.join(known)}", param_hint="--methods")
    if id_col is not None and not series:
        raise typer.BadParameter("--id-col names the series of a time-series file; give --time-col too", param_hint="--id-col")
    params = _params(param, chosen, time_col, id_col)
    seeds = seeds or (1 if series else 3)
    rate = rate or (0.1 if series else 0.3)
    if series:
        if plot is not None:
            raise typer.BadParameter("per-column pictures are drawn for tables only", param_hint="--plot")
        _evaluate_series(data, time_col, id_col, chosen, rate, seeds, columns, exclude, na_values, sep, encoding,
                         max_epochs, params, device, as_json, quiet, debug)
        return
    with _reported(debug), _progress(quiet) as progress:
        task = progress.add_task("evaluating", total=seeds * len(chosen), note="")

        def on_run(run):
            progress.update(task, advance=1, note=f"{run['method']} seed {run['seed']}: RMSE {run['rmse']:.4f}")

        runs, summary = jobs.evaluate_file(
            data, mechanism=mechanism.value.upper(), rate=rate, methods=chosen, seeds=seeds,
            columns=_names(columns), exclude=_names(exclude) or (), categorical=_names(categorical) or (),
            na_values=_na_values(na_values), sep=sep,
            encoding=encoding, max_rows=max_rows, max_epochs=max_epochs or "auto", device=device, params=params,
            on_run=on_run,
        )
        if plot is not None:
            plots.save(plots.errors(summary), plot)
    if as_json:
        print(json.dumps({"summary": summary, "runs": runs}, indent=2))
        return
    stdout.print(
        f"{summary['source']}: {summary['rows']} rows, {len(summary['columns'])} modelled columns; "
        f"{summary['mechanism']} with {summary['rate']:.0%} of observed cells hidden; "
        f"mean over {seeds} seed{'s' if seeds > 1 else ''}; errors in min-max scaled units, accuracy on "
        "categorical cells (hidden MCAR)",
        highlight=False,
    )
    table = Table()
    metrics = [(key, header) for key, header in (("rmse", "RMSE"), ("mae", "MAE"), ("accuracy", "accuracy"))
               if any(scores[key] is not None for scores in summary["methods"].values())]
    trained = any(scores["epochs"] is not None for scores in summary["methods"].values())
    for header in ["method"] + [header for _, header in metrics] + ["fit + fill (s)"] + ["epochs"] * trained:
        table.add_column(header, justify="left" if header == "method" else "right")
    for method, scores in summary["methods"].items():
        table.add_row(method, *[f"{scores[key]:.4f}" for key, _ in metrics], f"{scores['seconds']:.1f}",
                      *_epochs_cells(scores, trained))
    stdout.print(table)
    if plot is not None:
        stdout.print(f"errors per column drawn to {plot}", highlight=False)


def _evaluate_series(data, time_col, id_col, methods, rate, seeds, columns, exclude, na_values, sep, encoding,
                     max_epochs, params, device, as_json, quiet, debug):
    with _reported(debug), _progress(quiet) as progress:
        task = progress.add_task("evaluating", total=2 * seeds * len(methods), note="")

        def on_run(run):
            progress.update(task, advance=1, note=f"{run['method']} {run['pattern']} seed {run['seed']}: MAE {run['mae']:.4f}")

        runs, summary = series_jobs.evaluate_series_file(
            data, time_column=time_col, id_column=id_col, methods=methods, rate=rate, seeds=seeds,
            columns=_names(columns), exclude=_names(exclude) or (), na_values=_na_values(na_values), sep=sep,
            encoding=encoding, max_epochs=max_epochs or "auto", device=device, params=params, on_run=on_run,
        )
    if as_json:
        print(json.dumps({"summary": summary, "runs": runs}, indent=2))
        return
    stdout.print(
        f"{summary['source']}: {summary['rows']} rows, {len(summary['columns'])} series features; "
        f"{rate:.0%} of observed points hidden, as points and as blocks of 6-48 steps; each series z-scored; "
        f"mean over {seeds} seed{'s' if seeds > 1 else ''}",
        highlight=False,
    )
    table = Table()
    trained = any(scores["epochs"] is not None for by_method in summary["methods"].values() for scores in by_method.values())
    for header in ("hidden as", "method", "MAE", "RMSE", "MRE", "fit + fill (s)") + ("epochs",) * trained:
        table.add_column(header, justify="left" if header in ("hidden as", "method") else "right")
    for pattern, scores_by_method in summary["methods"].items():
        for method, scores in scores_by_method.items():
            table.add_row(pattern, method, *(f"{scores[key]:.4f}" for key in ("mae", "rmse", "mre")), f"{scores['seconds']:.1f}",
                          *_epochs_cells(scores, trained))
    stdout.print(table)


@app.command()
def info(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A model file (.impute) or a data file.", show_default=False)],
    sep: Sep = None,
    encoding: Encoding = "utf-8",
    na_values: NaValues = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    plot: Annotated[
        Path | None,
        typer.Option(help=f"Also draw a data file's missing cells, or a model's training curve, to this .png, .svg or .pdf. {PLOT_HELP}"),
    ] = None,
    debug: Debug = False,
):
    """Describe a model file (schema, training, versions) or a data file (shape, kinds, missing cells).

    Example: impute info data.csv --plot missing.png
    """
    _check_plot(plot, path)
    with _reported(debug):
        if path.suffix.lower() in FORMATS:
            described = jobs.describe_file(
                path, na_values=_na_values(na_values), sep=sep, encoding=encoding, pattern=plot is not None
            )
            if plot is not None:
                missing = described.pop("pattern")
                plots.save(plots.missingness(missing, list(described["columns"]), described["rows"]), plot)
        else:
            imputer, document = read_model(path, device="cpu")
            described = {key: document[key] for key in ("estimator", "params", "written_by", "format_version", "extra")}
            if plot is not None:
                if not getattr(imputer, "loss_curve_", None):
                    raise typer.BadParameter(f"{path} holds a {document['estimator']}, which has no training curve", param_hint="--plot")
                _training_plot(imputer, plot)
    if as_json:
        print(json.dumps(described, indent=2))
    elif "rows" in described:
        _data_report(described)
    else:
        _model_report(path, described)


def _data_report(described):
    table = Table(title=f"{described['source']}: {described['rows']} rows, {len(described['columns'])} columns", title_justify="left")
    for header in ("column", "kind", "missing", "share"):
        table.add_column(header, justify="left" if header in ("column", "kind") else "right")
    for name, column in described["columns"].items():
        kind = column["kind"] + (" (decimal comma)" if name in described["decimal_comma"] else "")
        table.add_row(name, kind, str(column["missing"]), f"{column['missing_share']:.1%}")
    stdout.print(table)


def _model_report(path, described):
    extra, params = described["extra"], described["params"]
    stdout.print(f"{path}: {described['estimator']} (model format {described['format_version']})", highlight=False)
    stdout.print("written by " + ", ".join(f"{name} {ver}" for name, ver in described["written_by"].items()), highlight=False)
    stdout.print("settings: " + ", ".join(f"{key}={value}" for key, value in params.items()), highlight=False)
    training = extra.get("training")
    if training:
        line = f"trained on {training['source']} ({training['rows']} rows) in {training['seconds']:.1f} s"
        if "validation_rmse" in training:
            line += f"; {training['epochs']} epochs, validation RMSE {training['validation_rmse']:.4f} (scaled units)"
        if "validation_mae" in training:
            line += f"; {training['epochs']} epochs, validation MAE {training['validation_mae']:.4f} (z-scores)"
        stdout.print(line, highlight=False)
    schema = extra.get("schema")
    if schema:
        passed = [name for name in schema["kinds"] if name not in schema["modelled"]]
        stdout.print(f"fills: {', '.join(schema['modelled'])}", highlight=False)
        stdout.print(f"passes through: {', '.join(passed) or 'nothing'}", highlight=False)


def _terminate(signum, frame):
    sys.exit(128 + signum)  # unwinds like an exception, so partial outputs are removed


def main():
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _terminate)
    # Ctrl-C is Python's alone: pyarrow's own handler, set around a CSV read, could raise a second
    # KeyboardInterrupt while the first was being cleaned up, and the process then died of SIGINT
    # (exit -2) instead of exiting 130. Batches are small, so a read still stops within one.
    pa.enable_signal_handlers(False)
    try:
        app()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_BAD_DATA)
