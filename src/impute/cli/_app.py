"""The ``impute`` command line: one thin function per command, which parses its options, calls
the file jobs and prints through the renderers.

Exit status: 0 success, 1 bad data or model file, 2 bad usage, 130 interrupted (143 on SIGTERM).
Errors are printed as one line naming the file, column or row; ``--debug`` shows the traceback.
"""

import json
import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer

from .. import io, plots
from ..core import EVALUATE_MAX_ROWS, FIT_MAX_ROWS
from . import _render as render
from ._console import EXIT_BAD_DATA, progress, reported, stderr, stdout
from ._options import (
    PLOT_HELP,
    Budget,
    Categorical,
    Columns,
    Data,
    Debug,
    Device,
    Encoding,
    Engine,
    Exclude,
    FitRows,
    IdCol,
    Json,
    MaxEpochs,
    Mechanism,
    Method,
    MethodOption,
    NaValues,
    Params,
    Quiet,
    Seed,
    Sep,
    TimeCol,
    budget_value,
    check_data,
    check_dataset_fill,
    check_output,
    check_plot,
    check_series_data,
    derived_path,
    evaluation_choices,
    fit_options,
    na_values,
    names,
)

MODEL_SUFFIX = ".impute"

app = typer.Typer(
    help=(
        "Fill missing values in CSV, TSV and Parquet tables with a Transformer trained by "
        "dynamic masking.\n\n"
        "Exit status: 0 success, 1 bad data or model file, 2 bad usage, 130 interrupted."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fit(data, options, quiet):
    """``fit_file`` with a progress bar of the epochs; ``options`` are its keyword arguments."""
    epochs = options["max_epochs"]
    with progress(quiet) as bar:
        task = bar.add_task("training", total=None if epochs == "auto" else epochs, note="")

        def on_epoch(epoch, loss, validation):
            if validation is None:
                note = f"loss {loss:.4f}"
            elif options["time_column"] is None:
                note = f"validation RMSE {validation**0.5:.4f}"
            else:
                note = f"validation MAE {validation:.4f}"
            bar.update(task, completed=epoch + 1, note=note)

        from ._jobs import fit_file

        return fit_file(data, on_epoch=on_epoch, **options)


@app.command()
def fit(
    data: Data,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Model file (default: DATA with suffix .impute)."),
    ] = None,
    method: MethodOption = Method.dynamic,
    columns: Columns = None,
    exclude: Exclude = None,
    categorical: Categorical = None,
    max_rows: FitRows = FIT_MAX_ROWS,
    budget: Budget = "fast",
    max_epochs: MaxEpochs = None,
    param: Params = None,
    device: Device = "auto",
    seed: Seed = 0,
    sep: Sep = None,
    encoding: Encoding = "utf-8",
    na_values_text: NaValues = None,
    time_col: TimeCol = None,
    id_col: IdCol = None,
    plot: Annotated[
        Path | None,
        typer.Option(help=f"Also draw the training curve to this .png, .svg or .pdf. {PLOT_HELP}"),
    ] = None,
    quiet: Quiet = False,
    debug: Debug = False,
):
    """Learn how to fill the gaps of DATA and save the model to one file.

    Example: impute fit data.csv -o data.impute --exclude id --plot training.png

    A folder of files: impute fit sales/ -o sales.impute  (trained on a sample of --max-rows)

    Time series: impute fit air.csv --time-col time --id-col station
    """
    check_series_data(data, time_col)
    output = output or derived_path(data, MODEL_SUFFIX)
    check_output(output, data)
    check_plot(plot, data)
    if plot is not None and method not in (Method.dynamic, Method.static):
        raise typer.BadParameter(
            f"the {method.value} method trains no network, so it has no training curve",
            param_hint="--plot",
        )
    options = fit_options(
        method=method,
        columns=columns,
        exclude=exclude,
        categorical=categorical,
        max_rows=max_rows,
        budget=budget,
        max_epochs=max_epochs,
        device=device,
        seed=seed,
        sep=sep,
        encoding=encoding,
        na_values_text=na_values_text,
        time_col=time_col,
        id_col=id_col,
        param=param,
    )
    with reported(debug):
        result = _fit(data, options, quiet)
        io.save_model(
            result.imputer,
            output,
            extra={"schema": result.schema.to_dict(), "training": result.summary},
        )
        if plot is not None:
            render.training_plot(result.imputer, plot)
    if not quiet:
        render.fit_report(result)
        stdout.print(f"model written to {output}", highlight=False)
        if plot is not None:
            stdout.print(f"training curve drawn to {plot}", highlight=False)


@app.command()
def fill(
    data: Data,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            "-m",
            exists=True,
            dir_okay=False,
            help="Model file from `impute fit` (default: fit on DATA first).",
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Output file; its extension sets the format; '-' writes CSV to stdout "
            "(default: DATA.filled.EXT).",
        ),
    ] = None,
    method: MethodOption = Method.dynamic,
    columns: Columns = None,
    exclude: Exclude = None,
    categorical: Categorical = None,
    max_rows: FitRows = FIT_MAX_ROWS,
    budget: Budget = "fast",
    max_epochs: MaxEpochs = None,
    param: Params = None,
    device: Device = "auto",
    seed: Seed = 0,
    sep: Sep = None,
    encoding: Encoding = "utf-8",
    na_values_text: NaValues = None,
    time_col: TimeCol = None,
    id_col: IdCol = None,
    draws: Annotated[
        int | None,
        typer.Option(
            min=1,
            show_default=False,
            help="Fill every gap this many times with draws from the model's predictive "
            "distribution (multiple imputation): one output with an .imputation column (1..M) "
            "before the others, the draws one after the other.",
        ),
    ] = None,
    split: Annotated[
        bool,
        typer.Option(
            "--split",
            help="With --draws M: write M files, OUTPUT with .1 ... .M before its extension.",
        ),
    ] = False,
    interval: Annotated[
        float | None,
        typer.Option(
            min=0.01,
            max=0.99,
            show_default=False,
            help="Add COLUMN.lower and COLUMN.upper for every numeric column: the central interval "
            "of this level (e.g. 0.9) around each filled cell, empty where the cell was observed.",
        ),
    ] = None,
    engine: Annotated[
        Engine | None,
        typer.Option(
            case_sensitive=False,
            show_default=False,
            help="How a folder is filled: local (one file after another, the default) or dask "
            "(one task per file on a Dask cluster; pip install 'impute[dask]').",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            show_default=False,
            help="With --engine dask: start a local cluster of this many worker processes "
            "[default: one per core].",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            show_default=False,
            help="With --engine dask: the address of an existing cluster's scheduler, e.g. "
            "tcp://10.0.0.5:8786; its workers need impute and the files at the same paths.",
        ),
    ] = None,
    quiet: Quiet = False,
    debug: Debug = False,
):
    """Fill the gaps of DATA; observed cells are written back exactly as read.

    Without --model, fits on DATA first (with --method, --columns, ... as in `impute fit`).
    Columns are matched by name; extra columns pass through unchanged. A model fitted with
    --time-col fills the file as time series (read whole, written at once).

    Example: impute fill data.csv --model data.impute -o filled.parquet

    Multiple imputation: impute fill data.csv -m data.impute --draws 5 --interval 0.9 -o long.csv

    A folder (or glob) is filled into the folder --output, one file per input file with its
    name; files already there are kept, so a rerun completes an interrupted fill:
    impute fill sales/ -m sales.impute -o filled/ --engine dask --workers 4
    """
    check_series_data(data, time_col)
    dataset = io.is_dataset(data)
    engine_name = engine.value if engine else "local"
    check_dataset_fill(data, output, engine_name, workers, scheduler)
    if dataset:
        output = output or str(derived_path(data, ".filled"))
    else:
        output = output or str(data.with_name(f"{data.stem}.filled{data.suffix}"))
        check_output(output, data)
    if split and not draws:
        raise typer.BadParameter("--split needs --draws M", param_hint="--split")
    if split and output == io.STDOUT:
        raise typer.BadParameter("--split writes one file per draw; give --output a file name")
    if (draws or interval) and model is None and method not in (Method.dynamic, Method.static):
        raise typer.BadParameter(
            f"the {method.value} method fills each gap with one value; draws and intervals need "
            "--method dynamic or static",
            param_hint="--draws" if draws else "--interval",
        )
    if split and not dataset:
        from ._draws import split_paths

        for path in split_paths(output, draws):
            check_output(str(path), data)
    options = fit_options(
        method=method,
        columns=columns,
        exclude=exclude,
        categorical=categorical,
        max_rows=max_rows,
        budget=budget,
        max_epochs=max_epochs,
        device=device,
        seed=seed,
        sep=sep,
        encoding=encoding,
        na_values_text=na_values_text,
        time_col=time_col,
        id_col=id_col,
        param=param,
    )
    with reported(debug):
        if not dataset:
            io.file_format(output)
        if model is None:
            result = _fit(data, options, quiet)
            imputer, schema = result.imputer, result.schema
        else:
            from ._jobs import schema_from_model

            imputer, document = io.read_model(model, device=None if device == "auto" else device)
            schema = schema_from_model(imputer, document["extra"], model)
        if dataset:
            summary = _fill_dataset(
                imputer,
                schema,
                data,
                output,
                quiet,
                engine=engine_name,
                workers=workers,
                scheduler=scheduler,
                device=None if device == "auto" else device,
                sep=sep,
                encoding=encoding,
                draws=draws,
                split=split,
                interval=interval,
                seed=seed,
            )
        else:
            from ._jobs import fill_file

            with progress(quiet) as bar:
                task = bar.add_task("filling", total=None, note="rows")
                rows = fill_file(
                    imputer,
                    schema,
                    data,
                    output,
                    sep=sep,
                    encoding=encoding,
                    on_rows=lambda n: bar.advance(task, n),
                    draws=draws,
                    split=split,
                    interval=interval,
                    seed=seed,
                )
    if quiet:
        return
    if dataset:
        render.dataset_fill_report(summary)
    elif output != io.STDOUT:
        where = f"{draws} files named like {output}" if split else output
        stderr.print(f"{rows} rows written to {where}", highlight=False)


