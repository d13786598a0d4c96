"""``--set PARAM=VALUE``, shared by the benchmarks that measure levers: run the package's
imputers with some parameters changed from their defaults, without editing the package."""

from impute.cli import parse_params


def add_set_option(parser, estimator, example):
    """Add ``--set``; ``dict(args.set)`` is then the parameters, values read as by the command
    line's ``--param`` (``impute.cli.parse_params``)."""
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        type=_parameter,
        metavar="PARAM=VALUE",
        help=f"{estimator} parameters to change from the defaults in the model runs, values as "
        "JSON "
        f"or text (e.g. --set {example}); for measuring levers",
    )


def _parameter(text):
    (pair,) = parse_params([text]).items()
    return pair
