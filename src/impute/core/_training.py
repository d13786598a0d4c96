"""The parts of training both families share: the epoch loop, weight averaging, early stopping.

Each family says what one epoch's batches are (rows of a table, windows of a series) and how the
held-out cells are scored; ``train_epochs`` runs the optimizer over those batches, keeps a running
average of the weights, scores the average after every epoch and keeps the best epoch's average.
A fixed set of observed cells is held out before training starts, and the network never sees
them, neither as input nor as target: it predicts them from the rest of their row or window,
exactly as it will predict real gaps, so that early stopping measures the task itself rather
than the training loss.
"""

import copy
import sys
from dataclasses import dataclass, field

import torch
from torch.optim.adamw import adamw

AVERAGE_DECAY = 0.99  # per optimizer step: the average spans about the last 100 steps


@dataclass(kw_only=True)
class TrainingConfig:
    """How long and how a network trains; see the estimators' parameters of the same names. An
    epoch is ``steps_per_epoch`` optimizer steps (a table's) and ends with a validation."""

    max_epochs: int
    batch_size: int
    learning_rate: float
    masking: str
    mask_rate: float
    early_stopping: bool
    validation_fraction: float
    n_iter_no_change: int
    steps_per_epoch: int = 0


@dataclass
class TrainingHistory:
    """Mean training loss and validation score per epoch, and the (0-based) epoch kept (-1: the
    untrained network)."""

    loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    best_epoch: int = 0


def epoch_printer(label):
    """An ``on_epoch`` callback for ``verbose``: one line per epoch on stderr."""

    def report(epoch, train_loss, validation_score):
        validation = "" if validation_score is None else f", {label} {validation_score:.4f}"
        print(f"epoch {epoch + 1}: training loss {train_loss:.4f}{validation}", file=sys.stderr)

    return report


class BestEpoch:
    """Early stopping: records each epoch's losses, keeps a copy of the weights of the epoch with
    the lowest validation score, and says when to stop."""

    def __init__(self, model, patience, on_epoch=None):
        self.model = model
        self.patience = patience
        self.on_epoch = on_epoch
        self.history = TrainingHistory()
        self.best_score, self.best_state, self.stale_epochs = float("inf"), None, 0

    def start(self, score):
        """Count the untrained weights as a candidate, kept (``best_epoch`` -1) if no epoch beats
        ``score``."""
        self.best_score, self.best_state = score, copy.deepcopy(self.model.state_dict())
        self.history.best_epoch = -1

    def end_epoch(self, epoch, train_loss, score):
        """Record ``epoch`` (``score`` None without validation); True when training should stop."""
        self.history.loss_curve.append(train_loss)
        if score is not None:
            self.history.validation_scores.append(score)
        if self.on_epoch:
            self.on_epoch(epoch, train_loss, score)
        if score is None:
            self.history.best_epoch = epoch
            return False
        if score < self.best_score:
            self.best_score, self.best_state, self.stale_epochs = (
                score,
                copy.deepcopy(self.model.state_dict()),
                0,
            )
            self.history.best_epoch = epoch
            return False
        self.stale_epochs += 1
        return self.stale_epochs >= self.patience

    def finish(self):
        """Restore the best epoch's weights and return the history."""
        if self.best_state is not None:
            self.model.load_state_dict(self.best_state)
        return self.history


class WeightAverage:
    """An exponential moving average of a model's weights (Polyak averaging), kept in a copy of it.

    Each optimizer step moves the weights along one batch's noisy gradient, and freshly drawn
    masks make every batch's target different, so the weights keep wandering around the region
    they have settled in; their running average lies nearer its middle. Early on the average
    forgets faster, ``(1 + steps) / (10 + steps)``, so that it is not anchored to the random
    initial weights.
    """

    def __init__(self, model, decay=AVERAGE_DECAY):
        self.model = copy.deepcopy(model)
        self.decay = decay
        self.steps = 0
        self._followed = list(model.parameters())
        self._averaged = list(self.model.parameters())

    def update(self):
        """Move the average towards the followed model's current weights; call after each step."""
        self.steps += 1
        weight = 1 - min(self.decay, (1 + self.steps) / (10 + self.steps))
        with torch.no_grad():
            torch._foreach_lerp_(self._averaged, self._followed, weight)