def _fill_dataset(imputer, schema, data, output, quiet, **options):
    """``fill_dataset`` with a progress bar of the files."""
    with progress(quiet) as bar:
        task = bar.add_task("filling", total=None, note="files")

        def on_file(done, rows, seconds):
            bar.update(task, advance=1, note=f"{done.source.name}: {rows} rows in {seconds:.1f} s")

        from ._dataset_jobs import fill_dataset

        return fill_dataset(imputer, schema, data, output, on_file=on_file, **options)


def _run_note(run):
    """The progress bar's note after one evaluation run."""
    where = f"{run['method']} {run['pattern']}" if "pattern" in run else run["method"]
    error = ("MAE", run["mae"]) if "pattern" in run else ("RMSE", run["rmse"])
    if error[1] is None:
        error = ("accuracy", run["accuracy"])
    return f"{where} seed {run['seed']}: {error[0]} {error[1]:.4f}"


@app.command()
def evaluate(
    data: Data,
    mechanism: Annotated[
        Mechanism,
        typer.Option(case_sensitive=False, help="How cells are hidden: mcar, mar or mnar."),
    ] = Mechanism.mcar,
    rate: Annotated[
        float | None,
        typer.Option(
            min=0.01,
            max=0.99,
            show_default=False,
            help="Share of observed cells hidden [default: 0.3; 0.1 with --time-col].",
        ),
    ] = None,
    methods: Annotated[
        str | None,
        typer.Option(
            show_default=False,
            help="Comma-separated methods to compare [default: dynamic,static,mean; "
            "with --time-col dynamic,static,linear].",
        ),
    ] = None,
    seeds: Annotated[
        int | None,
        typer.Option(
            min=1,
            show_default=False,
            help="Repetitions, each with its own hidden cells (seeds 0, 1, ...) "
            "[default: 3; 1 with --time-col].",
        ),
    ] = None,
    max_rows: Annotated[
        int,
        typer.Option(
            min=10, help="Longer files are scored on a uniform sample of this many rows (seed 0)."
        ),
    ] = EVALUATE_MAX_ROWS,
    columns: Columns = None,
    exclude: Exclude = None,
    categorical: Categorical = None,
    budget: Budget = "fast",
    max_epochs: MaxEpochs = None,
    param: Params = None,
    device: Device = "auto",
    sep: Sep = None,
    encoding: Encoding = "utf-8",
    na_values_text: NaValues = None,
    time_col: TimeCol = None,
    id_col: IdCol = None,
    draws: Annotated[
        int | None,
        typer.Option(
            show_default=False,
            help="Also draw each hidden cell this many times (methods that can draw) and score the "
            "draws: coverage and width of their central 90% interval, and CRPS. At least 19, the "
            "fewest that interval can be read off; 20 is usual.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print every run and the summary as JSON.")
    ] = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            help=f"Also draw each method's error per column to this .png, .svg or .pdf. {PLOT_HELP}"
        ),
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

    With --draws M, the draws of each hidden cell are scored too (coverage, width, CRPS).
    """
    check_plot(plot, data)
    check_series_data(data, time_col)
    chosen, params = evaluation_choices(methods, time_col, id_col, param)
    series = time_col is not None
    if series and plot is not None:
        raise typer.BadParameter(
            "per-column pictures are drawn for tables only", param_hint="--plot"
        )
    seeds = seeds or (1 if series else 3)
    if series and draws:
        raise typer.BadParameter(
            "evaluate --draws scores tables only; score series draws in Python with "
            "TimeSeriesImputer.sample and impute.evaluation.score_draws",
            param_hint="--draws",
        )
    if draws is not None:
        from ..evaluation import DRAW_LEVEL, check_draws

        try:
            check_draws(draws, DRAW_LEVEL)
        except ValueError as error:
            raise typer.BadParameter(str(error), param_hint="--draws") from None
    common = dict(
        methods=chosen,
        rate=rate or (0.1 if series else 0.3),
        seeds=seeds,
        columns=names(columns),
        exclude=names(exclude) or (),
        na_values=na_values(na_values_text),
        sep=sep,
        encoding=encoding,
        budget=budget_value(budget),
        max_epochs=max_epochs or "auto",
        device=device,
        params=params,
    )
    with reported(debug), progress(quiet) as bar:
        task = bar.add_task("evaluating", total=(2 if series else 1) * seeds * len(chosen), note="")

        def on_run(run):
            bar.update(task, advance=1, note=_run_note(run))

        if series:
            from ._series_jobs import evaluate_series_file

            runs, summary = evaluate_series_file(
                data, time_column=time_col, id_column=id_col, on_run=on_run, **common
            )
        else:
            from ._jobs import evaluate_file

            runs, summary = evaluate_file(
                data,
                mechanism=mechanism.value.upper(),
                categorical=names(categorical) or (),
                max_rows=max_rows,
                on_run=on_run,
                draws=draws,
                **common,
            )
        if plot is not None:
            plots.save(plots.errors(summary), plot)
    if as_json:
        print(json.dumps({"summary": summary, "runs": runs}, indent=2))
        return
    (render.series_evaluation if series else render.table_evaluation)(summary, seeds)
    if plot is not None:
        stdout.print(f"errors per column drawn to {plot}", highlight=False)


@app.command()
def info(
    path: Annotated[
        Path,
        typer.Argument(
            callback=check_data,
            help="A model file (.impute), a data file, or a folder (or quoted glob) of data files.",
            show_default=False,
        ),
    ],
    sep: Sep = None,
    encoding: Encoding = "utf-8",
    na_values_text: NaValues = None,
    as_json: Json = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            help="Also draw a data file's missing cells, or a model's training curve, to this "
            ".png, .svg "
            f"or .pdf. {PLOT_HELP}"
        ),
    ] = None,
    debug: Debug = False,
):
    """Describe a model file (schema, training, versions) or a data file (kinds, missing cells).

    Example: impute info data.csv --plot missing.png

    A folder or glob is described as one dataset (files, rows, columns), streamed, not loaded.
    """
    check_plot(plot, path)
    with reported(debug):
        if io.is_dataset(path) or path.suffix.lower() in io.FORMATS:
            from ._describe import describe_file

            described = describe_file(
                path,
                na_values=na_values(na_values_text),
                sep=sep,
                encoding=encoding,
                pattern=plot is not None,
            )
            if plot is not None:
                missing = described.pop("pattern")
                plots.save(
                    plots.missingness(missing, list(described["columns"]), described["rows"]), plot
                )
        else:
            imputer, document = io.read_model(path, device="cpu")
            described = {
                key: document[key]
                for key in ("estimator", "params", "written_by", "format_version", "extra")
            }
            described["draws"] = getattr(imputer, "spread_", None) is not None
            if plot is not None:
                if not getattr(imputer, "loss_curve_", None):
                    raise typer.BadParameter(
                        f"{path} holds a {document['estimator']}, which has no training curve",
                        param_hint="--plot",
                    )
                render.training_plot(imputer, plot)
    if as_json:
        print(json.dumps(described, indent=2))
    elif "rows" in described:
        render.data_report(described)
    else:
        render.model_report(path, described)


def _terminate(signum, frame):
    sys.exit(128 + signum)  # unwinds like an exception, so partial outputs are removed


class _Interrupted(KeyboardInterrupt):
    """Ctrl-C as the command line raises it.

    A subclass, because CPython marks a bare ``KeyboardInterrupt`` that passes through an
    ``eval`` or ``exec`` of a string (``collections.namedtuple`` runs one whenever a module that
    defines one is imported, and the fill imports some lazily) as never handled; ``python -m
    impute`` then dies of SIGINT after printing its message, instead of exiting 130. A subclass
    is caught by every ``except KeyboardInterrupt`` and never marked.
    """


def _interrupt(signum, frame):
    raise _Interrupted


def main():
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _interrupt)
    # Ctrl-C is handled by ``_interrupt`` alone, wherever it lands: pyarrow's own handler, set
    # around a CSV read, would raise a bare KeyboardInterrupt instead. Batches are small, so a
    # read still stops within one.
    pa.enable_signal_handlers(False)
    try:
        app()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_BAD_DATA)
