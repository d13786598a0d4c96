"""Training the time-series network: only hidden cells are finished; the running average of the
weights kept at its best epoch."""

import numpy as np
import pytest
import torch
from support import coupled_series

from impute.core import NetworkConfig, masked_mean
from impute.series._network import SeriesTransformer
from impute.series._training import (
    SeriesTrainingConfig,
    hold_out_windows,
    train_series,
    validation_mae,
)
from impute.series._windows import SeriesData


def test_a_series_step_on_the_hidden_cells_alone_matches_the_full_pass():
    """Finishing only the hidden cells in the last block changes neither loss nor gradients, and
    the cells not wanted come back as their interpolation: their value where visible."""
    generator = torch.Generator().manual_seed(0)
    values = torch.randn(3, 20, 4, generator=generator)  # (B, L, F)
    hidden = torch.rand(3, 20, 4, generator=generator) < 0.25
    positions = torch.arange(20.0).expand(3, 20)
    present = torch.ones(3, 20, dtype=torch.bool)
    present[2, 15:] = False  # a short series: padding after it
    hidden &= present[..., None]
    torch.manual_seed(0)
    model = SeriesTransformer(NetworkConfig(n_features=4, d_model=16, n_heads=2, n_layers=2))
    with torch.no_grad():
        model.head_weight.normal_()  # initialised at zero: a read-out that says something
    losses, gradients, outputs = [], [], []
    for wanted in (None, hidden):
        model.zero_grad()
        predicted = model(values, ~hidden & present[..., None], positions, present, wanted)
        loss = masked_mean(model.cell_loss(predicted, values), hidden)
        loss.backward()
        losses.append(loss.item())
        gradients.append([p.grad.clone() for p in model.parameters()])
        outputs.append(predicted.detach())
    assert losses[1] == pytest.approx(losses[0], rel=1e-6)
    for full, pruned in zip(*gradients):
        torch.testing.assert_close(pruned, full, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(outputs[1][hidden], outputs[0][hidden])
    shown = ~hidden & present[..., None]
    assert torch.equal(outputs[1][shown], values[shown])


def test_trained_series_model_holds_the_averaged_weights_that_scored_best():
    table = coupled_series(600)  # (N, F)
    n = len(table)
    data = SeriesData(
        values=torch.as_tensor(np.vstack([table, np.zeros((1, 3))]), dtype=torch.float32),
        observed=torch.cat(
            [torch.ones(n, 3, dtype=torch.bool), torch.zeros(1, 3, dtype=torch.bool)]
        ),
        times=torch.as_tensor(np.append(np.arange(n), 0.0), dtype=torch.float32),
        offsets=torch.tensor([0]),
        lengths=torch.tensor([n]),
    )
    config = SeriesTrainingConfig(
        max_epochs=200,
        batch_size=8,
        learning_rate=1e-2,
        masking="dynamic",
        mask_rate=0.2,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=5,
        window=24,
        windows_per_epoch=64,
    )
    torch.manual_seed(0)
    model = SeriesTransformer(NetworkConfig(n_features=3, d_model=16, n_heads=2, d_ff=32))
    history = train_series(model, data, config, torch.Generator().manual_seed(0))

    train_observed, windows = hold_out_windows(data, config, torch.Generator().manual_seed(0))
    score = validation_mae(model, data, train_observed, windows, config.window)
    assert (
        0 <= history.best_epoch < len(history.validation_scores) - 1
    )  # trained, and a later epoch was not kept
    assert score == pytest.approx(history.validation_scores[history.best_epoch], rel=1e-5)
