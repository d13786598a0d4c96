"""Pictures of a table's gaps, of training, and of each method's errors per column.

matplotlib is an optional extra (``pip install "impute[plot]"``): nothing else in the package
needs it, and a server that only fills files should not have to install it. Figures are built
with matplotlib's object-oriented ``Figure`` rather than ``pyplot``, so making one never changes
the caller's global plotting state or opens a window.
"""

import numpy as np

from . import io

__all__ = ["check_path", "errors", "missingness", "require", "save", "training"]

MISSING_COLOUR = "#1f3b73"
OBSERVED_COLOUR = "#e8ecf2"
MAX_MATRIX_ROWS = 2000  # a matrix of more rows than the picture has pixels only blurs
MAX_LABELLED_COLUMNS = 60  # wider tables get every k-th column name, and no per-bar figures


FORMATS = ("png", "svg", "pdf")


def require():
    """matplotlib's ``Figure`` class, or an ImportError that says how to install it.

    Examples
    --------
    >>> from impute import plots
    >>> plots.require().__name__
    'Figure'
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            'plots need matplotlib, an optional extra: pip install "impute[plot]"'
        ) from None
    return Figure


def check_path(path):
    """Refuse, before any work is done, a plot path whose extension names no format we write.

    Examples
    --------
    >>> from impute import plots
    >>> plots.check_path("errors.jpg")
    Traceback (most recent call last):
    ValueError: errors.jpg: a plot is written as .png, .svg or .pdf; change the extension
    """
    if str(path).rsplit(".", 1)[-1].lower() not in FORMATS:
        raise ValueError(f"{path}: a plot is written as .png, .svg or .pdf; change the extension")


def save(figure, path):
    """Write ``figure`` to ``path`` (the extension sets the format), atomically.

    Examples
    --------
    >>> import os, tempfile
    >>> from impute import plots
    >>> path = os.path.join(tempfile.mkdtemp(), "curve.png")
    >>> plots.save(plots.training([0.9, 0.5, 0.4]), path)
    >>> open(path, "rb").read(4)
    b'\\x89PNG'
    """
    check_path(path)
    with io.atomic_output(path) as handle:
        figure.savefig(handle, format=str(path).rsplit(".", 1)[-1].lower(), dpi=150)


def _figure(**kwargs):
    return require()(**kwargs)


def missingness(missing, columns, total_rows=None):
    """The missingness pattern: a rows x columns matrix and the share missing per column.

    Parameters
    ----------
    missing : array-like of bool, shape (n_rows, n_columns)
        True where a cell is missing, rows in file order.
    columns : list of str
        Column names.
    total_rows : int, optional
        Rows in the whole file when ``missing`` is a sample of them; shown in the title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from impute import plots
    >>> gaps = np.random.default_rng(0).random((100, 3)) < [0.0, 0.1, 0.5]
    >>> figure = plots.missingness(gaps, ["age", "income", "score"])
    >>> [axes.get_title() for axes in figure.axes]
    ['Missing cells, 100 rows', 'Share missing per column']
    """
    missing = np.asarray(missing, dtype=bool)
    n_rows, n_columns = missing.shape
    shares = missing.mean(axis=0) if n_rows else np.zeros(n_columns)
    if n_rows > MAX_MATRIX_ROWS:
        missing = missing[np.linspace(0, n_rows - 1, MAX_MATRIX_ROWS).astype(int)]
    width = min(16.0, max(6.0, 0.35 * n_columns + 2))
    figure = _figure(figsize=(width, 7.5), layout="constrained")
    matrix_axes, bar_axes = figure.subplots(2, 1, height_ratios=[3, 1], sharex=True)
    colours = np.array([_rgb(OBSERVED_COLOUR), _rgb(MISSING_COLOUR)])
    matrix_axes.imshow(
        colours[missing.astype(int)],
        aspect="auto",
        interpolation="nearest",
        extent=(-0.5, n_columns - 0.5, n_rows, 0),
    )
    described = (
        f"{n_rows} rows"
        if total_rows is None or total_rows == n_rows
        else f"{n_rows} of {total_rows} rows"
    )
    matrix_axes.set_title(f"Missing cells, {described}")
    matrix_axes.set_ylabel("row")
    bar_axes.bar(np.arange(n_columns), shares, color=MISSING_COLOUR, width=0.8)
    if n_columns <= MAX_LABELLED_COLUMNS:
        for x, share in enumerate(shares):
            if share > 0:
                bar_axes.annotate(
                    f"{share:.0%}",
                    (x, share),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    xytext=(0, 2),
                    textcoords="offset points",
                )
    top = max(0.05, float(shares.max(initial=0)) * 1.25)
    bar_axes.set_ylim(0, top if top <= 1 else 1.15)
    if top > 1:
        bar_axes.set_yticks([0, 0.25, 0.5, 0.75, 1])
    bar_axes.yaxis.set_major_formatter(_percent())
    bar_axes.set_title("Share missing per column")
    _label_columns(bar_axes, columns)
    return figure


def training(loss_curve, validation_scores=(), best_epoch=None):
    """Training and validation loss per epoch, with the epoch that was kept marked.

    Parameters
    ----------
    loss_curve : list of float
        Mean training loss on the hidden cells, per epoch (``TransformerImputer.loss_curve_``).
    validation_scores : list of float, optional
        Loss on the held-out cells per epoch (``validation_scores_``).
    best_epoch : int, optional
        Zero-based epoch whose weights were kept (``best_epoch_``).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from impute import plots
    >>> figure = plots.training([0.9, 0.6, 0.5], [0.8, 0.7, 0.75], best_epoch=1)
    >>> [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    ['training (hidden cells)', 'validation (held-out cells)']
    """
    figure = _figure(figsize=(7, 4.5), layout="constrained")
    axes = figure.subplots()
    epochs = np.arange(1, len(loss_curve) + 1)
    axes.plot(epochs, loss_curve, label="training (hidden cells)", color="#4c72b0")
    if len(validation_scores):
        axes.plot(
            epochs[: len(validation_scores)],
            validation_scores,
            label="validation (held-out cells)",
            color="#dd8452",
        )
    if best_epoch is not None:
        axes.axvline(best_epoch + 1, color="grey", linestyle=":", linewidth=1)
        on_left = best_epoch + 1 > 0.6 * len(loss_curve)
        axes.annotate(
            f"kept: epoch {best_epoch + 1}",
            (best_epoch + 1, 1),
            xycoords=("data", "axes fraction"),
            xytext=(-4 if on_left else 4, -12),
            textcoords="offset points",
            fontsize=8,
            color="grey",
            ha="right" if on_left else "left",
        )
    axes.set_xlabel("epoch")
    axes.set_ylabel("loss (squared error in scaled units; cross-entropy / entropy for categories)")
    axes.yaxis.label.set_size(8)
    axes.set_title("Training curve")
    axes.legend(loc="center right")
    axes.grid(alpha=0.3)
    return figure


def errors(summary):
    """Each method's error per column, side by side: RMSE for numbers, accuracy for categories.

    Parameters
    ----------
    summary : dict
        The summary from ``impute.evaluate_file``: per method, ``columns`` maps each column
        to its ``rmse`` (numeric, min-max scaled units) or ``accuracy`` (categorical).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from impute import plots
    >>> summary = {"source": "x.csv", "mechanism": "MCAR", "rate": 0.3, "methods": {
    ...     "dynamic": {"columns": {"a": {"rmse": 0.10}, "b": {"accuracy": 0.8}}},
    ...     "mean": {"columns": {"a": {"rmse": 0.20}, "b": {"accuracy": 0.6}}}}}
    >>> [axes.get_ylabel() for axes in plots.errors(summary).axes]
    ['RMSE (min-max scaled)', 'accuracy']
    """
    methods = list(summary["methods"])
    columns = summary["methods"][methods[0]]["columns"]
    panels = [
        (metric, label, [name for name, scores in columns.items() if metric in scores])
        for metric, label in (("rmse", "RMSE (min-max scaled)"), ("accuracy", "accuracy"))
    ]
    panels = [panel for panel in panels if panel[2]]
    width = min(16.0, max(6.0, 0.3 * len(columns) * len(methods) + 2))
    figure = _figure(figsize=(width, 3.6 * len(panels) + 0.6), layout="constrained")
    figure.suptitle(
        f"{summary['source']}: {summary['mechanism']}, {summary['rate']:.0%} of observed cells "
        "hidden "
        "(lower RMSE and higher accuracy are better)",
        fontsize=10,
    )
    for axes, (metric, label, names) in zip(np.atleast_1d(figure.subplots(len(panels), 1)), panels):
        step = 0.8 / len(methods)
        for i, method in enumerate(methods):
            scores = summary["methods"][method]["columns"]
            axes.bar(
                np.arange(len(names)) + (i - (len(methods) - 1) / 2) * step,
                [scores[name][metric] for name in names],
                width=step,
                label=method,
            )
        axes.set_ylabel(label)
        if metric == "accuracy":
            axes.set_ylim(0, 1)
        axes.grid(axis="y", alpha=0.3)
        axes.legend(fontsize=8, ncols=len(methods))
        _label_columns(axes, names)
    return figure


def _label_columns(axes, names):
    step = -(-len(names) // MAX_LABELLED_COLUMNS)
    axes.set_xticks(np.arange(0, len(names), step))
    axes.set_xticklabels(
        names[::step],
        rotation=60 if len(names) > 6 else 0,
        ha="right" if len(names) > 6 else "center",
        fontsize=8,
    )
    axes.set_xlim(-0.6, len(names) - 0.4)


def _rgb(colour):
    return [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]


def _percent():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0, decimals=0)