class AdamW:
    """torch's AdamW update (``torch.optim.adamw.adamw``), with torch's defaults.

    The functional form runs the same update as ``torch.optim.AdamW``, without its optimizer
    class, whose first use in a process imports ``torch._dynamo``: about a second, as long as a
    small table's whole fit. With ``fused``, torch's fused kernel updates every weight in one
    pass where torch has one for the device (for CPUs since torch 2.4); elsewhere, and without
    ``fused``, torch's default implementation runs.
    """

    def __init__(self, parameters, lr, fused=False, betas=(0.9, 0.999), eps=1e-8, decay=0.01):
        self.parameters = [p for p in parameters if p.requires_grad]
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, decay
        self.fused = fused
        self.exp_avgs = [torch.zeros_like(p) for p in self.parameters]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in self.parameters]
        self.steps = [_step_count(p.device if fused else "cpu") for p in self.parameters]

    def zero_grad(self):
        """Drop every parameter's gradient, as torch's ``zero_grad()`` does by default."""
        for parameter in self.parameters:
            parameter.grad = None

    @torch.no_grad()
    def step(self):
        """One update of every parameter that has a gradient."""
        chosen = [i for i, p in enumerate(self.parameters) if p.grad is not None]
        state = self.parameters, self.exp_avgs, self.exp_avg_sqs, self.steps
        parameters, exp_avgs, exp_avg_sqs, steps = ([items[i] for i in chosen] for items in state)
        grads = [p.grad for p in parameters]
        options = dict(
            amsgrad=False,
            beta1=self.betas[0],
            beta2=self.betas[1],
            lr=self.lr,
            weight_decay=self.weight_decay,
            eps=self.eps,
            maximize=False,
        )
        if self.fused:
            try:
                adamw(parameters, grads, exp_avgs, exp_avg_sqs, [], steps, fused=True, **options)
                return
            except RuntimeError:  # no fused kernel for this device in this torch: on the first step
                self.fused = False
                self.steps = [_step_count("cpu") for _ in self.parameters]
                steps = [self.steps[i] for i in chosen]
        adamw(parameters, grads, exp_avgs, exp_avg_sqs, [], steps, **options)


def _step_count(device):
    """A parameter's step count, as torch's AdamW keeps it."""
    return torch.zeros((), dtype=torch.float32, device=device)


def masked_mean(errors, cells):
    """Mean of ``errors`` over ``cells`` (BoolTensor of the same shape); 0 without a cell."""
    return (errors * cells).sum() / cells.sum().clamp(min=1)


def train_epochs(
    model, optimizer, config, batches, score=None, on_epoch=None, score_untrained=False
):
    """Train ``model`` epoch by epoch; on return it holds the best epoch's averaged weights.

    Parameters
    ----------
    model : torch.nn.Module
    optimizer : AdamW
        Over ``model``'s parameters.
    config : TrainingConfig
        ``max_epochs`` and ``n_iter_no_change`` are read.
    batches : callable
        ``batches()`` yields one epoch's ``(loss, count)``: the scalar loss of a batch of
        ``count`` rows or windows, computed by ``model`` in training mode.
    score : callable, optional
        ``score(averaged_model)``: the validation score of the running average (lower is
        better); None without early stopping, in which case the last epoch is kept.
    on_epoch : callable, optional
        Called as ``on_epoch(epoch, train_loss, validation_score)`` after each epoch.
    score_untrained : bool, default=False
        Score the untrained network too, and keep it (``best_epoch`` -1) when no epoch beats it.

    Returns
    -------
    TrainingHistory
    """
    average = WeightAverage(model)
    keeper = BestEpoch(average.model, config.n_iter_no_change, on_epoch)
    if score is not None and score_untrained:
        keeper.start(score(average.model))
    device = next(model.parameters()).device
    for epoch in range(config.max_epochs):
        model.train()
        epoch_loss, seen = torch.zeros((), device=device), 0
        for loss, count in batches():
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            average.update()
            epoch_loss += loss.detach() * count
            seen += count
        validation = None if score is None else score(average.model)
        if keeper.end_epoch(epoch, epoch_loss.item() / seen, validation):
            break
    history = keeper.finish()
    model.load_state_dict(average.model.state_dict())
    return history
