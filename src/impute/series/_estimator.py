"""``TimeSeriesImputer``: the scikit-learn face of the time-series Transformer."""

from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..core import (
    MODEL_SPACE_LIMIT,
    NETWORK_PARAMETER_CONSTRAINTS,
    NetworkConfig,
    NetworkImputerMixin,
    check_draw_request,
    draw_seed,
    epoch_printer,
    series_budget,
)
from ._base import BaseSeriesImputer
from ._network import SeriesTransformer
from ._spread import SeriesSpread, step_distances
from ._training import SeriesTrainingConfig, fill_series, train_series
from ._windows import SeriesData, window_starts


class TimeSeriesImputer(NetworkImputerMixin, BaseSeriesImputer):
    """Impute gaps in time series with a Transformer that attends over time and over features,
    trained on dynamically masked points and blocks.

    Each series is cut into windows of ``window_length`` steps; every cell of a window is a token,
    and each layer attends over the time steps of every feature, then over the features of every
    step. Time stamps enter as continuous positions, so irregular sampling is seen. During
    ``fit`` observed cells are hidden, as single points or as blocks of consecutive steps, and
    the network learns to predict them; with ``masking="dynamic"`` a fresh mask is drawn for
    every batch. ``transform`` covers each series with windows overlapping by half and fills
    every gap once, from the window whose centre is nearest; observed cells are unchanged.

    Parameters
    ----------
    masking : {"dynamic", "static"}, default="dynamic"
        ``"dynamic"`` draws a fresh mask for every batch; ``"static"`` draws one mask over the
        data when training starts and reuses it every epoch, as a baseline.
    mask_rate : float, default=0.2
        Mean share of observed cells hidden per training window; each window draws its own
        share uniformly in ``[0.5 * mask_rate, 1.5 * mask_rate]``.
    window_length : int, default=96
        Steps per window (shortened to the longest series). Training blocks are up to half a
        window long.
    d_model : int, default=64
        Width of the cell tokens.
    n_heads : int, default=4
        Attention heads; must divide ``d_model``.
    n_layers : int, default=2
        Layers, each one block of attention over time and one over features.
    independent_features : bool or "auto", default="auto"
        Treat each feature of each series as a series of its own, all of them filled by one
        network that attends over time only. Attention over features learns how the features
        move together from the windows training draws (one per start step in each series); with
        fewer distinct windows than features it learns those few by heart instead, while taken
        one by one the features give that many times more windows to learn how a series moves.
        Sharing one network, they are taken as one quantity measured on many units (countries,
        stores, sensors of one kind) and share one mean, one scale and one observed range.
        ``"auto"`` treats them independently when there are fewer distinct windows than
        features, as in a wide table of many short series side by side (World Bank fertility:
        219 countries over 54 years, one window). Where the features move together and the
        windows are enough, modelling them jointly is better.
    budget : {"fast", "thorough"} or float, default="fast"
        How much training a fit gets: ``"fast"`` allows about 1,600 optimizer steps,
        ``"thorough"`` six times as many, and a number scales the fast budget.
    max_epochs : int or "auto", default="auto"
        Upper bound on epochs, an epoch being as many windows as cover the data once (at least
        16 steps); ``"auto"`` spends the budget, between 4 and 300 epochs (times the budget's
        multiple).
    batch_size : int or "auto", default="auto"
        Windows per training step; ``"auto"`` puts about 16,384 cells in a step.
    learning_rate : float, default=1e-3
        AdamW step size.
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the observed cells of up to 256 windows and stop when
        their error has not improved for ``n_iter_no_change`` epochs, restoring the best epoch.
        What is scored and kept is a running average of the weights, as in ``TransformerImputer``.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    extrapolate : bool, default=False
        Allow filled values outside each feature's observed range; by default they are clipped.
    device : str, default="auto"
        Torch device; ``"auto"`` uses CUDA when available.
    random_state : int, RandomState instance or None, default=None
        Seeds every random choice; the same value gives identical output on the CPU.
    verbose : int, default=0
        Print the training loss and validation error after each epoch when positive.
    time_column : str, optional
        Column of time stamps (datetimes, ISO date text or numbers). Without it a
        ``DatetimeIndex`` gives the times, or else rows are in time order, evenly spaced.
    id_column : str, optional
        Column naming the series of each row, for a long table of several series.

    Attributes
    ----------
    spread_ : SeriesSpread or None
        What the held-out cells say of the fills' errors (their spread as a power of the
        distance from the nearest observed step, the quantiles of the errors divided by it, and
        their correlation between neighbouring steps), behind
        ``sample`` and ``interval``; None without early stopping, or from a model file written
        before draws existed.
    model_ : SeriesTransformer
        The trained network, on ``device_``.
    features_ : list of str
        The numeric columns filled; other columns pass through untouched.
    mean_, scale_ : ndarray of shape (len(features_),)
        Each feature's mean and standard deviation over its observed values (over all features'
        with ``independent_features_``); the network sees z-scores.
    data_min_, data_max_ : ndarray of shape (len(features_),)
        Each feature's observed range (all features' with ``independent_features_``), to which
        filled values are clipped.
    observed_features_ : ndarray of bool
        Features with at least one observed value in ``fit``; the others are filled with 0.
    time_step_ : float
        The median interval between consecutive steps, the unit of the network's positions.
    window_ : int
        The window length used.
    independent_features_ : bool
        Whether each feature was modelled as a series of its own.
    device_ : torch.device
    n_epochs_, best_epoch_ : int
        Epochs run, and the (0-based) epoch whose averaged weights were kept: -1 when none validated
        better than the untrained network, which is linear interpolation.
    loss_curve_, validation_scores_ : list of float
        Mean absolute error (z-scores) on the hidden cells and, with the averaged weights, on the
        held-out cells, per epoch.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    See Also
    --------
    SeriesBaselineImputer : Linear interpolation, LOCF and the mean.
    TransformerImputer : The same idea for tables, where rows are independent.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from impute import TimeSeriesImputer
    >>> t = np.arange(300)
    >>> frame = pd.DataFrame({"t": t, "a": np.sin(t / 10), "b": np.cos(t / 10)})
    >>> frame.loc[::7, "a"] = np.nan
    >>> imputer = TimeSeriesImputer(window_length=32, max_epochs=3, time_column="t", random_state=0)
    >>> filled = imputer.set_output(transform="pandas").fit_transform(frame)
    >>> bool(filled["a"].isna().any()), filled["b"].equals(frame["b"])
    (False, True)
    """

    _parameter_constraints: dict = {
        **BaseSeriesImputer._parameter_constraints,
        **NETWORK_PARAMETER_CONSTRAINTS,
        "window_length": [Interval(Integral, 2, None, closed="left")],
        "independent_features": ["boolean", StrOptions({"auto"})],
    }

    def __init__(
        self,
        *,
        masking="dynamic",
        mask_rate=0.2,
        window_length=96,
        d_model=64,
        n_heads=4,
        n_layers=2,
        independent_features="auto",
        budget="fast",
        max_epochs="auto",
        batch_size="auto",
        learning_rate=1e-3,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        extrapolate=False,
        device="auto",
        random_state=None,
        verbose=0,
        time_column=None,
        id_column=None,
    ):
        self.masking = masking
        self.mask_rate = mask_rate
        self.window_length = window_length
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.independent_features = independent_features
        self.budget = budget
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.extrapolate = extrapolate
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.time_column = time_column
        self.id_column = id_column

    def fit(self, X, y=None, *, on_epoch=None):
        """Train the network on masked points and blocks of the observed values of ``X``.

        Parameters
        ----------
        X : DataFrame
            Long or wide series (see ``impute.series_layout``).
        y : None
            Ignored.
        on_epoch : callable, optional
            Called after every epoch as ``on_epoch(epoch, training_loss, validation_mae)``: mean
            absolute errors on hidden and held-out cells, in z-scores.

        Returns
        -------
        self : object
        """
        return super().fit(X, y, on_epoch=on_epoch)

    def _fit_series(self, values, observed_any, layout, on_epoch=None):
        seed = self._start_fit()
        self.observed_features_ = observed_any
        steps = np.concatenate([np.diff(times) for times in layout.times])
        self.time_step_ = float(np.median(steps)) if len(steps) else 1.0
        lengths = np.array([len(rows) for rows in layout.rows])
        self.window_ = int(min(self.window_length, lengths.max()))
        windows = int(window_starts(lengths, self.window_).sum())  # distinct training windows
        self.independent_features_ = bool(
            windows < values.shape[1]
            if self.independent_features == "auto"
            else self.independent_features
        )
        seen = values[:, observed_any]
        if self.independent_features_:  # one quantity on many units: scaled and bounded together
            seen = seen.reshape(-1, 1)
        self.mean_ = np.zeros(values.shape[1])
        self.scale_ = np.ones(values.shape[1])
        self.data_min_ = np.zeros(values.shape[1])
        self.data_max_ = np.zeros(values.shape[1])
        self.mean_[observed_any] = np.nanmean(seen, axis=0)
        spread = np.nanstd(seen, axis=0)
        self.scale_[observed_any] = np.where(spread > 0, spread, 1.0)
        self.data_min_[observed_any] = np.nanmin(seen, axis=0)
        self.data_max_[observed_any] = np.nanmax(seen, axis=0)
        data = self._series_data(values, layout)
        n_features = data.values.shape[1]
        max_epochs, batch_size, windows_per_epoch = series_budget(
            data.padding, self.window_, n_features, self.budget, self.max_epochs, self.batch_size
        )
        config = SeriesTrainingConfig(
            window=self.window_,
            max_epochs=max_epochs,
            batch_size=batch_size,
            windows_per_epoch=windows_per_epoch,
            learning_rate=self.learning_rate,
            masking=self.masking,
            mask_rate=self.mask_rate,
            early_stopping=self.early_stopping,
            validation_fraction=self.validation_fraction,
            n_iter_no_change=self.n_iter_no_change,
        )
        size = NetworkConfig(
            n_features, self.d_model, self.n_heads, self.n_layers, d_ff=2 * self.d_model
        )
        with self._seeded(seed) as generator:
            network = SeriesTransformer(size).to(self.device_)
            report = on_epoch or (epoch_printer("validation MAE") if self.verbose else None)
            self.spread_ = SeriesSpread(self.device_) if self.early_stopping else None
            history = train_series(network, data, config, generator, report, self.spread_)
        self._keep_network(network, history)

    def _series_data(self, values, layout):
        """The series end to end in z-scores, with a padding row, on ``device_``; with
        ``independent_features_`` every feature of every series is a series of one feature,
        feature by feature: (N * F + 1, 1)."""
        order = np.concatenate(layout.rows) if layout.rows else np.zeros(0, dtype=np.int64)
        scaled = np.clip(
            (values[order] - self.mean_) / self.scale_, -MODEL_SPACE_LIMIT, MODEL_SPACE_LIMIT
        )
        observed = ~np.isnan(scaled) & self.observed_features_
        times = (
            np.concatenate([t - t[0] for t in layout.times]) / (self.time_step_ or 1.0)
            if layout.rows
            else order
        )
        lengths = np.array([len(rows) for rows in layout.rows], dtype=np.int64)
        if self.independent_features_:
            n_features = scaled.shape[1]
            scaled, observed = scaled.T.reshape(-1, 1), observed.T.reshape(-1, 1)
            times, lengths = np.tile(times, n_features), np.tile(lengths, n_features)
        pad = np.zeros((1, scaled.shape[1]))
        device = self.device_
        return SeriesData(
            values=torch.as_tensor(
                np.vstack([np.nan_to_num(scaled), pad]), dtype=torch.float32, device=device
            ),
            observed=torch.as_tensor(np.vstack([observed, pad.astype(bool)]), device=device),
            times=torch.as_tensor(np.append(times, 0.0), dtype=torch.float32, device=device),
            offsets=torch.as_tensor(np.cumsum(lengths) - lengths, device=device),
            lengths=torch.as_tensor(lengths, device=device),
        )

    def _fill_series(self, values, layout):
        data = self._series_data(values, layout)
        return self._decoded(fill_series(self.model_, data, self.window_), layout, values)

    def _decoded(self, predicted, layout, values):
        """Scaled predictions (N + 1, F) or (N * F + 1, 1) back in the features' units and the
        rows' order (N, F), clipped to the observed range unless ``extrapolate``."""
        predicted = predicted[:-1].cpu().numpy().astype(np.float64)
        predicted = (
            predicted.reshape(len(self.mean_), -1).T if self.independent_features_ else predicted
        )
        decoded = predicted * self.scale_ + self.mean_
        if not self.extrapolate:
            decoded = np.clip(decoded, self.data_min_, self.data_max_)
        decoded[:, ~self.observed_features_] = 0.0
        filled = np.empty_like(values)
        filled[np.concatenate(layout.rows)] = decoded
        return filled

    def sample(self, X, n_draws=5, random_state=None):
        """Draw completed copies of ``X`` from the predictive distribution of its gaps.

        Each gap's spread grows with how many steps it lies from the nearest observed value of
        its feature (as measured on the held-out points and blocks), and a gap's steps are drawn
        together, their deviations correlated along time as the held-out errors of
        neighbouring steps are, so that a drawn block wanders as the series could have.

        Parameters
        ----------
        X : DataFrame or array-like
            The columns seen in ``fit``.
        n_draws : int, default=5
        random_state : int, RandomState instance or None, default=None
            Seeds the draws.

        Returns
        -------
        draws : list of ndarray or DataFrame
            ``n_draws`` tables as ``transform`` returns them; observed cells identical in all.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from impute import TimeSeriesImputer
        >>> t = np.arange(300)
        >>> frame = pd.DataFrame({"x": np.sin(t / 10), "y": np.cos(t / 10)})
        >>> frame.loc[100:110, "x"] = np.nan
        >>> imputer = TimeSeriesImputer(max_epochs=2, random_state=0).fit(frame)
        >>> draws = imputer.sample(frame, n_draws=3, random_state=0)
        >>> len(draws), bool(np.isnan(draws[0]).any())
        (3, False)
        """
        check_is_fitted(self)
        check_draw_request(self, "sample", n_draws=n_draws)
        seed = draw_seed(random_state)

        def fill(values, layout):
            filled, distance = self._fills_and_distances(values, layout)
            generator = torch.Generator(self.device_).manual_seed(seed)
            drawn = filled + self.spread_.deviations(distance, n_draws, generator)
            return [self._decoded(one, layout, values) for one in drawn]

        return self._complete(X, fill, n_draws)

    def interval(self, X, level=0.9):
        """Central intervals of the predictive distribution of every filled cell.

        Parameters
        ----------
        X : DataFrame or array-like
            The columns seen in ``fit``.
        level : float, default=0.9
            Probability, between 0 and 1, that each interval holds the true value.

        Returns
        -------
        lower, upper : ndarray or DataFrame
            Laid out as ``transform``'s output: filled cells hold the bounds, observed cells
            their value.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from impute import TimeSeriesImputer
        >>> t = np.arange(300)
        >>> frame = pd.DataFrame({"x": np.sin(t / 10), "y": np.cos(t / 10)})
        >>> frame.loc[100:110, "x"] = np.nan
        >>> imputer = TimeSeriesImputer(max_epochs=2, random_state=0).fit(frame)
        >>> lower, upper = imputer.interval(frame)
        >>> bool((lower <= upper).all())
        True
        """
        check_is_fitted(self)
        check_draw_request(self, "interval", level=level)

        def fill(values, layout):
            filled, distance = self._fills_and_distances(values, layout)
            below, above = self.spread_.bounds(distance, level)
            return [
                self._decoded(filled + below, layout, values),
                self._decoded(filled + above, layout, values),
            ]

        lower, upper = self._complete(X, fill, 2)
        return lower, upper

    def _fills_and_distances(self, values, layout):
        """The series' fills (scaled, N + 1 rows) and each row's steps from the nearest observed
        one of its feature."""
        data = self._series_data(values, layout)
        return fill_series(self.model_, data, self.window_), step_distances(data, data.observed)

    def _export_state(self):
        spread = {} if self.spread_ is None else self.spread_.state()
        state = {
            **super()._export_state(),
            "time_step_": self.time_step_,
            "window_": self.window_,
            "independent_features_": self.independent_features_,
            **self._export_network(arrays=spread),
        }
        for name in ("mean_", "scale_", "data_min_", "data_max_", "observed_features_"):
            state[name] = getattr(self, name)
        return state

    def _import_state(self, state):
        super()._import_state(state)
        self.time_step_ = float(state["time_step_"])
        self.window_ = int(state["window_"])
        # files from before the option: joint
        self.independent_features_ = bool(state.get("independent_features_", False))
        for name in ("mean_", "scale_", "data_min_", "data_max_"):
            setattr(self, name, np.asarray(state[name], dtype=np.float64))
        self.observed_features_ = np.asarray(state["observed_features_"], dtype=bool)
        state = dict(state)
        arrays = {
            name: state.pop(f"model.{name}")
            for name in SeriesSpread.STATE
            if f"model.{name}" in state
        }
        self._import_network(state, build_network)
        # files from before draws: none
        self.spread_ = SeriesSpread.from_state(arrays, self.device_) if arrays else None


def build_network(stored):
    """The untrained network of a stored configuration (files of an earlier layout also hold the
    table network's settings, which a series network has no use for)."""
    names = NetworkConfig.__dataclass_fields__
    return SeriesTransformer(
        NetworkConfig(**{key: value for key, value in stored.items() if key in names})
    )
