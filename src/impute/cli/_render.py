"""What the command line prints: the reports of ``fit``, ``evaluate`` and ``info``."""

from rich.table import Table

from .. import plots
from ._console import stderr, stdout


def fit_report(result):
    """Each column's kind, missing share and whether it is modelled; then the method, the time,
    and for a network the epochs and the validation error."""
    summary, schema = result.summary, result.schema
    title = f"{summary['source']}: {summary['rows']} rows, {summary['columns']} columns"
    table = Table(title=title, title_justify="left")
    for header in ("column", "kind", "missing", "modelled"):
        table.add_column(header, justify="right" if header == "missing" else "left")
    for name, kind in schema.kinds.items():
        share = summary["missing_share"].get(name)
        modelled = "yes" if name in schema.modelled else "passed through"
        table.add_row(name, kind, "" if share is None else f"{share:.1%}", modelled)
    stdout.print(table)
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
            f"{summary['validation_mae']:.4f} (z-scores, on 10% of the observed points of up "
            "to 256 windows held out)"
        )
    stdout.print(line, highlight=False)


def _epochs_cells(scores, shown):
    """The epochs column of one method's row: the epochs it ran (mean over seeds), "-" for a
    method that does not train; no cell when the column is not shown."""
    return ["-" if scores["epochs"] is None else f"{scores['epochs']:.0f}"] * shown


def _seeds(count):
    return f"mean over {count} seed{'s' if count > 1 else ''}"


def table_evaluation(summary, seeds):
    """``impute evaluate``'s table for tables: each method's errors, accuracy, time and epochs."""
    stdout.print(
        f"{summary['source']}: {summary['rows']} rows, {len(summary['columns'])} modelled columns; "
        f"{summary['mechanism']} with {summary['rate']:.0%} of observed cells hidden; "
        f"{_seeds(seeds)}; errors in min-max scaled units, accuracy on categorical cells "
        "(hidden MCAR)",
        highlight=False,
    )
    scores_by_method = summary["methods"]
    metrics = [
        (key, header)
        for key, header in (
            ("rmse", "RMSE"),
            ("mae", "MAE"),
            ("accuracy", "accuracy"),
            ("coverage", "90% coverage"),
            ("width", "90% width"),
            ("crps", "CRPS"),
        )
        if any(scores.get(key) is not None for scores in scores_by_method.values())
    ]
    trained = any(scores["epochs"] is not None for scores in scores_by_method.values())
    table = Table()
    for header in (
        ["method"] + [header for _, header in metrics] + ["fit + fill (s)"] + ["epochs"] * trained
    ):
        table.add_column(header, justify="left" if header == "method" else "right")
    for method, scores in scores_by_method.items():
        table.add_row(
            method,
            *["–" if scores.get(key) is None else f"{scores[key]:.4f}" for key, _ in metrics],
            f"{scores['seconds']:.1f}",
            *_epochs_cells(scores, trained),
        )
    stdout.print(table)


def series_evaluation(summary, seeds):
    """``impute evaluate``'s table for series: each pattern and method's errors, time, epochs."""
    stdout.print(
        f"{summary['source']}: {summary['rows']} rows, {len(summary['columns'])} series features; "
        f"{summary['rate']:.0%} of observed points hidden, as points and as blocks of 6-48 "
        f"steps; each series z-scored; {_seeds(seeds)}",
        highlight=False,
    )
    by_pattern = summary["methods"]
    trained = any(
        scores["epochs"] is not None
        for by_method in by_pattern.values()
        for scores in by_method.values()
    )
    table = Table()
    for header in ("hidden as", "method", "MAE", "RMSE", "MRE", "fit + fill (s)") + (
        "epochs",
    ) * trained:
        table.add_column(header, justify="left" if header in ("hidden as", "method") else "right")
    for pattern, scores_by_method in by_pattern.items():
        for method, scores in scores_by_method.items():
            errors = (f"{scores[key]:.4f}" for key in ("mae", "rmse", "mre"))
            table.add_row(
                pattern,
                method,
                *errors,
                f"{scores['seconds']:.1f}",
                *_epochs_cells(scores, trained),
            )
    stdout.print(table)


def data_report(described):
    """``impute info DATA``: each column's kind and missing cells (and a dataset's files)."""
    title = f"{described['source']}: {described['rows']} rows, {len(described['columns'])} columns"
    if "files" in described:
        title += f", {described['files']} {described['format']} files"
    if "row_groups" in described:
        title += (
            f", {described['row_groups']} row groups (median {described['median_group_rows']} rows)"
        )
    table = Table(title=title, title_justify="left")
    for header in ("column", "kind", "missing", "share"):
        table.add_column(header, justify="left" if header in ("column", "kind") else "right")
    for name, column in described["columns"].items():
        kind = column["kind"] + (" (decimal comma)" if name in described["decimal_comma"] else "")
        table.add_row(name, kind, str(column["missing"]), f"{column['missing_share']:.1%}")
    stdout.print(table)


def model_report(path, described):
    """``impute info MODEL``: the estimator, who wrote it, its settings, training, columns, and
    whether it can draw."""
    extra, params = described["extra"], described["params"]
    stdout.print(
        f"{path}: {described['estimator']} (model format {described['format_version']})",
        highlight=False,
    )
    stdout.print(
        "written by " + ", ".join(f"{name} {ver}" for name, ver in described["written_by"].items()),
        highlight=False,
    )
    stdout.print(
        "settings: " + ", ".join(f"{key}={value}" for key, value in params.items()), highlight=False
    )
    training = extra.get("training")
    if training:
        line = (
            f"trained on {training['source']} ({training['rows']} rows) "
            f"in {training['seconds']:.1f} s"
        )
        epochs = f"; {training.get('epochs')} epochs"
        if "validation_rmse" in training:
            line += f"{epochs}, validation RMSE {training['validation_rmse']:.4f} (scaled units)"
        if "validation_mae" in training:
            line += f"{epochs}, validation MAE {training['validation_mae']:.4f} (z-scores)"
        stdout.print(line, highlight=False)
    schema = extra.get("schema")
    if schema:
        passed = [name for name in schema["kinds"] if name not in schema["modelled"]]
        stdout.print(f"fills: {', '.join(schema['modelled'])}", highlight=False)
        stdout.print(f"passes through: {', '.join(passed) or 'nothing'}", highlight=False)
    if described.get("draws"):
        can_draw = "yes"
    elif described["estimator"] in ("TransformerImputer", "TimeSeriesImputer"):
        can_draw = "no (written before draws existed, or fitted without early stopping): refit it"
    else:
        can_draw = "no: it fills each gap with one value (fit with --method dynamic or static)"
    stdout.print(f"draws and intervals (fill --draws, --interval): {can_draw}", highlight=False)


def training_plot(imputer, path):
    """Draw a fitted network's training curve to ``path``."""
    plots.save(
        plots.training(imputer.loss_curve_, imputer.validation_scores_, imputer.best_epoch_), path
    )


def dataset_fill_report(summary):
    """``impute fill FOLDER``: rows and files written, and the files already there."""
    if not summary["filled"]:
        stderr.print(
            f"nothing to fill: all {summary['files']} files already have their output in "
            f"{summary['destination']} (delete them, or choose another folder, to fill again)",
            highlight=False,
        )
        return
    line = (
        f"{summary['rows']} rows written to {summary['filled']} files in "
        f"{summary['destination']} in {summary['seconds']:.1f} s"
    )
    if summary["skipped"]:
        line += f"; {summary['skipped']} of {summary['files']} files were already filled, kept"
    stderr.print(line, highlight=False)
