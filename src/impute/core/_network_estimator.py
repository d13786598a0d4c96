"""What the two network estimators share: their training parameters, one seed for every random
choice, the device, the trained network with its history, and the network's place in a model file.

``TransformerImputer`` and ``TimeSeriesImputer`` each build on their family's base (tables or
series) and on ``NetworkImputerMixin``.
"""

from contextlib import contextmanager
from dataclasses import asdict
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ._device import resolve_device
from ._training import TrainingHistory

MODEL_SPACE_LIMIT = 1e4  # scaled inputs are clipped to it: float32 arithmetic overflows near 3e38

NETWORK_PARAMETER_CONSTRAINTS = {
    "masking": [StrOptions({"dynamic", "static"})],
    "mask_rate": [Interval(Real, 0, 1, closed="neither")],
    "d_model": [Interval(Integral, 1, None, closed="left")],
    "n_heads": [Interval(Integral, 1, None, closed="left")],
    "n_layers": [Interval(Integral, 1, None, closed="left")],
    "budget": [StrOptions({"fast", "thorough"}), Interval(Real, 0, None, closed="neither")],
    "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "extrapolate": ["boolean"],
    "device": [str],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


class NetworkImputerMixin:
    """Shared by the estimators that train a network; put it before the family's base class."""

    def _validate_params(self):
        """Each parameter on its own (scikit-learn's constraints), then those that go together,
        so that the command line can refuse a bad ``--param`` before reading any data."""
        super()._validate_params()
        if self.d_model % self.n_heads:
            raise ValueError(
                f"d_model={self.d_model} must be a multiple of n_heads={self.n_heads}; change one "
                "of them."
            )

    def _start_fit(self):
        """Resolve ``device_``; return the one seed every random choice of this fit derives from."""
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        self.device_ = resolve_device(self.device)
        return seed

    @contextmanager
    def _seeded(self, seed):
        """Build and train under ``seed`` without touching torch's global generator; yields the
        generator that drives the training loop's own draws."""
        cuda_devices = [self.device_] if self.device_.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda_devices):
            torch.manual_seed(seed)
            yield torch.Generator(self.device_).manual_seed(seed)

    def _keep_network(self, network, history):
        """Store a trained network and its training history."""
        self.model_ = network
        self.n_epochs_ = len(history.loss_curve)
        self.best_epoch_ = history.best_epoch
        self.loss_curve_ = history.loss_curve
        self.validation_scores_ = history.validation_scores

    def _export_network(self, config=None, arrays=None):
        """The network's configuration, training history and weights as model-file values;
        ``config`` and ``arrays`` add the family's own settings and arrays beside them."""
        state = {
            "model_config": {**asdict(self.model_.config), **(config or {})},
            "n_epochs_": self.n_epochs_,
            "best_epoch_": self.best_epoch_,
            "loss_curve_": self.loss_curve_,
            "validation_scores_": self.validation_scores_,
        }
        weights = {key: value.cpu().numpy() for key, value in self.model_.state_dict().items()}
        state.update(
            {f"model.{key}": value for key, value in {**weights, **(arrays or {})}.items()}
        )
        return state

    def _import_network(self, state, build):
        """Rebuild the network that ``_export_network`` wrote, on the imputer's device.

        ``build(model_config)`` makes the untrained network from the stored configuration; the
        weights are every ``model.`` array of ``state``.
        """
        self.device_ = resolve_device(self.device)
        network = build(state["model_config"])
        prefix = "model."
        weights = {
            key.removeprefix(prefix): torch.as_tensor(value)
            for key, value in state.items()
            if key.startswith(prefix)
        }
        network.load_state_dict(weights)
        history = TrainingHistory(
            list(state["loss_curve_"]), list(state["validation_scores_"]), int(state["best_epoch_"])
        )
        numbers = [*history.loss_curve, *history.validation_scores]
        if not all(isinstance(value, (int, float)) for value in numbers) or not (
            -1 <= history.best_epoch < max(1, len(history.loss_curve))
        ):
            raise ValueError("the training history is damaged")
        # n_epochs_ is the length of the loss curve
        self._keep_network(network.to(self.device_), history)
