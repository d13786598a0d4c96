"""``--set PARAM=VALUE``, shared by the benchmarks that measure levers: run the package's
imputers with some parameters changed from their defaults, without editing the package."""

import json


def add_set_option(parser, estimator, example):
    """Add ``--set``; ``args.set`` is then a dict of parameter names to values read as JSON."""
    parser.add_argument("--set", nargs="*", default=[], type=_parameter, metavar="PARAM=VALUE",
                        help=f"{estimator} parameters to change from the defaults in the model runs, values as JSON "
                             f"(e.g. --set {example}); for measuring levers")


def _parameter(text):
    key, value = text.split("=", 1)
    return key, json.loads(value)
