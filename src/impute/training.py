"""The training loop: batches, masks, loss, validation and early stopping.

A fixed set of observed cells is set aside before training starts. The network never sees those
cells, neither as input nor as target. After each epoch it predicts them from the rest of their
row, exactly as it will predict real gaps, and the epoch with the lowest error on them is the one
kept. That makes early stopping measure the task itself rather than the training loss.
"""

import copy
import sys
from dataclasses import dataclass, field

import torch

from .masking import make_mask

MAX_VALIDATION_ROWS = 2048
PREDICT_BATCH_ROWS = 1024  # measured: 2.7x the throughput of 8192 on 2 CPU cores (cache)
ERROR_PASSES = 16  # passes over the kept rows that measure the network's errors: F passes cost F² per row
MIN_ENTROPY = 0.1  # nats; a column that is nearly constant is not weighted up without bound
AVERAGE_DECAY = 0.99  # per optimizer step: the average spans about the last 100 steps (6 epochs of 2,000 rows)


@dataclass
class TrainingConfig:
    max_epochs: int
    batch_size: int
    learning_rate: float
    masking: str
    mask_rate: float
    early_stopping: bool
    validation_fraction: float
    n_iter_no_change: int


@dataclass
class TrainingHistory:
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
    """Early stopping shared by the training loops: records each epoch's losses, keeps a copy of
    the weights of the epoch with the lowest validation score, and says when to stop."""

    def __init__(self, model, patience, on_epoch=None):
        self.model = model
        self.patience = patience
        self.on_epoch = on_epoch
        self.history = TrainingHistory()
        self.best_score, self.best_state, self.stale_epochs = float("inf"), None, 0

    def start(self, score):
        """Count the untrained weights as a candidate, kept (``best_epoch`` -1) if no epoch beats ``score``."""
        self.best_score, self.best_state = score, copy.deepcopy(self.model.state_dict())
        self.history.best_epoch = -1

    def end_epoch(self, epoch, train_loss, score):
        """Record ``epoch``; ``score`` is None without validation. Returns True when training should stop."""
        self.history.loss_curve.append(train_loss)
        if score is not None:
            self.history.validation_scores.append(score)
        if self.on_epoch:
            self.on_epoch(epoch, train_loss, score)
        if score is None:
            self.history.best_epoch = epoch
            return False
        if score < self.best_score:
            self.best_score, self.best_state, self.stale_epochs = score, copy.deepcopy(self.model.state_dict()), 0
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
    """An exponential moving average of a model's weights, kept in a copy of the model.

    Each optimizer step moves the weights along one batch's noisy gradient, and freshly drawn
    masks make every batch's target different, so the weights keep wandering around the region
    they have settled in. Their running average (Polyak averaging) lies nearer its middle:
    scoring and keeping the average instead of the last step's weights lowered the mean RMSE of
    the 8 benchmark tables under MAR 0.3 from 0.1004 to 0.0986, 7 of them better (diamonds
    0.0191 -> 0.0158; benchmarks/EXPERIMENTS.md, which also has where it cost). For time series
    it lowered the MAE of dynamic masking on all 6 series cells where a trained epoch is kept
    (ETTh1 blocks 0.1783 -> 0.1598).
    Early on the average forgets faster, ``(1 + steps) / (10 + steps)``, so that it is not
    anchored to the random initial weights.
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


def make_optimizer(model, learning_rate):
    """AdamW, with its fused kernel where this torch has one for the model's device.

    The fused kernel updates every weight in one pass instead of one pass per operation: 4-7% of
    a table model's training step on one CPU core (benchmarks/EXPERIMENTS.md). torch added it for
    CPUs in 2.4 and refuses ``fused=True`` for them before, so there the plain kernel is used.
    """
    try:
        return torch.optim.AdamW(model.parameters(), lr=learning_rate, fused=True)
    except RuntimeError:
        return torch.optim.AdamW(model.parameters(), lr=learning_rate)


def _batches(n_rows):
    """Row slices of ``PREDICT_BATCH_ROWS`` for predicting without gradients."""
    return [slice(start, start + PREDICT_BATCH_ROWS) for start in range(0, n_rows, PREDICT_BATCH_ROWS)]


def masked_mean(errors, cells):
    """Mean of ``errors`` over ``cells`` (BoolTensor of the same shape); 0 when no cell is selected."""
    return (errors * cells).sum() / cells.sum().clamp(min=1)


def predict(model, values, visible):
    """Predict the cells that are not visible, in batches, without tracking gradients.

    ``values`` (N, F) and ``visible`` (N, F) are tensors on the model's device; returns (N, F):
    scaled numeric values and category codes, meaningful where ``visible`` is False.
    """
    model.eval()
    with torch.inference_mode():
        return torch.cat([model.decode(model(values[part], visible[part], ~visible[part])) for part in _batches(len(values))])


def column_weights(model, values, observed):
    """Per-column loss weights (F,): 1 for numeric columns, 1 / (entropy of the observed
    categories) for categorical ones, floored at ``MIN_ENTROPY``.

    Cross-entropy is measured in nats and grows with the number of categories, while the squared
    error of a robust-scaled number is about 0.5 when guessing the median; dividing each
    cross-entropy by what guessing from the column's frequencies would cost puts both on the
    scale of "share of the column's uncertainty left", so neither kind drowns the other.
    """
    weights = torch.ones(values.shape[1], device=values.device)
    cardinalities = model.config.cardinalities or ()
    for j, cardinality in enumerate(cardinalities):
        if cardinality:
            counts = torch.bincount(values[observed[:, j], j].long(), minlength=cardinality).float()
            shares = counts[counts > 0] / counts.sum()
            weights[j] = 1.0 / max(float(-(shares * shares.log()).sum()), MIN_ENTROPY)
    return weights


def validation_loss(model, values, visible, cells, weights):
    """Mean weighted loss on ``cells`` (N, F) when predicting from ``visible``, in batches, without gradients."""
    model.eval()
    total, count = 0.0, 0
    with torch.inference_mode():
        for part in _batches(len(values)):
            loss = model.cell_loss(model(values[part], visible[part], cells[part]), values[part]) * weights
            total += (loss * cells[part]).sum().item()
            count += cells[part].sum().item()
    return total / max(count, 1)


def best_mix(error, first, second):
    """Shares ``(a, b)`` per column, each (F,), that minimise ``|error - a * first - b * second|²``
    over the rows, with ``a, b >= 0`` and ``a + b <= 1``; all three are (N, F).

    The optimum of this small quadratic lies on one of the triangle's parts: its inside (the
    unconstrained solution), an edge, or a corner. Every candidate is scored and the best
    feasible one kept, exactly and for all columns at once.
    """
    g11, g22, g12 = (first * first).sum(0), (second * second).sum(0), (first * second).sum(0)  # (F,)
    r1, r2 = (error * first).sum(0), (error * second).sum(0)  # (F,)
    tiny = 1e-12
    determinant = g11 * g22 - g12 * g12
    along = g11 - 2 * g12 + g22  # |first - second|² per column
    zero, one = torch.zeros_like(g11), torch.ones_like(g11)
    a_edge = (r1 - r2 - g12 + g22) / along.clamp(min=tiny)  # on a + b = 1
    candidates = torch.stack(
        [
            torch.stack([(r1 * g22 - r2 * g12) / determinant.clamp(min=tiny), (r2 * g11 - r1 * g12) / determinant.clamp(min=tiny)]),
            torch.stack([r1 / g11.clamp(min=tiny), zero]),
            torch.stack([zero, r2 / g22.clamp(min=tiny)]),
            torch.stack([a_edge, 1 - a_edge]),
            torch.stack([zero, zero]),
            torch.stack([one, zero]),
            torch.stack([zero, one]),
        ]
    )  # (7, 2, F)
    a, b = candidates[:, 0], candidates[:, 1]  # (7, F)
    feasible = (a >= 0) & (b >= 0) & (a + b <= 1 + 1e-6)  # float32 rounding on the edge a + b = 1
    feasible[0] &= determinant > tiny  # the inside exists only when the two directions differ
    cost = a * a * g11 + 2 * a * b * g12 + b * b * g22 - 2 * (a * r1 + b * r2)  # (7, F), |error|² left out
    best = cost.masked_fill(~feasible, float("inf")).argmin(0)  # (F,)
    a = a.gather(0, best[None])[0]
    return a, torch.minimum(b.gather(0, best[None])[0], 1 - a)


def remember_errors(model):
    """Set the model's ``reference_error`` (R, F): each kept row's numeric values minus the
    network's predictions of them with the cells hidden (0 where not observed).

    Each numeric cell is hidden in one of ``min(numeric columns, ERROR_PASSES)`` passes over the
    kept rows, the columns taking turns by row, so that a table of up to ``ERROR_PASSES``
    numeric columns hides one cell at a time and a wider one hides about 1 in ``ERROR_PASSES``
    of a row's cells at once, as its gaps would be, at a cost that does not grow with its width.
    The network has trained on these cells, so its errors on them run smaller than on cells it
    never saw; the held-out cells then measure how much of their mean each column's fill takes.
    """
    numeric = ~model.categorical  # (F,)
    passes = min(int(numeric.sum()), ERROR_PASSES)
    if not passes:
        return  # no numeric column: the errors stay 0
    model.eval()
    values, observed = model.reference_values, model.reference_observed
    rows = torch.arange(len(values), device=values.device)  # (R,)
    turn = (rows[:, None] + numeric.cumsum(0) - 1) % passes  # (R, F) the pass that hides each cell
    hideable = observed & numeric  # (R, F)
    errors = torch.zeros_like(values)
    with torch.inference_mode():
        for part in _batches(len(values)):
            for p in range(passes):
                hidden = hideable[part] & (turn[part] == p)  # (B, F)
                predicted = model(values[part], observed[part] & ~hidden, hidden)[0]  # (B, F), shares still 0
                errors[part] = torch.where(hidden, values[part] - predicted, errors[part])
    model.reference_error.copy_(errors)


def fit_hint_shares(model, values, visible, cells, positions):
    """Set each numeric column's ``hint_share`` and ``gaussian_share``: the blend of network,
    nearest rows' errors and conditional normal mean that best fills the held-out ``cells`` (N, F)
    from ``visible`` (N, F), by least squares, with shares that are each at least 0 and add to
    at most 1.

    The three fill the same cells from different evidence (the row's other columns through the
    network, rows like it, linear relations between the columns), so their errors partly
    cancel; the held-out cells say by how much, per column. ``positions`` (N,) keeps each row
    from being its own neighbour.
    """
    model.eval()
    with torch.inference_mode():
        network = torch.cat([model(values[part], visible[part], cells[part])[0] for part in _batches(len(values))])  # (N, F), shares still 0
        to_neighbours = torch.zeros_like(network)
        if model.config.n_neighbors:
            to_neighbours = torch.cat([model.neighbour_hint(values[part], visible[part], positions[part]) for part in _batches(len(values))])
        to_gaussian = torch.zeros_like(network)
        if model.config.gaussian_hint:
            to_gaussian = model.gaussian_hint(values, visible) - network  # solved in chunks of its own size
    scored = (cells & ~model.categorical).float()  # categorical fills come from the logits, never blended
    neighbours, gaussian = best_mix((values - network) * scored, to_neighbours * scored, to_gaussian * scored)
    if model.config.n_neighbors:
        model.hint_share.copy_(neighbours)
    if model.config.gaussian_hint:
        model.gaussian_share.copy_(gaussian)


def split_validation(observed, config, generator):
    """Choose the held-out cells and the rows that carry them.

    Returns ``(train_observed (N, F), validation (N, F), validation_rows (V,))``; without early
    stopping nothing is held out.
    """
    if not config.early_stopping:
        empty = torch.zeros_like(observed)
        return observed, empty, torch.empty(0, dtype=torch.long, device=observed.device)
    draw = torch.rand(observed.shape, device=observed.device, generator=generator)
    validation = observed & (draw < config.validation_fraction)
    rows = validation.any(dim=1).nonzero().squeeze(1)
    if len(rows) > MAX_VALIDATION_ROWS:
        keep = torch.randperm(len(rows), device=rows.device, generator=generator)[:MAX_VALIDATION_ROWS]
        rows = rows[keep].sort().values
    validation &= torch.zeros_like(validation).index_fill_(0, rows, True)
    return observed & ~validation, validation, rows


def train(model, values, observed, config, generator, on_epoch=None):
    """Fit ``model`` to recover hidden observed cells; keep the best epoch's averaged weights.

    Validation scores the running average of the weights (``WeightAverage``), and the best
    epoch's average is what ``model`` holds on return. The held-out cells then set how much of
    each numeric fill the neighbours' errors correct and how much comes from the normal's conditional mean
    (``fit_hint_shares``).

    Parameters
    ----------
    model : CellTransformer
        On the training device.
    values : FloatTensor (N, F)
        Scaled values, 0 where not observed.
    observed : BoolTensor (N, F)
        Observed cells.
    config : TrainingConfig
    generator : torch.Generator
        Drives every random choice of the loop (validation cells, row order, masks).
    on_epoch : callable, optional
        Called as ``on_epoch(epoch, train_loss, validation_score)`` after each epoch.

    Returns
    -------
    TrainingHistory
    """
    n_rows = len(values)
    train_observed, validation, validation_rows = split_validation(observed, config, generator)
    mask = make_mask(config.masking, train_observed, ~observed, config.mask_rate, generator)
    weights = column_weights(model, values, train_observed)  # (F,)
    optimizer = make_optimizer(model, config.learning_rate)
    average = WeightAverage(model)
    keeper = BestEpoch(average.model, config.n_iter_no_change, on_epoch)
    for epoch in range(config.max_epochs):
        model.train()
        order = torch.randperm(n_rows, device=values.device, generator=generator)
        epoch_loss = torch.zeros((), device=values.device)
        for start in range(0, n_rows, config.batch_size):
            rows = order[start : start + config.batch_size]  # (B,)
            batch_observed = train_observed[rows]  # (B, F)
            hidden = mask(rows, batch_observed)  # (B, F)
            outputs = model(values[rows], batch_observed & ~hidden, hidden)  # only the hidden cells are scored
            loss = masked_mean(model.cell_loss(outputs, values[rows]) * weights, hidden)  # squared error or cross-entropy
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            average.update()
            epoch_loss += loss.detach() * len(rows)
        score = None
        if len(validation_rows):
            score = validation_loss(
                average.model, values[validation_rows], train_observed[validation_rows], validation[validation_rows], weights
            )
        if keeper.end_epoch(epoch, epoch_loss.item() / n_rows, score):
            break
    history = keeper.finish()
    model.load_state_dict(average.model.state_dict())
    if (model.config.n_neighbors or model.config.gaussian_hint) and len(validation_rows):
        positions = torch.full((n_rows,), -1, dtype=torch.long, device=values.device)
        if model.config.n_neighbors:
            positions = model.remember(values, observed, generator)  # (N,)
            remember_errors(model)
        if model.config.gaussian_hint:
            model.fit_normal(values, train_observed, generator)  # blind to the held-out cells, which measure it
        fit_hint_shares(
            model,
            values[validation_rows],
            train_observed[validation_rows],
            validation[validation_rows],
            positions[validation_rows],
        )
        if model.config.gaussian_hint:
            # The kept normal sees every observed cell, as the neighbour search sees every row:
            # breast_cancer's RMSE under MAR 0.3 went from 0.0605 to 0.0590.
            model.fit_normal(values, observed, generator)
    return history
