"""The training loops, for tables and for series, keep the running average of the weights at its best epoch."""

import numpy as np
import pytest
import torch

from impute.model import CellTransformer, ModelConfig
from impute.series_model import SeriesTransformer
from impute.series_training import SeriesData, SeriesTrainingConfig, train_series, validation_mae
from impute.series_training import split_validation as split_series_validation
from impute.training import (
    TrainingConfig,
    WeightAverage,
    make_optimizer,
    masked_mean,
    split_validation,
    train,
    validation_loss,
)

from tables import coupled_series, hide, structured_table


def test_weight_average_forgets_fast_at_first_then_at_the_decay_rate():
    model = torch.nn.Linear(1, 1, bias=False)
    average = WeightAverage(model, decay=0.6)
    expected = model.weight.item()
    for step, value in enumerate([1.0, -2.0, 3.0, 5.0, 0.5, 4.0], start=1):
        with torch.no_grad():
            model.weight.fill_(value)
        average.update()
        keep = min(0.6, (1 + step) / (10 + step))
        expected = keep * expected + (1 - keep) * value
    assert average.model.weight.item() == pytest.approx(expected)
    assert model.weight.item() == 4.0  # the followed model is left alone


def test_a_training_step_on_the_hidden_cells_alone_matches_the_full_pass():
    """Training finishes only the hidden cells in the last block; the loss and its gradients must not change."""
    generator = torch.Generator().manual_seed(0)
    values = torch.randn(24, 5, generator=generator)
    values[:, 2] = torch.randint(0, 3, (24,), generator=generator).float()  # a categorical column
    hidden = torch.rand(24, 5, generator=generator) < 0.3
    torch.manual_seed(0)
    model = CellTransformer(ModelConfig(n_features=5, d_model=16, n_heads=2, n_layers=2, d_ff=32,
                                        cardinalities=(0, 0, 3, 0, 0)))
    losses, gradients = [], []
    for wanted in (None, hidden):
        model.zero_grad()
        loss = masked_mean(model.cell_loss(model(values, ~hidden, wanted), values), hidden)
        loss.backward()
        losses.append(loss.item())
        gradients.append([p.grad.clone() for p in model.parameters()])
    assert losses[1] == pytest.approx(losses[0], rel=1e-6)
    for full, pruned in zip(*gradients):
        torch.testing.assert_close(pruned, full, rtol=1e-5, atol=1e-6)


def test_optimizer_falls_back_to_plain_adamw_where_torch_has_no_fused_kernel(monkeypatch):
    adamw = torch.optim.AdamW

    def refusing_fused(params, lr, fused=None):
        if fused:
            raise RuntimeError("`fused=True` requires all the params to be CUDA, floating point Tensors")
        return adamw(params, lr=lr)

    model = torch.nn.Linear(2, 1)
    cpu_kernel = tuple(int(part) for part in torch.__version__.split(".")[:2]) >= (2, 4)  # torch added it in 2.4
    assert make_optimizer(model, 1e-3).defaults["fused"] == cpu_kernel
    monkeypatch.setattr(torch.optim, "AdamW", refusing_fused)
    optimizer = make_optimizer(model, 1e-3)
    assert not optimizer.defaults["fused"]
    assert optimizer.defaults["lr"] == 1e-3


def test_trained_model_holds_the_averaged_weights_that_scored_best():
    X_missing, _ = hide(structured_table(n_rows=300, seed=0), 0.2, seed=0)
    observed = torch.as_tensor(~np.isnan(X_missing))
    values = torch.as_tensor(X_missing, dtype=torch.float32).nan_to_num(0.0)
    config = TrainingConfig(
        max_epochs=200, batch_size=32, learning_rate=1e-2, masking="dynamic", mask_rate=0.3,
        early_stopping=True, validation_fraction=0.1, n_iter_no_change=3,
    )
    torch.manual_seed(0)
    model = CellTransformer(ModelConfig(n_features=values.shape[1], d_model=16, n_heads=2, d_ff=32))
    history = train(model, values, observed, config, torch.Generator().manual_seed(0))

    _, validation, rows = split_validation(observed, config, torch.Generator().manual_seed(0))
    visible = (observed & ~validation)[rows]
    score = validation_loss(model, values[rows], visible, validation[rows], torch.ones(values.shape[1]))
    assert history.best_epoch < len(history.validation_scores) - 1  # a later epoch was not kept
    assert score == pytest.approx(history.validation_scores[history.best_epoch], rel=1e-5)


def test_trained_series_model_holds_the_averaged_weights_that_scored_best():
    table = coupled_series(600)  # (N, F)
    n = len(table)
    data = SeriesData(
        values=torch.as_tensor(np.vstack([table, np.zeros((1, 3))]), dtype=torch.float32),
        observed=torch.cat([torch.ones(n, 3, dtype=torch.bool), torch.zeros(1, 3, dtype=torch.bool)]),
        times=torch.as_tensor(np.append(np.arange(n), 0.0), dtype=torch.float32),
        offsets=torch.tensor([0]),
        lengths=torch.tensor([n]),
    )
    config = SeriesTrainingConfig(
        max_epochs=200, batch_size=8, learning_rate=1e-2, masking="dynamic", mask_rate=0.2,
        early_stopping=True, validation_fraction=0.1, n_iter_no_change=5, window=24, windows_per_epoch=64,
    )
    torch.manual_seed(0)
    model = SeriesTransformer(ModelConfig(n_features=3, d_model=16, n_heads=2, d_ff=32))
    history = train_series(model, data, config, torch.Generator().manual_seed(0))

    train_observed, windows = split_series_validation(data, config, torch.Generator().manual_seed(0))
    score = validation_mae(model, data, train_observed, windows, config.window)
    assert 0 <= history.best_epoch < len(history.validation_scores) - 1  # trained, and a later epoch was not kept
    assert score == pytest.approx(history.validation_scores[history.best_epoch], rel=1e-5)
