"""``TransformerImputer``: the scikit-learn face of the masked table Transformer."""

from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..core import (
    MODEL_SPACE_LIMIT,
    NETWORK_PARAMETER_CONSTRAINTS,
    NetworkImputerMixin,
    TrainingConfig,
    check_draw_request,
    draw_seed,
    epoch_printer,
    rows_for_width,
    table_budget,
)
from ._base import BaseImputer
from ._encoding import TableEncoder
from ._hints import GaussianHint, NeighbourHint
from ._network import CellConfig, CellTransformer
from ._spread import PredictiveSpread, bounds, draw
from ._training import predict, train

# rows searched for neighbours: a (batch x rows) distance matrix per fill batch
MAX_REFERENCE_ROWS = 4096  # for up to 64 columns (rows_for_width)
HINT_SETTINGS = (
    "n_neighbors",
    "reference_rows",
    "gaussian_hint",
    "predictive_spread",
)  # stored beside the network's size


class TransformerImputer(NetworkImputerMixin, BaseImputer):
    """Impute missing values with a Transformer trained on dynamically masked cells.

    Each row becomes a sequence of cell tokens (column embedding plus value embedding) and
    attention runs across the columns of the row. During ``fit`` the model hides cells that are
    observed and learns to predict them; with ``masking="dynamic"`` a fresh mask is drawn for
    every batch, so across epochs each observed cell is predicted from many different contexts.
    Training keeps a running average of the weights, which validates better than the weights of
    any one step. A fixed set of held-out observed cells scores the average after every epoch,
    drives early stopping (the best epoch's average is kept) and sets how much of each numeric
    gap's fill is corrected by the network's errors on the nearest training rows
    (``n_neighbors``), which bring in what rows like this one say, and how much comes from the
    gap's conditional mean under a normal distribution
    fitted to the training rows (``gaussian_hint``), which brings in linear relations between the
    columns exactly.
    ``transform`` fills only the missing cells; observed cells are returned bit-identical.

    The held-out cells also measure how far off the fills are, so the fitted model knows a
    predictive distribution for every gap (``docs/usage.md``, "Multiple imputation"):
    ``sample`` draws completed tables from it for multiple imputation (pool the analyses with
    ``impute.pool``), ``interval`` gives central intervals of the numeric fills, and
    ``sample_posterior=True`` makes ``transform`` return one draw.

    Parameters
    ----------
    masking : {"dynamic", "static"}, default="dynamic"
        ``"dynamic"`` draws a fresh mask for every batch. ``"static"`` draws one mask per row when
        training starts and reuses it every epoch, as a baseline for comparison.
    mask_rate : float, default=0.3
        Mean fraction of observed cells hidden in each training row; each row draws its own
        fraction uniformly in ``[0.5 * mask_rate, 1.5 * mask_rate]``.
    scaling : {"robust", "quantile"}, default="robust"
        How numeric columns are normalised before the model sees them: median and interquartile
        range, or a quantile map onto a standard normal.
    d_model : int, default=48
        Width of the cell tokens.
    n_heads : int, default=4
        Attention heads; must divide ``d_model``.
    n_layers : int, default=1
        Transformer blocks, each with a feed-forward part four times ``d_model`` wide. The
        last block finishes only the cells whose prediction is used.
    n_neighbors : int, default=5
        Each numeric gap's fill is corrected by the network's mean error in its column over the
        ``n_neighbors`` training rows nearest to its row (on the numeric cells the row shows)
        that observe it, each error measured with that cell hidden (and, beyond 16 numeric
        columns, about 1 in 16 of the row's cells with it; beyond 64 columns, more). Averaging
        errors rather than values keeps a row beyond the observed range from being pulled back
        inside it. Each column's share of the correction, between 0 and 1, is the one that best
        fills the held-out cells, so it needs ``early_stopping``. Up to 4,096 training rows
        (fewer beyond 64 columns) and their errors are kept in the fitted model for the search.
        0 turns it off.
    gaussian_hint : bool, default=True
        Also blend each numeric gap's fill with its conditional mean given the row's numeric
        cells, under a multivariate normal fitted to the training rows by
        expectation-maximisation (up to 4,096 rows, fewer beyond 64 columns). Each column's
        shares of this and of the neighbours' correction are each at least 0, add up to at most
        1, and are the ones that best fill the held-out cells, so it needs ``early_stopping``.
        It costs one small linear solve per row at fill time: on a table of hundreds of columns,
        turn it off if filling is slow.
    budget : {"fast", "thorough"} or float, default="fast"
        How much training a fit gets, in optimizer steps sized by the information in the table
        rather than its rows: ``"fast"`` makes 45 passes over a table of up to 2,000 rows,
        then grows with the square root of the rows up to 20,000 rows and no further, so that
        a million rows cost what 20,000 do. ``"thorough"`` trains six times as long; a number
        scales the fast budget (``docs/benchmarks.md`` has the figures of each).
    max_epochs : int or "auto", default="auto"
        The budget's steps are split into epochs, each ending with a validation; ``"auto"``
        makes 30 of them, and a number runs that many instead (so fewer cut the fit short).
    batch_size : int or "auto", default="auto"
        Rows per training step; ``"auto"`` uses 64 (the whole table when it is smaller).
    learning_rate : float, default=1e-3
        AdamW step size.
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the observed cells and stop when their error has not
        improved for ``n_iter_no_change`` epochs, restoring the best epoch.
    validation_fraction : float, default=0.1
        Fraction of observed cells held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without improvement before training stops.
    extrapolate : bool, default=False
        Allow filled numbers outside the range of each column's observed values; by default
        they are clipped to it.
    sample_posterior : bool, default=False
        When True, ``transform`` returns one draw from the predictive distribution of the gaps
        (as ``sample`` with one draw) instead of the best fills, so that a ``Pipeline`` or a
        search over parameters can be run on draws. The draw is seeded by ``random_state``: an
        int gives the same draw on every call, None a fresh one. Needs ``early_stopping``.
    device : str, default="auto"
        Torch device to train and predict on; ``"auto"`` uses CUDA when available.
    random_state : int, RandomState instance or None, default=None
        Seeds every random choice (initial weights, validation cells, row order, masks, and the
        draws of ``transform`` with ``sample_posterior``). The same value gives identical output
        on the CPU.
    verbose : int, default=0
        Print the training loss and validation error after each epoch when positive.
    missing_values : int, float or None, default=np.nan
        The placeholder for missing cells.
    categorical_features : list of str or int, or None, default=None
        Columns (names or positions) to model as categories even though their values are
        numbers, such as codes. Text, ``category`` and boolean columns of a DataFrame are
        categorical without being listed.
    add_indicator : bool, default=False
        If True, append a ``MissingIndicator`` column for every feature that had missing values
        during ``fit``.
    keep_empty_features : bool, default=False
        If True, features with no observed value during ``fit`` are kept and filled with 0;
        otherwise they are dropped from the output, as in ``SimpleImputer``.

    Attributes
    ----------
    model_ : torch.nn.Module
        The trained network, on ``device_``.
    neighbour_hint_ : NeighbourHint or None
        The kept training rows and the network's errors on them, with each column's share of
        the correction; None when ``n_neighbors=0`` or without early stopping.
    gaussian_hint_ : GaussianHint or None
        The normal distribution fitted to the training rows, with each column's share of the
        conditional mean; None when ``gaussian_hint=False`` or without early stopping.
    spread_ : PredictiveSpread or None
        What the held-out cells say of the fills' errors (quantiles of each numeric column's
        standardised errors, each categorical column's temperature), behind ``sample`` and
        ``interval``; None without early stopping, or from a model file written before draws
        existed.
    encoder_ : TableEncoder
        How each modelled column is encoded (scaling learned from the observed values,
        categories) and decoded.
    kinds_ : list of str or None
        The kind of every column when ``X`` was read column by column (a DataFrame with columns
        that are not all floats): ``float``, ``integer``, ``datetime``, ``categorical``,
        ``boolean``, or, for columns passed through, ``empty``, ``identifier``, ``unsupported``.
        None for numeric input.
    device_ : torch.device
        Where the network lives.
    n_epochs_ : int
        Epochs run before stopping; an epoch is a round of optimizer steps (a thirtieth of the
        budget by default) ending with a validation.
    best_epoch_ : int
        The (0-based) epoch whose weights were kept.
    loss_curve_ : list of float
        Mean training loss on the hidden cells, per epoch.
    validation_scores_ : list of float
        Mean squared error on the held-out cells (scaled units) of the averaged weights, per
        epoch; empty without early stopping.
    empty_features_ : ndarray of shape (n_features_in_,), dtype=bool
        Columns with no observed value during ``fit``.
    indicator_ : MissingIndicator or None
        The fitted indicator when ``add_indicator=True``.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during ``fit``, when ``X`` has string column names.

    See Also
    --------
    MeanImputer : The baseline this imputer is measured against.
    sklearn.impute.IterativeImputer : Round-robin regression imputation (MICE, MissForest).

    Examples
    --------
    >>> import numpy as np
    >>> from impute import TransformerImputer
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=(200, 1))
    >>> X = np.hstack([a, 2 * a, -a])
    >>> X[rng.random(X.shape) < 0.2] = np.nan
    >>> imputer = TransformerImputer(max_epochs=5, random_state=0)
    >>> filled = imputer.fit_transform(X)
    >>> bool(np.isnan(filled).any())
    False
    >>> bool((filled[~np.isnan(X)] == X[~np.isnan(X)]).all())
    True
    """

    _parameter_constraints: dict = {
        **BaseImputer._parameter_constraints,
        **NETWORK_PARAMETER_CONSTRAINTS,
        "scaling": [StrOptions({"robust", "quantile"})],
        "n_neighbors": [Interval(Integral, 0, None, closed="left")],
        "gaussian_hint": ["boolean"],
        "sample_posterior": ["boolean"],
    }

    def __init__(
        self,
        *,
        masking="dynamic",
        mask_rate=0.3,
        scaling="robust",
        d_model=48,
        n_heads=4,
        n_layers=1,
        n_neighbors=5,
        gaussian_hint=True,
        budget="fast",
        max_epochs="auto",
        batch_size="auto",
        learning_rate=1e-3,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        extrapolate=False,
        sample_posterior=False,
        device="auto",
        random_state=None,
        verbose=0,
        missing_values=np.nan,
        categorical_features=None,
        add_indicator=False,
        keep_empty_features=False,
    ):
        super().__init__(
            missing_values=missing_values,
            categorical_features=categorical_features,
            add_indicator=add_indicator,
            keep_empty_features=keep_empty_features,
        )
        self.masking = masking
        self.mask_rate = mask_rate
        self.scaling = scaling
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.n_neighbors = n_neighbors
        self.gaussian_hint = gaussian_hint
        self.budget = budget
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.extrapolate = extrapolate
        self.sample_posterior = sample_posterior
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y=None, *, on_epoch=None):
        """Train the network on dynamically (or statically) masked observed cells of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric input, or a DataFrame with columns of any kind; cells equal to
            ``missing_values`` are missing.
        y : None
            Ignored; present for API consistency.
        on_epoch : callable, optional
            Called after every epoch as ``on_epoch(epoch, training_loss, validation_mse)``, with
            ``validation_mse`` None without early stopping; the command line draws its progress
            bar with it. Replaces the ``verbose`` printout when given.

        Returns
        -------
        self : object
            The fitted imputer.
        """
        return super().fit(X, y, on_epoch=on_epoch)

    def _fit_columns(self, columns, kinds, on_epoch=None):
        seed = self._start_fit()
        self.encoder_ = TableEncoder(kinds, self.scaling, seed).fit(columns)
        values, observed = self._to_model_space(columns)
        epochs, steps_per_epoch, batch_size = table_budget(
            len(values), self.budget, self.max_epochs, self.batch_size, n_features=len(kinds)
        )
        config = TrainingConfig(
            max_epochs=epochs,
            steps_per_epoch=steps_per_epoch,
            batch_size=batch_size,
            learning_rate=self.learning_rate,
            masking=self.masking,
            mask_rate=self.mask_rate,
            early_stopping=self.early_stopping,
            validation_fraction=self.validation_fraction,
            n_iter_no_change=self.n_iter_no_change,
        )
        cardinalities = tuple(self.encoder_.cardinalities)
        numeric = torch.tensor(
            [c == 0 for c in cardinalities], dtype=torch.bool, device=self.device_
        )
        with self._seeded(seed) as generator:
            network = CellTransformer(
                CellConfig(
                    n_features=len(kinds),
                    d_model=self.d_model,
                    n_heads=self.n_heads,
                    n_layers=self.n_layers,
                    d_ff=4 * self.d_model,
                    cardinalities=cardinalities,
                )
            ).to(self.device_)
            # The shares of both hints are set on the held-out cells, so they need early stopping.
            self.neighbour_hint_ = None
            if self.n_neighbors and self.early_stopping:
                capacity = min(len(values), rows_for_width(MAX_REFERENCE_ROWS, len(kinds)))
                self.neighbour_hint_ = NeighbourHint(self.n_neighbors, numeric, capacity)
            self.gaussian_hint_ = (
                GaussianHint(numeric) if self.gaussian_hint and self.early_stopping else None
            )
            self.spread_ = PredictiveSpread(numeric) if self.early_stopping else None
            history = train(
                network,
                values,
                observed,
                config,
                generator,
                on_epoch or (epoch_printer("validation MSE") if self.verbose else None),
                self.neighbour_hint_,
                self.gaussian_hint_,
                self.spread_,
            )
        self._keep_network(network, history)

    def _to_model_space(self, columns):
        """Encoded values (0 where not visible) and the visible cells, as tensors on ``device_``.

        Values beyond ``MODEL_SPACE_LIMIT`` (far tails, numbers near the float limit) are clipped
        to it, so that the network's float32 arithmetic stays finite.
        """
        values, visible = self.encoder_.transform(columns)
        clipped = np.clip(values, -MODEL_SPACE_LIMIT, MODEL_SPACE_LIMIT)
        return (
            torch.as_tensor(clipped, dtype=torch.float32, device=self.device_),
            torch.as_tensor(visible, device=self.device_),
        )

    def _impute_columns(self, columns, as_floats=False):
        if self.sample_posterior:
            return self._draw_columns(columns, as_floats, 1, self.random_state)[0]
        values, visible = self._to_model_space(columns)
        gaps = (~visible).any(dim=1)  # rows without a gap need no prediction
        predicted = torch.zeros_like(values)
        if gaps.any():
            hints = self.neighbour_hint_, self.gaussian_hint_
            predicted[gaps] = predict(self.model_, values[gaps], visible[gaps], *hints)
        predicted = predicted.cpu().numpy().astype(np.float64)
        return self.encoder_.inverse_transform(predicted, columns, self.extrapolate, as_floats)

    def sample(self, X, n_draws=5, random_state=None):
        """Draw completed tables from the predictive distribution of the missing cells.

        Each draw fills every gap with a value drawn given the row's observed cells: a row's
        numeric gaps jointly (their errors correlated as the columns are), its categorical gaps
        from the network's category probabilities given the row and its numeric draws. The
        spread comes from the held-out cells, so a gap whose row says much about it (a near copy
        of its column is observed) varies little between draws, and one whose row says little
        varies much. Analyse each draw and pool the results with ``impute.pool`` (Rubin's rules).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Data with the same columns as during ``fit``.
        n_draws : int, default=5
            How many completed tables.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws: the same value gives the same tables on the CPU.

        Returns
        -------
        draws : list of ndarray or DataFrame
            ``n_draws`` tables of the type, shape, columns and dtypes ``transform`` returns;
            observed cells are identical in every draw, integer, boolean and datetime columns
            keep their kinds (in a DataFrame), and filled numbers stay within each column's
            observed range unless ``extrapolate``. A numeric column whose observed cells take
            few distinct values (at most 1,024, each seen 5 times on average: a rating scale,
            counts, flags, a fixed precision) is drawn on those values, unless ``extrapolate``.

        Examples
        --------
        >>> import numpy as np
        >>> from impute import TransformerImputer
        >>> rng = np.random.default_rng(0)
        >>> a = rng.normal(size=(300, 1))
        >>> X = np.hstack([a, a + 0.1 * rng.normal(size=(300, 1)), rng.normal(size=(300, 1))])
        >>> X[rng.random(X.shape) < 0.2] = np.nan
        >>> imputer = TransformerImputer(max_epochs=5, random_state=0).fit(X)
        >>> draws = imputer.sample(X, n_draws=3, random_state=0)
        >>> len(draws), draws[0].shape
        (3, (300, 3))
        >>> bool((draws[0][~np.isnan(X)] == draws[2][~np.isnan(X)]).all())
        True
        """
        check_is_fitted(self)
        check_draw_request(self, "sample", n_draws=n_draws)
        return self._complete(
            X,
            lambda columns, as_floats: self._draw_columns(
                columns, as_floats, n_draws, random_state
            ),
            n_draws,
        )

    def interval(self, X, level=0.9):
        """Central intervals of the predictive distribution of every filled numeric cell.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Data with the same columns as during ``fit``.
        level : float, default=0.9
            Probability, between 0 and 1, that each interval holds the true value; the bounds
            are the distribution's ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles.

        Returns
        -------
        lower, upper : ndarray or DataFrame of shape (n_samples, n_features_out)
            Two tables laid out as ``transform``'s: observed cells hold their value in both (a
            known value is its own interval), filled numeric cells the bounds, and filled
            categorical cells stay missing (categories have no order to bound). A column drawn
            on its few observed values (see ``sample``) has bounds among them too.

        Examples
        --------
        >>> import numpy as np
        >>> from impute import TransformerImputer
        >>> rng = np.random.default_rng(0)
        >>> a = rng.normal(size=(300, 1))
        >>> X = np.hstack([a, a + 0.1 * rng.normal(size=(300, 1)), rng.normal(size=(300, 1))])
        >>> X[rng.random(X.shape) < 0.2] = np.nan
        >>> imputer = TransformerImputer(max_epochs=5, random_state=0).fit(X)
        >>> lower, upper = imputer.interval(X, level=0.9)
        >>> bool((lower <= upper).all())
        True
        """
        check_is_fitted(self)
        check_draw_request(self, "interval", level=level)
        lower, upper = self._complete(
            X, lambda columns, as_floats: self._bounds_columns(columns, as_floats, level), 2
        )
        return lower, upper

    def _draw_columns(self, columns, as_floats, n_draws, random_state):
        """``n_draws`` fills of the modelled ``columns``, decoded."""
        check_draw_request(self, "sample_posterior" if self.sample_posterior else "sample")
        generator = torch.Generator(self.device_).manual_seed(draw_seed(random_state))
        values, visible = self._to_model_space(columns)
        gaps = (~visible).any(dim=1)
        drawn = torch.zeros((n_draws, *values.shape), device=values.device)
        if gaps.any():
            hints = self.neighbour_hint_, self.gaussian_hint_
            drawn[:, gaps] = draw(
                self.model_, values[gaps], visible[gaps], n_draws, generator, self.spread_, *hints
            )
        drawn = drawn.cpu().numpy().astype(np.float64)
        return [
            self.encoder_.inverse_transform(
                one, columns, self.extrapolate, as_floats, on_support=True
            )
            for one in drawn
        ]

    def _bounds_columns(self, columns, as_floats, level):
        """The lower and upper bounds of the modelled ``columns``' numeric gaps, decoded; the
        categorical columns as given (missing where missing)."""
        values, visible = self._to_model_space(columns)
        gaps = (~visible).any(dim=1)
        sides = [torch.zeros_like(values), torch.zeros_like(values)]
        if gaps.any():
            hints = self.neighbour_hint_, self.gaussian_hint_
            found = bounds(self.model_, values[gaps], visible[gaps], level, self.spread_, *hints)
            for side, bound in zip(sides, found):
                side[gaps] = bound
        categorical = self.model_.categorical.tolist()
        decoded = []
        for side in sides:
            side = self.encoder_.inverse_transform(
                side.cpu().numpy().astype(np.float64),
                columns,
                self.extrapolate,
                as_floats,
                on_support=True,
            )
            decoded.append(
                [
                    column if flag else bound
                    for column, bound, flag in zip(columns, side, categorical)
                ]
            )
        return decoded

    def _export_state(self):
        state = super()._export_state()
        # absent when no column had an observed value: nothing was trained
        if hasattr(self, "model_"):
            neighbours, gaussian = self.neighbour_hint_, self.gaussian_hint_
            settings = {
                "n_neighbors": neighbours.n_neighbors if neighbours is not None else 0,
                "reference_rows": len(neighbours.values) if neighbours is not None else 0,
                "gaussian_hint": gaussian is not None,
                "predictive_spread": self.spread_ is not None,
            }
            arrays = {
                **(neighbours.state() if neighbours else {}),
                **(gaussian.state() if gaussian else {}),
                **(self.spread_.state() if self.spread_ is not None else {}),
            }
            state.update(self._export_network(settings, arrays))
        return state

    def _import_state(self, state):
        state = dict(state)
        super()._import_state(state)
        self.neighbour_hint_ = self.gaussian_hint_ = self.spread_ = None
        if "model_config" not in state:
            return
        stored = dict(state["model_config"])
        settings = {name: stored.pop(name, None) for name in HINT_SETTINGS}
        names = [*NeighbourHint.STATE, *GaussianHint.STATE, *PredictiveSpread.STATE]
        arrays = {name: state.pop(f"model.{name}") for name in names if f"model.{name}" in state}
        self._import_network(
            {**state, "model_config": stored}, lambda config: CellTransformer(CellConfig(**config))
        )
        numeric = ~self.model_.categorical
        if settings["n_neighbors"]:
            self.neighbour_hint_ = NeighbourHint.from_state(
                settings["n_neighbors"], numeric, arrays
            )
        if settings["gaussian_hint"]:
            self.gaussian_hint_ = GaussianHint.from_state(numeric, arrays)
        if settings["predictive_spread"]:
            self.spread_ = PredictiveSpread.from_state(numeric, arrays)
