"""The imputer behind each method name of the command line, and the network's ``--param``."""

import json

from ..series import FILLERS, SeriesBaselineImputer, TimeSeriesImputer
from ..tabular import MeanImputer, TransformerImputer

METHODS = ("dynamic", "static", "mean")  # for tables
SERIES_METHODS = (
    "dynamic",
    "static",
    *FILLERS,
)  # for time series: also linear interpolation and LOCF
TRAINED = ("dynamic", "static")  # the methods with a network, whose parameters ``params`` sets
NOT_PARAMS = {  # estimator parameters that the file jobs fix, and why
    "masking": "is set with --method",
    "max_epochs": "is set with --max-epochs",
    "budget": "is set with --budget",
    "device": "is set with --device",
    "random_state": "is set with --seed",
    "categorical_features": "is set with --categorical",
    "time_column": "is set with --time-col",
    "id_column": "is set with --id-col",
    "missing_values": "is set with --na-values",
    "verbose": "is set with --quiet (progress is shown unless it is given)",
    "add_indicator": (
        "cannot be set for files: they are filled in place, with no indicator columns added"
    ),
    "keep_empty_features": (
        "cannot be set for files: a column with no value is passed through as it is"
    ),
}
PYTHON_CONSTANTS = {"True": True, "False": False, "None": None}


def methods_for(time_column):
    """The method names for tables, or for time series when ``time_column`` is given."""
    return METHODS if time_column is None else SERIES_METHODS


def make_imputer(
    method,
    *,
    time_column=None,
    id_column=None,
    budget="fast",
    max_epochs="auto",
    device="auto",
    seed=0,
    categorical=(),
    params=None,
):
    """The imputer behind a method name, for tables or, with ``time_column``, for time series.

    Tables: ``dynamic`` or ``static`` masking, or the ``mean``. ``categorical`` names the columns
    that ``--categorical`` forces to be categories: the estimator must be told too, since it
    would read numeric codes as numbers and many distinct labels as an identifier. Series: also
    ``linear`` (interpolation in time), ``locf`` and ``mean``. ``params`` sets other parameters of
    the network (``--param``), checked here so that a bad name or value is refused before any
    data is read.
    """
    if method not in methods_for(time_column):
        raise ValueError(f"unknown method {method!r}; choose one of {methods_for(time_column)}")
    if method not in TRAINED:
        refuse_params(method, params)
        if time_column is not None:
            return SeriesBaselineImputer(method, time_column=time_column, id_column=id_column)
        return MeanImputer(categorical_features=list(categorical) or None)
    trained = dict(
        masking=method, budget=budget, max_epochs=max_epochs, device=device, random_state=seed
    )
    if time_column is not None:
        imputer = TimeSeriesImputer(**trained, time_column=time_column, id_column=id_column)
    else:
        imputer = TransformerImputer(**trained, categorical_features=list(categorical) or None)
    return with_params(imputer, params)


def parse_params(texts):
    """``NAME=VALUE`` texts as a dict of estimator parameters.

    Values are read as JSON (numbers, ``true``, ``false``, ``null``), ``True``, ``False`` and
    ``None`` as Python writes them, and anything else as text, so that
    ``independent_features=auto`` needs no quotes.

    Examples
    --------
    >>> from impute.cli import parse_params
    >>> parse_params(["d_model=96", "gaussian_hint=False", "independent_features=auto"])
    {'d_model': 96, 'gaussian_hint': False, 'independent_features': 'auto'}
    """
    params = {}
    for text in texts:
        name, equals, value = (part.strip() for part in text.partition("="))
        if not (equals and name):
            raise ValueError(f"{text!r} is not NAME=VALUE; write it as e.g. d_model=96")
        try:
            params[name] = (
                PYTHON_CONSTANTS[value] if value in PYTHON_CONSTANTS else json.loads(value)
            )
        except json.JSONDecodeError:
            params[name] = value
    return params


def refuse_params(method, params):
    """A baseline has nothing to tune: say so rather than drop the parameters silently."""
    if params:
        raise ValueError(
            f"parameters ({', '.join(sorted(params))}) are set for "
            f"{' and '.join(TRAINED)} masking, which train a network; {method} trains none"
        )


def with_params(imputer, params):
    """``imputer`` with ``params`` set and checked; those that the file jobs fix themselves
    (``masking`` by the method, ``missing_values`` by the NA markers...) are refused, saying how
    to set them."""
    params = params or {}
    for name in params:
        if name in NOT_PARAMS:
            raise ValueError(f"{name} {NOT_PARAMS[name]}")
        if name not in imputer.get_params():
            settable = ", ".join(sorted(set(imputer.get_params()) - set(NOT_PARAMS)))
            raise ValueError(
                f"{type(imputer).__name__} has no parameter {name!r}; its parameters are {settable}"
            )
    imputer.set_params(**params)._validate_params()
    return imputer


def check_params(params, methods, time_column=None, id_column=None):
    """Refuse, before any data is read, ``params`` that the chosen methods' network does not take
    (dynamic and static masking share one set of parameters), or any when none trains one."""
    trained = [method for method in methods if method in TRAINED]
    if not trained:
        refuse_params(", ".join(methods), params)
    else:
        make_imputer(trained[0], time_column=time_column, id_column=id_column, params=params)
